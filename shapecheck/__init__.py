"""shapecheck: tensor shapes of neural networks checked before anything runs, and counted.

Build a model from ``shapecheck.nn`` (the ``torch.nn`` names and arguments) and it is checked as
it is constructed; :func:`summary`, :func:`count_params` and :func:`count_macs` fold over the
verified chain. :func:`guard` checks calls against the proven contract; :func:`to_torch` and
:func:`from_torch` bridge to PyTorch (imported when first used: the core needs no torch).
"""

from shapecheck import nn
from shapecheck.count import Summary, count_buffers, count_macs, count_memory, count_params, summary
from shapecheck.dims import Dim, Expr
from shapecheck.errors import ShapeError
from shapecheck.guard import Contract, contract, guard  # torch-free
from shapecheck.shape import Shape

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``to_torch`` and ``from_torch`` import torch when first used."""
    if name in ("to_torch", "from_torch"):
        import importlib

        return getattr(importlib.import_module(f"shapecheck.bridge.{name}"), name)
    raise AttributeError(f"module 'shapecheck' has no attribute {name!r}")

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
