"""`python -m bulkedit` runs the CLI."""

import sys

from bulkedit.cli.app import main

sys.exit(main())
