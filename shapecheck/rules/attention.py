"""Attention, as ``torch.nn.MultiheadAttention`` counts it (and torchvision's figures for ViT)."""

from __future__ import annotations

from shapecheck.dims import Dim

__all__ = ["mha_bias_macs", "mha_macs", "mha_params"]


def mha_params(embed_dim: int, kdim: int, vdim: int, bias: bool, add_bias_kv: bool) -> int:
    """``in_proj_weight (3E, E)`` (or ``q/k/v_proj_weight`` ``(E, E)``, ``(E, kdim)``, ``(E, vdim)`` when
    ``kdim``/``vdim`` differ from ``E``), ``in_proj_bias (3E)``, ``out_proj`` ``(E, E)`` + ``E``, and
    ``bias_k``, ``bias_v`` ``(1, 1, E)`` each with ``add_bias_kv``.
    """
    e = embed_dim
    weights = e * (e + kdim + vdim) + e * e
    biases = 4 * e if bias else 0
    return weights + biases + (2 * e if add_bias_kv else 0)


def mha_macs(target: Dim, source: Dim, keys: Dim, batch: Dim, embed_dim: int, kdim: int, vdim: int) -> Dim:
    """Projections ``N*(L*E*E + S*E*kdim + S*E*vdim + L*E*E)`` plus ``Q K^T`` and ``A V``: ``N*heads*L*S'*head_dim``
    each, i.e. ``2*N*L*S'*E``. ``L`` = ``target``, ``S`` = ``source``, ``S'`` = ``keys`` (``S`` plus one
    for ``add_bias_kv`` and one for ``add_zero_attn``).
    """
    e = embed_dim
    projections = target * (2 * e * e) + source * (e * (kdim + vdim))
    return batch * (projections + 2 * target * keys * e)


def mha_bias_macs(target: Dim, source: Dim, batch: Dim, embed_dim: int) -> Dim:
    """``in_proj_bias`` on ``L`` queries and ``S`` keys and values, ``out_proj.bias`` on ``L`` outputs."""
    return batch * embed_dim * (2 * target + 2 * source)
