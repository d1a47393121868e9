"""Settings every test shares.

Hypothesis checks two things against the clock: a per-example deadline (200 ms by default)
and the ``too_slow`` health check on data generation. Both fail a correct test when the
machine is busy (CI runs two cores; the suite itself runs subprocesses), so neither is used
here: a property either holds or it does not, however long an example takes. ``print_blob``
makes any real failure reproducible from CI's log alone.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "bulkedit",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("bulkedit")
