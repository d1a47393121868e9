"""Defaults that both the library and the command line's `--help` show.

Kept apart so the command line can state them without importing the commands'
machinery: each command imports what it runs only when it runs.
"""

#: `edit --show`: how many changes a result lists (the rest are counted).
SHOW_CHANGES = 20
#: `lint --max-per-rule`: findings kept per rule (the rest are counted); 0 keeps all.
DEFAULT_MAX_PER_RULE = 50
#: `errors --limit`: users shown per error code in text and markdown reports.
ERRORS_SHOWN_PER_CODE = 10
