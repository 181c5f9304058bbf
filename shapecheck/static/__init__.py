"""The forward interpreter: PyTorch source checked for shape errors without running it.

:func:`analyze_source` / :func:`analyze_file` evaluate a module's ``torch.nn`` classes (``__init__``
and ``forward``), factories and functions abstractly, with the same rules as ``shapecheck.nn``, and
return a :class:`FileReport`: findings (located, derived, with fixes), the models followed and where
tracking was lost, and the shape of every tensor bound to a name. Nothing is imported or run.
"""

from __future__ import annotations

from shapecheck.static import einops_ops as _einops_ops  # noqa: F401  (registers einops in the op table)
from shapecheck.static import tensor_ops as _tensor_ops  # noqa: F401  (registers the op table)
from shapecheck.static.analysis import analyze_file, analyze_source
from shapecheck.static.report import FileReport, Finding, Gap, ModelReport

__all__ = ["FileReport", "Finding", "Gap", "ModelReport", "analyze_file", "analyze_source"]
