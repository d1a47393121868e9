"""Every lint rule, one module per family; importing this package registers them all.

BE0xx conversions emit makes (info) · BE1xx fields and structure · BE2xx duplicates ·
BE3xx email · BE4xx password hashes · BE5xx MFA factors · BE6xx metadata and profile ·
BE7xx files · BE8xx tenant state (--backup).
"""

from bulkedit.lint.rules import (  # noqa: F401
    conversion,
    duplicates,
    email,
    files,
    mfa,
    passwords,
    profile,
    structure,
    tenant,
)
