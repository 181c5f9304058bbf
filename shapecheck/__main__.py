"""``python -m shapecheck``: the ``shapecheck`` command."""

import sys

from shapecheck.cli import main

sys.exit(main())
