"""Attention, as ``torch.nn.MultiheadAttention`` counts it (and torchvision's figures for ViT)."""

from __future__ import annotations

from shapecheck.dims import Dim

__all__ = ["mha_bias_macs", "mha_macs", "mha_parameter_shapes"]


def mha_parameter_shapes(embed_dim: int, kdim: int, vdim: int, bias: bool, add_bias_kv: bool) -> dict[str, tuple[int, ...]]:
    """``in_proj_weight (3E, E)`` (or ``q_proj_weight (E, E)``, ``k_proj_weight (E, kdim)``, ``v_proj_weight
    (E, vdim)`` when ``kdim``/``vdim`` differ from ``E``), ``in_proj_bias (3E,)`` with ``bias``, and ``bias_k``,
    ``bias_v`` ``(1, 1, E)`` each with ``add_bias_kv``; ``out_proj`` is a ``Linear(E, E)`` child.
    """
    e = embed_dim
    if kdim == e and vdim == e:
        shapes: dict[str, tuple[int, ...]] = {"in_proj_weight": (3 * e, e)}
    else:
        shapes = {"q_proj_weight": (e, e), "k_proj_weight": (e, kdim), "v_proj_weight": (e, vdim)}
    if bias:
        shapes["in_proj_bias"] = (3 * e,)
    if add_bias_kv:
        shapes["bias_k"] = shapes["bias_v"] = (1, 1, e)
    return shapes


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
