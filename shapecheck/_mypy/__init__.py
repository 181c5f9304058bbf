"""The parts of the mypy plugin ``shapecheck.mypy``: constants read from source, chains built from them, hooks."""
