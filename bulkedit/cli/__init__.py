"""The command-line interface: flags in, one core call, a reporter, an exit code."""
