"""The shapes a ``forward()`` is checked on: from jaxtyping annotations, or invented from its first layer.

An annotated parameter (``x: Float[Tensor, "B 3 H W"]``) has that shape, its names free sizes. An
unannotated one is first followed with a shape of unknown rank (a *probe*): the first layer it meets
says what it must be (``Conv2d(3, ...)``: ``(B, 3, H, W)``; ``Embedding``: token ids ``(B, T)``;
``Linear(512, ...)``: ``(..., 512)``), as does unpacking its size (``b, t = idx.size()``). Every size
not fixed by that layer is a free symbol: a check fails only if no size satisfies it. When the rank
stays open but the forward reads or squeezes dims by index (``x.squeeze(1)`` before ``Linear(40)``),
the ranks those allow are :func:`candidates`, each tried (``analysis``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Final

from shapecheck import nn
from shapecheck.dims import Dim, as_dim, unknown
from shapecheck.jaxtyping_spec import DTYPES, INTEGER_DTYPES, parse
from shapecheck.nn.module import Module as Layer
from shapecheck.shape import Shape
from shapecheck.static.values import External, Tensor, Value

__all__ = ["Evidence", "annotated_tensor", "candidates", "from_evidence", "layer_input"]

_SPATIAL: Final = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def annotated_tensor(annotation: ast.expr | None, lookup: object) -> Tensor | None:
    """The tensor a jaxtyping annotation ``Float[Tensor, "B 3 H W"]`` describes, or None.

    ``lookup(node)`` evaluates the annotation's head (it must resolve to a ``jaxtyping`` name)."""
    if not isinstance(annotation, ast.Subscript) or not callable(lookup):
        return None
    head = lookup(annotation.value)
    name = head.name if isinstance(head, External) else ""
    dtype_name = name.rsplit(".", 1)[-1]
    if not name.startswith("jaxtyping.") or dtype_name not in DTYPES:
        return None
    index = annotation.slice
    if not isinstance(index, ast.Tuple) or len(index.elts) != 2:
        return None
    text = index.elts[1]
    if not isinstance(text, ast.Constant) or not isinstance(text.value, str):
        return None
    parsed = parse(text.value)
    if parsed is None:
        return None
    dims, prefix = parsed
    shape = Shape([unknown() if d is None else as_dim(d) for d in dims], prefix)
    dtype = "long" if dtype_name in INTEGER_DTYPES else "bool" if dtype_name == "Bool" else "float"
    return Tensor(shape, dtype)


class Evidence:
    """What the probe learned of one parameter: the first layer applied to it, the rank its size unpacks
    to, or (hints) the dims the forward reads or squeezes by index."""

    __slots__ = ("layer", "rank", "least_rank", "squeezed")

    def __init__(self) -> None:
        self.layer: Layer | None = None
        self.rank: int | None = None
        self.least_rank = 0
        """One more than the highest dim read by index (``x.size(1)``, ``x.shape[2]``, ``x.squeeze(1)``)."""
        self.squeezed: set[int] = set()
        """Dims squeezed by index: the forward takes them to be 1."""

    @property
    def decided(self) -> bool:
        return self.layer is not None or self.rank is not None


def from_evidence(evidence: Evidence, position: int) -> Tensor:
    """The shape to check a parameter on: fixed where its first layer fixes it, free symbols elsewhere.

    ``position`` numbers the tensor parameters: the first gets ``B``, ``C``, ``H``, ``W``, ``T``; the
    others the same letters with their number (``T2``), sharing the batch ``B``.
    """
    suffix = "" if position == 0 else str(position + 1)

    def sym(name: str) -> Dim:
        return as_dim(name if name == "B" else name + suffix)

    layer = evidence.layer
    if layer is not None:
        shape = _from_layer(layer, sym)
        if shape is not None:
            if evidence.rank is not None and shape.shape.prefix and len(shape.shape) <= evidence.rank:
                return _with_tail(_from_rank(evidence.rank, sym), shape.shape.dims)
            if evidence.rank is not None and shape.shape.rank is not None and shape.shape.rank != evidence.rank:
                return _from_rank(evidence.rank, sym)
            return shape
    if evidence.rank is not None:
        return _from_rank(evidence.rank, sym)
    return Tensor(Shape.unknown())


_CANDIDATE_RANKS: Final = 3
"""Ranks tried for a parameter whose rank only hints give: the least they allow and the next ones."""


def candidates(evidence: Evidence, position: int) -> list[Tensor]:
    """The shapes to try for a parameter whose rank the probe left open but hinted at (the forward reads
    ``x.size(1)`` or squeezes dim 1 before a layer fixes the rank): each rank from the least the hints
    allow, with canonical names, the first layer's trailing sizes, and 1 where the forward squeezes."""
    if evidence.rank is not None or evidence.least_rank < 2 and not evidence.squeezed:
        return []
    suffix = "" if position == 0 else str(position + 1)
    known = layer_input(evidence.layer) if evidence.layer is not None else Shape.unknown()
    if not known.prefix:
        return []
    tail = list(known.dims)
    out = []
    least = max(evidence.least_rank, len(tail) + 1)
    for rank in range(least, min(least + _CANDIDATE_RANKS, max(_NAMES) + 1)):
        dims: list[Dim] = [as_dim(n if n == "B" else n + suffix) for n in _NAMES[rank]]
        dims[rank - len(tail):] = tail
        if any(i >= rank - len(tail) and dims[i] != 1 for i in evidence.squeezed):
            continue  # a squeeze of a size the first layer fixes
        for i in evidence.squeezed:
            dims[i] = 1
        out.append(Tensor(Shape(dims)))
    return out


def layer_input(layer: Layer) -> Shape:
    """The input a layer implies (``Linear(40)``: ``(..., 40)``), unknown when it implies none."""
    tensor = _from_layer(layer, as_dim)
    return tensor.shape if tensor is not None else Shape.unknown()


_NAMES: Final[dict[int, Sequence[str]]] = {1: ("T",), 2: ("B", "T"), 3: ("B", "T", "C"), 4: ("B", "C", "H", "W"), 5: ("B", "C", "D", "H", "W")}


def _with_tail(tensor: Tensor, tail: Sequence[Dim]) -> Tensor:
    """``tensor`` (of canonical names) with its last dims the sizes a layer fixes (``(B, T, C)``, ``(64,)``: ``(B, T, 64)``)."""
    if tensor.shape.prefix or not tail:
        return tensor
    dims = list(tensor.shape.dims)
    dims[len(dims) - len(tail):] = tail
    return Tensor(Shape(dims))


def _from_rank(rank: int, sym: object) -> Tensor:
    letters = _NAMES.get(rank)
    if letters is None or not callable(sym):
        return Tensor(Shape.unknown())
    dtype = "long" if rank <= 2 else "float"
    return Tensor(Shape([sym(n) for n in letters]), dtype)


def _from_layer(layer: Layer, sym: object) -> Tensor | None:
    assert callable(sym)
    spatial_of = {
        **{getattr(nn, f"Conv{n}d"): n for n in (1, 2, 3)},
        **{getattr(nn, f"ConvTranspose{n}d"): n for n in (1, 2, 3)},
        **{getattr(nn, f"BatchNorm{n}d"): n for n in (2, 3)},
        **{getattr(nn, f"InstanceNorm{n}d"): n for n in (1, 2, 3)},
        **{getattr(nn, f"{k}Pool{n}d"): n for k in ("Max", "Avg") for n in (1, 2, 3)},
        **{getattr(nn, f"Adaptive{k}Pool{n}d"): n for k in ("Max", "Avg") for n in (1, 2, 3)},
    }
    n = spatial_of.get(type(layer))
    if n is not None:
        channels = getattr(layer, "in_channels", None) or getattr(layer, "num_features", None)
        c = channels if isinstance(channels, int) else sym("C")
        return Tensor(Shape([sym("B"), c, *(sym(a) for a in _SPATIAL[n])]))
    if isinstance(layer, nn.Sequential):
        children = layer.children()
        return _from_layer(children[0][1], sym) if children else None
    if isinstance(layer, nn.Linear):
        return Tensor(Shape([layer.in_features], prefix=True))
    if isinstance(layer, nn.Embedding):
        return Tensor(Shape([sym("B"), sym("T")]), "long")
    if isinstance(layer, nn.LayerNorm):
        return Tensor(Shape(list(layer.normalized_shape), prefix=True))
    if isinstance(layer, (nn.LSTM, nn.GRU, nn.RNN)):
        first = getattr(layer, "batch_first", False)
        return Tensor(Shape([sym("B"), sym("T"), layer.input_size] if first else [sym("T"), sym("B"), layer.input_size]))
    if isinstance(layer, (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
        attention = layer if isinstance(layer, nn.MultiheadAttention) else getattr(layer, "self_attn", None)
        if not isinstance(attention, nn.MultiheadAttention):
            return None
        d = attention.embed_dim
        return Tensor(Shape([sym("B"), sym("T"), d] if attention.batch_first else [sym("T"), sym("B"), d]))
    if isinstance(layer, nn.BatchNorm1d):
        return Tensor(Shape([sym("B"), layer.num_features]))
    rank = getattr(layer, "input_rank", None)  # a layer that fixes only its input's rank (einops' Rearrange)
    if isinstance(rank, int):
        return _from_rank(rank, sym)
    return None
