"""Shape rules, one module per layer family: pure functions of a layer's configuration and its input.

Each formula is written once, here, with torch's formula in its docstring; ``shapecheck.nn`` layers
bind them, and every front-end (construction, the mypy plugin, the torch bridge) goes through them.
"""
