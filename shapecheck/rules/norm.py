"""Normalization, as ``torch.nn.BatchNorm*``, ``InstanceNorm*``, ``GroupNorm``, ``LayerNorm`` and ``RMSNorm`` count it.

Norms keep their input's shape. In training mode torch rejects a statistic taken over exactly one
value (``F._verify_batch_size``, ``F._verify_spatial_size``): a product of 0 values passes, so the
rule is ``product != 1``, i.e. some factor differs from 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from shapecheck.dims import Dim, floor_div

__all__ = ["affine_shapes", "group_norm_factors", "running_stats", "single_value_product"]


def affine_shapes(shape: tuple[int, ...], weight: bool, bias: bool) -> dict[str, tuple[int, ...]]:
    """A ``weight`` of ``shape`` and a ``bias`` of ``shape``, each when present."""
    return {name: shape for name, present in (("weight", weight), ("bias", bias)) if present}


def running_stats(features: int) -> dict[str, tuple[int, ...]]:
    """The buffers ``running_mean`` and ``running_var`` (``(features,)`` each) and ``num_batches_tracked`` (``()``)."""
    return {"running_mean": (features,), "running_var": (features,), "num_batches_tracked": ()}


def group_norm_factors(batch: Dim, channels: Dim, groups: int, spatial: Sequence[Dim]) -> tuple[Dim, ...]:
    """``F.group_norm`` checks the values of ``[N*C//G, G, *spatial]`` as batch norm does: ``(N*C//G, *spatial)``."""
    return (floor_div(batch * channels, groups), *spatial)


def single_value_product(factors: Sequence[Dim]) -> Dim | None:
    """What must be ``>= 2`` for ``prod(factors) != 1``: None when a concrete factor other than 1 (0 or
    more than 1) already rules a product of 1 out, else the product of the factors that are not 1.
    """
    rest = [f for f in factors if not isinstance(f, int) or f != 1]
    if any(isinstance(f, int) for f in rest):
        return None
    return prod(rest, start=1)
