"""jaxtyping's shape strings (``"B 3 224 224"``, ``"*batch 10"``) read without importing jaxtyping.

One reader for every front-end that meets an annotation in source: the mypy plugin and the forward
interpreter.
"""

from __future__ import annotations

from typing import Final

from shapecheck.dtypes import KINDS

__all__ = ["DTYPES", "INTEGER_DTYPES", "parse"]

DTYPES: Final = frozenset(KINDS) | {"AbstractDtype", "Key"}
"""jaxtyping's dtype names, the ``X`` of ``X[array, "shape"]``."""

INTEGER_DTYPES: Final = frozenset(d for d in DTYPES if d.startswith(("Int", "UInt")) or d in ("Integer", "Key"))

_VARIADIC: Final = ("...", "*")

Dims = tuple[int | str | None, ...]


def parse(text: str) -> tuple[Dims, bool] | None:
    """``(dims, prefix)`` of a shape string: ints are sizes, identifiers names, anything else
    (``#B`` broadcast, ``_``, ``?x``, ``h+1``) an unknown dim (None); a variadic part (``...``,
    ``*name``) makes the dims before it unknown (``prefix``). Two variadic parts: None.
    """
    tokens = text.split()
    variadic = [i for i, t in enumerate(tokens) if t.startswith(_VARIADIC)]
    if len(variadic) > 1:
        return None
    if variadic:
        tokens = tokens[variadic[0] + 1 :]
    return tuple(_dim(t) for t in tokens), bool(variadic)


def _dim(token: str) -> int | str | None:
    if token.isdigit():
        return int(token)
    if token.isidentifier() and not token.startswith("_"):
        return token
    return None
