"""`python -m finale` runs the command line."""

import sys

from finale.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
