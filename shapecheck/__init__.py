"""shapecheck: tensor shapes of neural networks checked before anything runs, and counted.

Build a model from ``shapecheck.nn`` (the ``torch.nn`` names and arguments) and it is checked as
it is constructed; :func:`summary`, :func:`count_params` and :func:`count_macs` fold over the
verified chain. :func:`guard` checks calls against the proven contract; :func:`to_torch` and
:func:`from_torch` bridge to PyTorch (they import torch: the core needs none).

Names are imported when first used, so that the mypy plugin (``shapecheck.mypy``), loaded by every
mypy run, imports the rules only when a run checks a call.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shapecheck import nn
    from shapecheck.count import Summary, count_buffers, count_macs, count_memory, count_params, summary
    from shapecheck.dims import Dim, Expr
    from shapecheck.errors import ShapeError
    from shapecheck.guards import Contract, contract, guard
    from shapecheck.shape import Shape

__version__ = "0.1.0"

_HOMES = {
    "nn": "shapecheck",
    "Summary": "shapecheck.count",
    "count_buffers": "shapecheck.count",
    "count_macs": "shapecheck.count",
    "count_memory": "shapecheck.count",
    "count_params": "shapecheck.count",
    "summary": "shapecheck.count",
    "Dim": "shapecheck.dims",
    "Expr": "shapecheck.dims",
    "ShapeError": "shapecheck.errors",
    "Contract": "shapecheck.guards",
    "contract": "shapecheck.guards",
    "guard": "shapecheck.guards",
    "Shape": "shapecheck.shape",
    "from_torch": "shapecheck.bridge.from_torch",
    "to_torch": "shapecheck.bridge.to_torch",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:  # to_torch and from_torch stay out of type checking: they import torch
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'shapecheck' has no attribute {name!r}")
    value = importlib.import_module(f"{home}.{name}") if home == __name__ else getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "Contract",
    "Dim",
    "Expr",
    "Shape",
    "ShapeError",
    "Summary",
    "__version__",
    "count_buffers",
    "count_macs",
    "count_memory",
    "contract",
    "count_params",
    "from_torch",
    "guard",
    "nn",
    "summary",
    "to_torch",
]
