"""Attention layers mirroring ``torch.nn`` (``MultiheadAttention``, the Transformer encoder) and ViT's
learned tokens (``ClassToken``, ``PositionalEmbedding``, from torchvision's ``VisionTransformer``).

In a chain, attention is self-attention: the chain's tensor is query, key and value. Its tuple output
is selected with :class:`~shapecheck.nn.outputs.Pick` (``Pick(MultiheadAttention(768, 12), 0)`` is
``attn(x, x, x)[0]``); the Transformer layers do that inside, as their ``forward`` does.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from shapecheck.checker import Checker
from shapecheck.dims import Dim
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_int, check_int_or_bool, check_prob
from shapecheck.nn.activation import GELU, ReLU
from shapecheck.nn.dropout import Dropout
from shapecheck.nn.linear import Linear
from shapecheck.nn.module import Module, Sequential
from shapecheck.nn.norm import LayerNorm
from shapecheck.nn.outputs import Options, Pick, Tree, TupleModule
from shapecheck.rules.attention import mha_bias_macs, mha_macs, mha_parameter_shapes
from shapecheck.rules.rank import split_core
from shapecheck.rules.recurrent import sequence_dims
from shapecheck.shape import Shape
from shapecheck.trace import Tracer

__all__ = [
    "ClassToken",
    "MultiheadAttention",
    "PositionalEmbedding",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


class MultiheadAttention(TupleModule):
    """``(attn_output, attn_weights)`` of self-attention on ``(L, N, E)``, ``(N, L, E)`` with ``batch_first``,
    or unbatched ``(L, E)``; ``E`` must be ``embed_dim`` (and ``kdim``, ``vdim``, since key and value are the
    same tensor).

    ``attn_output`` has the input's shape. ``attn_weights`` is ``(N, L, S)`` averaged over heads, or
    ``(N, num_heads, L, S)`` with ``average_attn_weights=False`` (no ``N`` unbatched; None with
    ``need_weights=False``), where ``S = L`` plus one for ``add_bias_kv`` and one for ``add_zero_attn``.
    MACs: the four projections and the ``Q K^T`` and ``A V`` matmuls (``2*N*L*S*E``), as torchvision counts.
    Parameters: the input projections (:meth:`parameter_shapes`) and, as in torch, a ``Linear(E, E)`` child ``out_proj``.
    """

    takes = "Float"

    options = {"need_weights": True, "average_attn_weights": True, "is_causal": False}

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = check_int(name, "embed_dim", embed_dim, minimum=1)
        self.num_heads = check_int_or_bool(name, "num_heads", num_heads, minimum=1)
        if embed_dim % num_heads:
            raise ValueError(f"{name}: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and num_heads={num_heads}")
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = check_prob(name, "dropout", dropout)
        self.bias = bool(bias)
        self.add_bias_kv = bool(add_bias_kv)
        self.add_zero_attn = bool(add_zero_attn)
        self.kdim = self.embed_dim if kdim is None else check_int_or_bool(name, "kdim", kdim)
        self.vdim = self.embed_dim if vdim is None else check_int_or_bool(name, "vdim", vdim)
        self.batch_first = bool(batch_first)
        self.out_proj = Linear(self.embed_dim, self.embed_dim, bias=self.bias)

    def names(self, options: Options) -> tuple[str | None, ...]:
        return ("attn_output", "attn_weights" if options["need_weights"] else None)

    def picks(self) -> list[tuple[tuple[int, ...], str]]:
        return [((0,), "attn_output (x, _ = attn(x, x, x) in a forward())")]

    def outputs(self, x: Shape, check: Checker, options: Options) -> tuple[Tree, ...]:
        name = "MultiheadAttention"
        length, batch, features, batched = sequence_dims(x, self.batch_first, name)
        fixes = []
        if isinstance(features, int):
            note = "" if features % self.num_heads == 0 else f" and a num_heads that divides it (not {self.num_heads})"
            fixes.append(f"embed_dim={features}{note}")
        check.equal(
            features,
            self.embed_dim,
            f"{name} expects embed_dim={self.embed_dim} features, got {features}",
            index=-1,
            fixes=fixes,
            kind="features",
        )
        for arg, size in (("kdim", self.kdim), ("vdim", self.vdim)):
            check.equal(
                features,
                size,
                f"{name} with {arg}={size}: in a chain the key and value are the query, of {features} features",
                index=-1,
                fixes=[f"{arg}=None (self-attention), or call it on separate key and value in a forward()"],
                kind="features",
            )
        out = x.with_tail(max(len(x) - 1, 0), (self.embed_dim,))
        return out, self._weights(length, length, batch, batched, options)

    def masks(
        self, length: Dim, source: Dim, batch: Dim, batched: bool | None, attn_mask: Shape | None, key_padding_mask: Shape | None, check: Checker
    ) -> None:
        """torch's checks of the masks for ``L`` queries and ``S`` keys: ``attn_mask`` ``(L, S)`` or
        ``(N*num_heads, L, S)`` (``(num_heads, L, S)`` unbatched); ``key_padding_mask`` ``(N, S)`` (``(S,)`` unbatched)."""
        if batched is None:
            return
        if attn_mask is not None and attn_mask.rank is not None:
            rank = attn_mask.rank
            heads = batch * self.num_heads if batched else self.num_heads
            want = {2: (length, source), 3: (heads, length, source)}.get(rank)
            if want is None:
                raise RuleError(f"expected attn_mask to be None, 2-D or 3-D but found {rank}-D tensor instead", expected="2-D or 3-D", actual=f"{rank}-D", kind="rank")
            for have, size in zip(attn_mask.dims, want):
                check.equal(have, size, "The shape of the {}D attn_mask is {}, but should be {}", rank, attn_mask, Shape(want))
        if key_padding_mask is not None and key_padding_mask.rank is not None:
            want = (batch, source) if batched else (source,)
            if key_padding_mask.rank != len(want):
                raise RuleError(f"expected key_padding_mask of shape {Shape(want)}, got {key_padding_mask}", expected=str(Shape(want)), actual=str(key_padding_mask), kind="rank")
            for have, size in zip(key_padding_mask.dims, want):
                check.equal(have, size, "expected key_padding_mask of shape {}, got {}", Shape(want), key_padding_mask)

    def _weights(self, length: Dim, source: Dim, batch: Dim, batched: bool | None, options: Options) -> Shape | None:
        """``attn_weights``: ``(N, L, S)``, per head ``(N, num_heads, L, S)``, no ``N`` unbatched; None without weights."""
        if not options["need_weights"]:
            return None
        keys = self._keys(source)
        heads: tuple[Dim, ...] = () if options["average_attn_weights"] else (self.num_heads,)
        if batched is None:
            return Shape((length, keys), prefix=True)
        return Shape(((batch,) if batched else ()) + heads + (length, keys))

    def attend(
        self,
        query: Shape,
        key: Shape,
        value: Shape,
        check: Checker,
        options: Options,
        attn_mask: Shape | None = None,
        key_padding_mask: Shape | None = None,
    ) -> tuple[Shape, Shape | None, Dim]:
        """``attn(query, key, value)`` on separate tensors: ``(attn_output, attn_weights, MACs)``, with the
        checks of ``F.multi_head_attention_forward`` in its order: ranks, the query's ``embed_dim``, key
        against value (whole shapes, or sequence and batch with ``kdim``/``vdim``), the key's and value's
        features against the projections, the batch of the key against the query's, then the masks
        (:meth:`masks`)."""
        name = "MultiheadAttention"
        if query.rank is not None and key.rank is not None and value.rank is not None:
            kind = {3: "batched (3-D)", 2: "unbatched (2-D)"}.get(query.rank)
            if kind is None:
                raise RuleError(f"query should be unbatched 2D or batched 3D tensor but received {query.rank}-D query tensor", kind="rank")
            if key.rank != query.rank or value.rank != query.rank:
                raise RuleError(
                    f"For {kind} `query`, expected `key` and `value` to be {query.rank}-D but found {key.rank}-D and {value.rank}-D tensors respectively",
                    kind="rank",
                )
        length, batch, features, batched = sequence_dims(query, self.batch_first, name)
        source, key_batch, key_features, _ = sequence_dims(key, self.batch_first, name)
        value_source, value_batch, value_features, _ = sequence_dims(value, self.batch_first, name)
        check.equal(features, self.embed_dim, f"was expecting embedding dimension of {self.embed_dim}, but got {features}", index=-1, kind="features")
        separate = self.kdim != self.embed_dim or self.vdim != self.embed_dim
        pairs = [(value_source, source), (value_batch, key_batch)] + ([] if separate else [(value_features, key_features)])
        what = f"key's sequence and batch dims {key} do not match value's {value}" if separate else f"key shape {key} does not match value shape {value}"
        for v, k in pairs:
            check.equal(v, k, what)
        for arg, have, want in (("key", key_features, self.kdim), ("value", value_features, self.vdim)):
            check.equal(have, want, f"{arg} has {have} features, the {arg} projection expects {arg[0]}dim={want}", index=-1, kind="features")
        check.equal(key_batch, batch, f"key batch {key_batch} does not match query batch {batch}")
        self.masks(length, source, batch, batched, attn_mask, key_padding_mask, check)
        out = query.with_tail(max(len(query) - 1, 0), (self.embed_dim,))
        macs = mha_macs(length, source, self._keys(source), batch, self.embed_dim, self.kdim, self.vdim)
        return out, self._weights(length, source, batch, batched, options), macs

    def _keys(self, length: Dim) -> Dim:
        return length + int(self.add_bias_kv) + int(self.add_zero_attn)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return mha_parameter_shapes(self.embed_dim, self.kdim, self.vdim, self.bias, self.add_bias_kv)

    def children(self) -> list[tuple[str, Module]]:
        return [("out_proj", self.out_proj)]

    def call_macs(self, x: Shape) -> Dim:
        length, batch, _, _ = sequence_dims(x, self.batch_first, "MultiheadAttention")
        return mha_macs(length, length, self._keys(length), batch, self.embed_dim, self.kdim, self.vdim)

    def call_bias_macs(self, x: Shape) -> Dim:
        length, batch, _, _ = sequence_dims(x, self.batch_first, "MultiheadAttention")
        return mha_bias_macs(length, length, batch, self.embed_dim) if self.bias else 0

    def extra_repr(self) -> str:
        """torch prints only ``out_proj``; this shows the arguments: ``768, 12, batch_first=True``."""
        defaults = (
            ("dropout", self.dropout, 0.0),
            ("bias", self.bias, True),
            ("add_bias_kv", self.add_bias_kv, False),
            ("add_zero_attn", self.add_zero_attn, False),
            ("kdim", self.kdim, self.embed_dim),
            ("vdim", self.vdim, self.embed_dim),
            ("batch_first", self.batch_first, False),
        )
        return ", ".join([f"{self.embed_dim}, {self.num_heads}", *(f"{k}={v}" for k, v, d in defaults if v != d)])


Activation = str | Callable[..., object] | Module
"""A Transformer layer's ``activation``: ``"relu"``, ``"gelu"``, a function (torch's ``F.relu``) or a layer."""


def _activation(layer: str, activation: object) -> Module | None:
    """A layer applying ``activation`` (None for a plain function, which keeps the shape and counts nothing)."""
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise ValueError(f"{layer}: activation should be relu/gelu, not {activation}")
        return ReLU() if activation == "relu" else GELU()
    if callable(activation):
        return None
    raise TypeError(f"{layer}: activation must be 'relu', 'gelu' or a callable, got {type(activation).__name__} {activation!r}")


class _TransformerLayer(Module):
    """The blocks shared by the encoder and decoder layers: self-attention, the feed-forward
    ``linear2(dropout(activation(linear1(x))))`` and their residual sums, post- or pre-norm."""

    takes = "Float"

    def _setup(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int,
        dropout: float,
        activation: object,
        layer_norm_eps: float,
        batch_first: bool,
        norm_first: bool,
        bias: bool,
        is_causal: bool = False,
    ) -> None:
        name = type(self).__name__  # its own arguments are checked under their own names, before its blocks see them
        d_model = check_int(name, "d_model", d_model, minimum=1)
        nhead = check_int_or_bool(name, "nhead", nhead, minimum=1)
        dim_feedforward = check_int(name, "dim_feedforward", dim_feedforward)
        check_prob(name, "dropout", dropout)
        if d_model % nhead:
            raise ValueError(f"{name}: d_model must be divisible by nhead, got d_model={d_model} and nhead={nhead}")
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation
        self._activation = _activation(name, activation)
        if not isinstance(is_causal, bool):
            raise TypeError(f"{name}: is_causal must be a bool, got {type(is_causal).__name__} {is_causal!r}")
        self.is_causal = is_causal
        self._attend = Pick(self.self_attn, 0, need_weights=False, is_causal=is_causal)

    def _self_attention(self, x: Shape, tracer: Tracer, at: Callable[[str], str]) -> Shape:
        x = self._attend.trace(x, tracer, at("self_attn"))
        return self.dropout1.trace(x, tracer, at("dropout1"))

    def _feed_forward(self, x: Shape, tracer: Tracer, at: Callable[[str], str], last: str) -> Shape:
        """``linear1``, ``activation``, ``dropout``, ``linear2``, then the dropout named ``last``."""
        x = self.linear1.trace(x, tracer, at("linear1"))
        if self._activation is not None:
            x = self._activation.trace(x, tracer, at("activation"))
        x = self.dropout.trace(x, tracer, at("dropout"))
        x = self.linear2.trace(x, tracer, at("linear2"))
        dropout: Module = getattr(self, last)
        return dropout.trace(x, tracer, at(last))

    def _residual(self, x: Shape, tracer: Tracer, at: Callable[[str], str], norm: str, block: Callable[[Shape], Shape]) -> Shape:
        """``x + block(norm(x))`` with ``norm_first``, else ``norm(x + block(x))``; the sum has the block's shape
        (the block keeps ``x``'s shape once its input is checked)."""
        layer: Module = getattr(self, norm)
        if self.norm_first:
            return block(layer.trace(x, tracer, at(norm)))
        return layer.trace(block(x), tracer, at(norm))

    def _children(self, *names: str) -> list[tuple[str, Module]]:
        out = [(n, m) for n in names if isinstance(m := getattr(self, n), Module)]
        return out + ([("activation", self.activation)] if isinstance(self.activation, Module) else [])

    def _repr(self, extra: str) -> str:
        lines = [f"{type(self).__name__}({extra}"]
        for name, child in self.children():
            lines.append(f"  ({name}): {child!r}")
        return "\n".join(lines) + "\n)"


def _at(path: str) -> Callable[[str], str]:
    return lambda name: f"{path}.{name}" if path else name


class TransformerEncoderLayer(_TransformerLayer):
    """``src`` of ``(S, N, E)``, ``(N, S, E)`` with ``batch_first`` or unbatched ``(S, E)`` -> the same shape.

    ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``, or with ``norm_first`` ``x = x + sa(norm1(x));
    x = x + ff(norm2(x))``; ``sa`` is self-attention then ``dropout1``, ``ff`` is ``linear1``, ``activation``,
    ``dropout``, ``linear2``, ``dropout2``. ``activation`` defaults to ``"relu"`` (torch's ``F.relu``).
    ``is_causal`` is the argument of torch's ``forward`` fixed for the chain: each position attends to
    itself and those before it (GPT's decoder blocks); ``to_torch`` passes the causal mask with it.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
        *,
        is_causal: bool = False,
    ) -> None:
        super().__init__()
        self._setup(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias, is_causal)

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        at = _at(path)
        x = self._residual(x, tracer, at, "norm1", lambda h: self._self_attention(h, tracer, at))
        return self._residual(x, tracer, at, "norm2", lambda h: self._feed_forward(h, tracer, at, "dropout2"))

    def children(self) -> list[tuple[str, Module]]:
        return self._children("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2")

    def __repr__(self) -> str:
        return self._repr(f"norm_first={self.norm_first}" + (", is_causal=True" if self.is_causal else ""))


class TransformerDecoderLayer(_TransformerLayer):
    """``tgt`` and ``memory`` -> the shape of ``tgt``: self-attention, attention over ``memory``
    (``multihead_attn``), feed-forward, each with a residual sum and a norm.

    A chain has one input, so in a ``Sequential`` it is an error (call it in a ``forward()``); it counts
    its parameters: two ``MultiheadAttention``, ``linear1``, ``linear2`` and three ``LayerNorm``.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout3 = Dropout(dropout)

    def infer(self, x: Shape, check: Checker) -> Shape:
        raise RuleError(
            "TransformerDecoderLayer needs two inputs (tgt and memory); a chain passes one tensor",
            fixes=["call it in a forward() with both tensors, outside the Sequential", "TransformerEncoderLayer if there is no memory"],
            kind="rank",
        )

    def children(self) -> list[tuple[str, Module]]:
        return self._children(
            "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3", "dropout1", "dropout2", "dropout3"
        )

    def __repr__(self) -> str:
        return self._repr(f"norm_first={self.norm_first}")


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in order (``layers.0``, ...), then ``norm`` if given.

    Parameters: ``num_layers`` times the layer's, plus the norm's.
    """

    takes = "Float"

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a shapecheck.nn layer, got {encoder_layer!r}")
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"TransformerEncoder: norm must be a shapecheck.nn layer or None, got {norm!r}")
        self.num_layers = check_int("TransformerEncoder", "num_layers", num_layers, minimum=1)  # torch's forward reads layers[0]
        self.layers = Sequential(*[copy.deepcopy(encoder_layer) for _ in range(self.num_layers)])  # torch's clones
        self.layers.where = self.where
        self.norm = norm
        self.enable_nested_tensor = bool(enable_nested_tensor)
        self.mask_check = bool(mask_check)

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        at = _at(path)
        x = self.layers.trace(x, tracer, at("layers"))
        return x if self.norm is None else self.norm.trace(x, tracer, at("norm"))

    def children(self) -> list[tuple[str, Module]]:
        return [("layers", self.layers)] + ([("norm", self.norm)] if self.norm is not None else [])

    def __repr__(self) -> str:
        first = repr(self.layers[0]).replace("\n", "\n  ")
        lines = [f"{type(self).__name__}(", f"  (layers): {self.num_layers} x {first}"]
        if self.norm is not None:
            lines.append(f"  (norm): {self.norm!r}")
        return "\n".join(lines) + "\n)"


# -- ViT's learned tokens (torchvision.models.vision_transformer) ----------------------------------


def _tokens(x: Shape, dim: int, check: Checker, layer: str, fix: str) -> tuple[Dim, Dim, Dim]:
    """``(N, S, D)`` of a 3D token sequence whose ``D`` must be ``dim``."""
    _, (n, s, d) = split_core(x, 3, (3,), layer)
    fixes = [fix.format(d)] if isinstance(d, int) else []
    check.equal(d, dim, f"{layer} expects tokens of {dim} features, got {d}", index=-1, fixes=fixes, kind="features")
    return n, s, d


class ClassToken(Module):
    """``torch.cat([class_token.expand(N, -1, -1), x], dim=1)``: ``(N, S, dim) -> (N, S + 1, dim)``.

    A learned ``(1, 1, dim)`` token prepended to each sequence: ``dim`` parameters (ViT's ``class_token``).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = check_int("ClassToken", "dim", dim)

    def infer(self, x: Shape, check: Checker) -> Shape:
        n, s, _ = _tokens(x, self.dim, check, "ClassToken", "ClassToken({})")
        return x.with_tail(max(len(x) - 3, 0), (n, s + 1, self.dim))

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"class_token": (1, 1, self.dim)}

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        return f"{x[-2]} + 1 (the class token)" if index in (-2, len(y) - 2) else None

    def extra_repr(self) -> str:
        return str(self.dim)


class PositionalEmbedding(Module):
    """``x + pos_embedding``, a learned ``(1, seq_len, dim)``: ``(N, seq_len, dim)`` keeps its shape.

    The sequence length must be ``seq_len`` (ViT's ``pos_embedding`` fixes the image size);
    ``seq_len*dim`` parameters.
    """

    def __init__(self, seq_len: int, dim: int) -> None:
        super().__init__()
        self.seq_len = check_int("PositionalEmbedding", "seq_len", seq_len)
        self.dim = check_int("PositionalEmbedding", "dim", dim)

    def infer(self, x: Shape, check: Checker) -> Shape:
        name = "PositionalEmbedding"
        n, s, _ = _tokens(x, self.dim, check, name, f"PositionalEmbedding({self.seq_len}, {{}})")
        check.equal(
            s,
            self.seq_len,
            f"{name} holds {self.seq_len} positions; the sequence has {s}",
            index=-2,
            fixes=[f"PositionalEmbedding({s}, {self.dim})"] if isinstance(s, int) else [],
            kind="shape",
        )
        return x.with_tail(max(len(x) - 3, 0), (n, self.seq_len, self.dim))

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"pos_embedding": (1, self.seq_len, self.dim)}

    def extra_repr(self) -> str:
        return f"{self.seq_len}, {self.dim}"
