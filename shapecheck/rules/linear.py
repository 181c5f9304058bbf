"""Dense layers, as ``torch.nn.Linear`` and ``torch.nn.Bilinear`` compute them."""

from __future__ import annotations

from shapecheck.dims import Dim

__all__ = ["linear_macs", "linear_parameter_shapes"]


def linear_parameter_shapes(weight: tuple[int, ...], bias: bool) -> dict[str, tuple[int, ...]]:
    """``weight`` (``(out, in)``; Bilinear's ``(out, in1, in2)``) and, with ``bias``, ``bias (out,)``."""
    return {"weight": weight, "bias": weight[:1]} if bias else {"weight": weight}


def linear_macs(out_numel: Dim, in_features: int) -> Dim:
    """``numel(output) * in_features``: one MAC per weight per output row."""
    return out_numel * in_features
