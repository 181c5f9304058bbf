"""shapecheck: tensor shapes of neural networks checked before anything runs, and counted.

Build a model from ``shapecheck.nn`` (the ``torch.nn`` names and arguments) and it is checked as
it is constructed; :func:`summary`, :func:`count_params` and :func:`count_macs` fold over the
verified chain.
"""

from shapecheck import nn
from shapecheck.count import Summary, count_buffers, count_macs, count_memory, count_params, summary
from shapecheck.dims import Dim, Expr
from shapecheck.errors import ShapeError
from shapecheck.shape import Shape

__version__ = "0.1.0"

__all__ = [
    "Dim",
    "Expr",
    "Shape",
    "ShapeError",
    "Summary",
    "__version__",
    "count_buffers",
    "count_macs",
    "count_memory",
    "count_params",
    "nn",
    "summary",
]
