"""The one exception type the command line turns into a one-line message and exit status 2."""


class UsageError(ValueError):
    """Bad usage or bad input on the command line: reported on one line, exit status 2."""
