"""``python -m shapecheck``: the ``shapecheck`` command."""

import sys

from shapecheck.cli import main

if __name__ == "__main__":  # a spawned child process imports this module again: it must not run the command
    sys.exit(main())
