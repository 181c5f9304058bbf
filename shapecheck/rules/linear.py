"""Dense layers, as ``torch.nn.Linear`` and ``torch.nn.Bilinear`` compute them."""

from __future__ import annotations

from shapecheck.dims import Dim

__all__ = ["linear_params", "linear_macs"]


def linear_params(in_features: int, out_features: int, bias: bool) -> int:
    """``in_features*out_features`` weights plus ``out_features`` biases."""
    return in_features * out_features + (out_features if bias else 0)


def linear_macs(out_numel: Dim, in_features: int) -> Dim:
    """``numel(output) * in_features``: one MAC per weight per output row."""
    return out_numel * in_features
