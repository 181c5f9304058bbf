"""The op table's tensor handlers: ``torch.*``, ``torch.nn.functional.*`` and tensor methods.

Each handler has the op's own signature (see ``registry``). Ops with a ``shapecheck.nn`` twin apply it
(``F.max_pool2d`` is ``MaxPool2d``, ``x.view`` is ``View``); the others call the rules in
``shapecheck.rules`` (broadcasting, ``matmul``, indexing, padding). Nothing here re-states a layer's
formula.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from math import prod
from typing import Any, Final

from shapecheck import nn
from shapecheck.dims import Dim, Expr, ceil_div, floor_div, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.rules.broadcast import broadcast, matmul
from shapecheck.rules.indexing import Everything, Index, IndexTensor, index_shape
from shapecheck.rules.pad import pad_bounds, pad_pairs, padded_size
from shapecheck.rules.pool import pool_output_size
from shapecheck.rules.reshape import normalize_dim
from shapecheck.shape import Shape
from shapecheck.static.registry import Op, Unknowable, function, method
from shapecheck.static.values import ListValue, Number, Tensor, Unknown, Value

__all__ = ["binary", "compare", "index", "setitem"]

F: Final = "torch.nn.functional."


# -- helpers ------------------------------------------------------------------------------------
def _agree(c: Op, what: str, shapes: Sequence[Shape], sizes: dict[int, Dim] | None = None) -> Any:
    """Broadcasting's check: a symbolic pair is compared when neither side can be 1; otherwise the
    solver decides it (``B`` against ``8``: ``B`` is 1 or 8; ``H`` against ``H - 2``: only ``H - 2 == 1``
    runs), and ``sizes`` gets the size a column broadcasts to when that is decided. Undecided, it is
    not checked, and said so."""
    solver = c.solver

    def agree(d: Dim, want: Dim, j: int, i: int, first: int) -> None:
        if isinstance(d, int) and isinstance(want, int):
            if d != want:
                raise RuleError(
                    f"{what}: shapes {' and '.join(str(s) for s in shapes)} do not broadcast: "
                    f"dim -{j} is {want} in one and {d} in the other",
                    expected=want,
                    actual=d,
                    index=-j,
                    kind="broadcast",
                )
            return
        if solver.implied(d, 2) and solver.implied(want, 2):
            solver.equal(d, want, "{}: shapes {} do not broadcast at dim -{}", what, " and ".join(str(s) for s in shapes), j, index=-j, kind="broadcast")
        elif d != want and not is_unknown(d) and not is_unknown(want):
            size = solver.broadcast(d, want, getattr(c.node, "lineno", 0), "{}: shapes {} do not broadcast at dim -{}", what, " and ".join(str(s) for s in shapes), j, index=-j)
            if size is None:
                c.interp.gap(c.node, f"{what}: dim -{j} is {want} in one and {d} in the other: they broadcast only if equal or one is 1 (not checked)")
            elif sizes is not None:
                sizes[j] = size

    return agree


def _broadcast(c: Op, what: str, tensors: Sequence[Tensor]) -> Shape:
    shapes = [t.shape for t in tensors]
    sizes: dict[int, Dim] = {}
    shape = c.rule(tensors[0], broadcast, shapes, _agree(c, what, shapes, sizes))
    if not sizes:
        return shape
    dims = list(shape.dims)
    for j, size in sizes.items():
        dims[-j] = size
    return Shape(dims, shape.prefix)


def _operand(value: Value) -> Shape | None:
    """The shape an operand of an elementwise op contributes: a tensor's, a number's ``()``."""
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, (int, float, bool, Expr, Number)):
        return Shape(())
    return None


def _dtype(*values: Value) -> str | None:
    kinds = [v.dtype for v in values if isinstance(v, Tensor)]
    if "float" in kinds or any(isinstance(v, float) for v in values):
        return "float"
    return kinds[0] if kinds else "float"


def _elementwise(c: Op, what: str, *values: Value) -> Value:
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if isinstance(v, Unknown) and not isinstance(v, Number):
            raise Unknowable(v.reason or "an operand not known")
        if _operand(v) is None:
            raise Unknowable(f"{what}: an operand that is not a tensor or number")
    if len(tensors) == 1:
        return Tensor(tensors[0].shape, _dtype(*values))
    shape = _broadcast(c, what, tensors)
    return c.result(tensors[0], shape, _dtype(*values))


def binary(c: Op, op: ast.operator, left: Value, right: Value) -> Value:
    """``left <op> right`` with a tensor on at least one side: broadcasting, or ``@``."""
    if isinstance(op, ast.MatMult):
        return _matmul(c, c.tensor(left), c.tensor(right))
    return _elementwise(c, f"'{_SYMBOLS.get(type(op), '?')}'", left, right)


def compare(c: Op, op: ast.cmpop, left: Value, right: Value) -> Value:
    """``left < right`` with a tensor on at least one side: a bool tensor of the broadcast shape."""
    result = _elementwise(c, f"'{_COMPARISONS[type(op)]}'", left, right)
    return Tensor(result.shape, "bool") if isinstance(result, Tensor) else result


_COMPARISONS: Final = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_SYMBOLS: Final = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}


def _matmul(c: Op, a: Tensor, b: Tensor) -> Value:
    solver = c.solver
    shapes = [a.shape, b.shape]

    def inner(ka: Dim, kb: Dim) -> None:
        solver.equal(
            ka,
            kb,
            "matmul: {} @ {}: the last dim of the first ({}) must equal the {} dim of the second ({})",
            a.shape,
            b.shape,
            ka,
            "first" if len(b.shape) == 1 else "second-to-last",
            kb,
            index=-1,
            kind="matmul",
        )

    out, macs = c.rule(a, matmul, a.shape, b.shape, _agree(c, "matmul", shapes), inner)
    return c.result(a, out, _dtype(a, b), macs)


# -- elementwise functions: the shape goes through ------------------------------------------------
_UNARY: Final = (
    "relu relu6 gelu silu mish sigmoid tanh elu selu celu hardswish hardsigmoid hardtanh leaky_relu softplus "
    "softsign tanhshrink logsigmoid exp log log2 log10 log1p expm1 sqrt rsqrt abs neg sin cos tan sign "
    "floor ceil round trunc reciprocal erf erfc square sigmoid_ relu_ tanh_ exp_ neg_ abs_ clamp clip "
    "clamp_ clip_ clamp_min clamp_max nan_to_num dropout dropout1d dropout2d dropout3d alpha_dropout "
    "feature_alpha_dropout gelu_ silu_ hardswish_ hardtanh_ elu_ leaky_relu_ contiguous detach clone "
    "float double half bfloat16 cpu cuda to type type_as requires_grad_ zero_ fill_ uniform_ normal_ "
    "bernoulli_ tril triu tril_ triu_ flip fliplr flipud roll pin_memory detach_ logit sgn frac "
    "relu6_ angle conj"
).split()


def _same_shape(c: Op, input: Value, *args: Any, **kwargs: Any) -> Value:
    x = c.tensor(input)
    if c.name.rsplit(".", 1)[-1] in ("long", "int", "bool", "short", "byte"):
        return Tensor(x.shape, "bool" if c.name.endswith("bool") else "long")
    return Tensor(x.shape, x.dtype)


for _name in _UNARY:
    function(f"torch.{_name}", f"{F}{_name}")(_same_shape)
    method(_name)(_same_shape)
for _name in ("long", "int", "bool", "short", "byte"):
    method(_name)(_same_shape)
function("torch.nn.init.kaiming_normal_", "torch.nn.init.kaiming_uniform_", "torch.nn.init.normal_", "torch.nn.init.zeros_", "torch.nn.init.ones_", "torch.nn.init.constant_", "torch.nn.init.xavier_uniform_", "torch.nn.init.xavier_normal_", "torch.nn.init.uniform_", "torch.nn.init.trunc_normal_", "torch.nn.init.orthogonal_")(_same_shape)


@function(f"{F}softmax", f"{F}log_softmax", f"{F}softmin", "torch.softmax", "torch.log_softmax")
@method("softmax", "log_softmax")
def softmax(c: Op, input: Value, dim: Value = None, _stacklevel: Value = 3, dtype: Value = None) -> Value:
    x = c.tensor(input)
    if isinstance(dim, int) and not x.shape.prefix:
        c.rule(x, normalize_dim, dim, len(x.shape), "softmax")
    return Tensor(x.shape, "float")


@function("torch.add", "torch.sub", "torch.mul", "torch.div", "torch.true_divide", "torch.maximum", "torch.minimum", "torch.pow", "torch.atan2", "torch.fmod", "torch.remainder", "torch.eq", "torch.ne", "torch.lt", "torch.le", "torch.gt", "torch.ge", "torch.logical_and", "torch.logical_or", "torch.max_elementwise", "torch.hypot")
@method("add", "sub", "mul", "div", "true_divide", "maximum", "minimum", "pow", "fmod", "remainder", "add_", "sub_", "mul_", "div_", "pow_", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "copy_")
def elementwise(c: Op, input: Value, other: Value, *args: Any, **kwargs: Any) -> Value:
    result = _elementwise(c, c.name.rsplit(".", 1)[-1], input, other)
    if c.name.rsplit(".", 1)[-1] in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or") and isinstance(result, Tensor):
        return Tensor(result.shape, "bool")
    if c.name.endswith("_") and isinstance(input, Tensor) and isinstance(result, Tensor):
        return Tensor(input.shape, input.dtype)
    return result


@function("torch.where")
def where(c: Op, condition: Value, input: Value = None, other: Value = None) -> Value:
    if input is None:
        raise Unknowable("torch.where(condition) gives index tensors")
    return _elementwise(c, "where", condition, input, other)


@method("masked_fill", "masked_fill_")
def masked_fill(c: Op, input: Value, mask: Value, value: Value) -> Value:
    x, m = c.tensor(input), c.tensor(mask, "mask")
    shape = _broadcast(c, "masked_fill", [x, m])
    if not c.name.endswith("_"):
        return c.result(x, shape, x.dtype)
    return x


@function("torch.lerp", "torch.addcmul", "torch.addcdiv")
def ternary(c: Op, input: Value, a: Value, b: Value, *args: Any, **kwargs: Any) -> Value:
    return _elementwise(c, c.name.rsplit(".", 1)[-1], input, a, b)


# -- layers with a shapecheck.nn twin --------------------------------------------------------------
def _max_pool(n: int) -> None:
    cls = getattr(nn, f"MaxPool{n}d")

    def pool(c: Op, input: Value, kernel_size: Value, stride: Value = None, padding: Value = 0, dilation: Value = 1, ceil_mode: Value = False, return_indices: Value = False) -> Value:
        x = c.tensor(input)
        if _sized_by_dims(kernel_size, stride):
            y: Value = _pool_by_sizes(c, x, n, kernel_size, stride, padding, dilation, ceil_mode)
        else:
            layer = c.build(cls, c.constant(kernel_size), c.constant(stride), c.constant(padding), c.constant(dilation), False, c.constant(ceil_mode))
            y = c.apply(layer, x)
        return (y, Tensor(y.shape, "long")) if c.constant(return_indices) and isinstance(y, Tensor) else y

    function(f"{F}max_pool{n}d", f"torch.max_pool{n}d")(pool)


def _avg_pool(n: int) -> None:
    cls = getattr(nn, f"AvgPool{n}d")

    def pool(c: Op, input: Value, kernel_size: Value, stride: Value = None, padding: Value = 0, ceil_mode: Value = False, count_include_pad: Value = True, divisor_override: Value = None) -> Value:
        x = c.tensor(input)
        if _sized_by_dims(kernel_size, stride):
            return _pool_by_sizes(c, x, n, kernel_size, stride, padding, 1, ceil_mode)
        args = [c.constant(kernel_size), c.constant(stride), c.constant(padding), c.constant(ceil_mode), c.constant(count_include_pad)]
        if n > 1:
            args.append(c.constant(divisor_override))
        return c.apply(c.build(cls, *args), x)

    function(f"{F}avg_pool{n}d", f"torch.avg_pool{n}d")(pool)


def _sized_by_dims(kernel_size: Value, stride: Value) -> bool:
    """Whether a pooling window is given by sizes read off a tensor (``x.size()[2:]``, symbolic)."""
    values = [*(_sequence_of(kernel_size)), *(_sequence_of(stride))]
    return any(isinstance(v, Expr) for v in values)


def _sequence_of(value: Value) -> list[Value]:
    return list(value.items) if isinstance(value, ListValue) else list(value) if isinstance(value, tuple) else [value]


def _pool_by_sizes(c: Op, x: Tensor, n: int, kernel_size: Value, stride: Value, padding: Value, dilation: Value, ceil_mode: Value) -> Tensor:
    """Pooling over windows of symbolic size (``F.avg_pool2d(x, x.size()[2:])``): each output size is the
    pooling formula with that kernel (``rules.pool``); with the stride left to the kernel only a window
    as large as its dim is decided (1); other sizes are not known."""
    if c.constant(ceil_mode) or c.constant(dilation) != 1 or x.shape.prefix or len(x.shape) < n + 1:
        raise Unknowable("pooling by sizes not known, with ceil_mode, dilation or an input of unknown rank")

    def per_dim(value: Value, what: str) -> list[Dim]:
        items = _sequence_of(value)
        dims = [c.dim(v, what) for v in items]
        return dims * n if len(dims) == 1 else dims

    kernel = per_dim(kernel_size, "kernel_size")
    strides = kernel if stride is None or stride == [] else per_dim(stride, "stride")
    pads = per_dim(padding, "padding")
    if not len(kernel) == len(strides) == len(pads) == n:
        raise Unknowable("pooling with sizes of another length than its dims")
    dims = list(x.shape.dims)
    for i, (k, st, p) in enumerate(zip(kernel, strides, pads)):
        at = len(dims) - n + i
        size = dims[at]
        if isinstance(st, int) and isinstance(p, int):
            out = pool_output_size(size, k, st, p, 1, False)
            c.rule(x, c.solver.at_least, out, 1, f"pooling output would be {out}: input {size} is too small for kernel {k}", index=at - len(dims))
            dims[at] = out
        else:
            dims[at] = 1 if size == k and st == k and p == 0 else unknown()
    return c.result(x, Shape.of(tuple(dims)), x.dtype)


def _adaptive(kind: str, n: int) -> None:
    cls = getattr(nn, f"Adaptive{kind}Pool{n}d")

    def pool(c: Op, input: Value, output_size: Value, return_indices: Value = False) -> Value:
        x = c.tensor(input)
        y = c.apply(c.build(cls, c.constant(output_size)), x)
        return (y, Tensor(y.shape, "long")) if return_indices and isinstance(y, Tensor) else y

    function(f"{F}adaptive_{kind.lower()}_pool{n}d", f"torch.adaptive_{kind.lower()}_pool{n}d")(pool)


for _n in (1, 2, 3):
    _max_pool(_n)
    _avg_pool(_n)
    _adaptive("Avg", _n)
    _adaptive("Max", _n)


@function(f"{F}interpolate", f"{F}upsample")
def interpolate(c: Op, input: Value, size: Value = None, scale_factor: Value = None, mode: Value = "nearest", align_corners: Value = None, recompute_scale_factor: Value = None, antialias: Value = False) -> Value:
    x = c.tensor(input)
    if size is not None and not isinstance(size, (int, float)):
        sizes = c.dims(size)
        if x.shape.prefix or len(x.shape) < 3:
            return Tensor(Shape.unknown(), x.dtype)
        spatial = len(x.shape) - 2
        if len(sizes) != spatial:
            c.fail(f"interpolate: size has {len(sizes)} entries for {spatial} spatial dims of {x.shape}", x, kind="rank")
        return c.result(x, Shape.of((*x.shape.dims[:2], *sizes)), x.dtype)
    layer = c.build(nn.Upsample, c.constant(size), c.constant(scale_factor), c.constant(mode), c.constant(align_corners), c.constant(recompute_scale_factor))
    return c.apply(layer, x)


@function(f"{F}pad")
def pad(c: Op, input: Value, pad: Value, mode: Value = "constant", value: Value = None) -> Value:
    x = c.tensor(input)
    widths = c.dims(pad, "pad")
    symbolic = not all(isinstance(w, int) for w in widths)  # U-Net: pads from the difference of two sizes
    if symbolic and c.constant(mode) != "constant":
        raise Unknowable(f"F.pad in {mode} mode by sizes not known")
    if len(widths) % 2:
        c.fail(f"F.pad: padding length must be even, got {len(widths)}", x, kind="pad")
    pairs = pad_pairs(widths)
    shape = x.shape
    if len(pairs) > len(shape) and not shape.prefix:
        c.fail(f"F.pad: padding {list(widths)} pads {len(pairs)} dims of a {len(shape)}D input {shape}", x, kind="rank")
    if len(pairs) > len(shape):
        return Tensor(Shape.unknown(), x.dtype)
    dims = list(shape.dims)
    first = len(dims) - len(pairs)
    solver = c.solver
    for k, (before, after) in enumerate(pairs):
        i = first + k
        if isinstance(before, int) and isinstance(after, int):
            for expr, bound, why in pad_bounds(str(c.constant(mode)), dims[i], before, after):
                c.rule(x, solver.at_least, expr, bound, why, index=i - len(dims))
        else:
            out = padded_size(dims[i], before, after)
            c.rule(x, solver.at_least, out, 0, f"padding ({before}, {after}) of {dims[i]} leaves a negative size {out}", index=i - len(dims))
        dims[i] = padded_size(dims[i], before, after)
    return c.result(x, Shape.of(tuple(dims), shape.prefix), x.dtype)


@function(f"{F}linear")
def linear(c: Op, input: Value, weight: Value, bias: Value = None) -> Value:
    x, w = c.tensor(input), c.tensor(weight, "weight")
    if w.shape.prefix or len(w.shape) not in (1, 2):
        raise Unknowable("F.linear with a weight of unknown rank")
    out_features, in_features = (w.shape[0], w.shape[1]) if len(w.shape) == 2 else (None, w.shape[0])
    features = x.shape[-1] if x.shape.dims else unknown()
    c.rule(x, c.solver.equal, features, in_features, "F.linear expects {} input features (weight {}), got {}", in_features, w.shape, features, index=-1, kind="features")
    if isinstance(bias, Tensor) and out_features is not None and not bias.shape.prefix and bias.shape.dims and bias.shape[-1] != 1:
        c.rule(x, c.solver.equal, bias.shape[-1], out_features, "F.linear: the bias {} does not fit the {} output features (weight {})", bias.shape, out_features, w.shape, kind="features")
    out = x.shape.with_tail(max(len(x.shape) - 1, 0), () if out_features is None else (out_features,))
    return c.result(x, out, x.dtype, out.numel() * in_features)


@function(f"{F}multi_head_attention_forward")
def multi_head_attention_forward(
    c: Op, query: Value, key: Value, value: Value, embed_dim_to_check: Value, num_heads: Value,
    in_proj_weight: Value, in_proj_bias: Value, bias_k: Value, bias_v: Value, add_zero_attn: Value,
    dropout_p: Value, out_proj_weight: Value, out_proj_bias: Value, training: Value = True,
    key_padding_mask: Value = None, need_weights: Value = True, attn_mask: Value = None,
    use_separate_proj_weight: Value = False, q_proj_weight: Value = None, k_proj_weight: Value = None,
    v_proj_weight: Value = None, static_k: Value = None, static_v: Value = None,
    average_attn_weights: Value = True, is_causal: Value = False,
) -> Value:
    """Batched ``(L, N, E)`` attention with its weights given: the query's ``E`` is ``embed_dim_to_check``,
    the projections are ``F.linear``'s (``q/k/v_proj_weight``, or thirds of ``in_proj_weight``), the
    key's and value's positions agree, ``out_proj`` gives ``(L, N, out_features)``; the weights
    ``(N, L, S)`` (per head without ``average_attn_weights``) when ``need_weights``."""
    q, k, v = c.tensor(query, "query"), c.tensor(key, "key"), c.tensor(value, "value")
    if any(t.shape.prefix or len(t.shape) != 3 for t in (q, k, v)) or bias_k is not None or bias_v is not None or add_zero_attn is not False:
        raise Unknowable("F.multi_head_attention_forward on inputs or options not followed")
    embed = q.shape[-1]
    c.rule(q, c.solver.equal, embed, c.dim(embed_dim_to_check), "was expecting embedding dimension of {}, but got {}", embed_dim_to_check, embed, index=-1, kind="features")
    if use_separate_proj_weight is True:
        weights = [q_proj_weight, k_proj_weight, v_proj_weight]
    else:
        packed = c.tensor(in_proj_weight, "in_proj_weight")
        if packed.shape.prefix or len(packed.shape) != 2:
            raise Unknowable("F.multi_head_attention_forward with an in_proj_weight of unknown shape")
        c.rule(q, c.solver.equal, packed.shape[0], 3 * embed, "in_proj_weight {} does not pack three projections of {} features", packed.shape, embed, kind="features")
        weights = [Tensor(Shape.of((embed, packed.shape[1])))] * 3
    qp, kp, vp = (linear(c, t, w) for t, w in zip((q, k, v), weights))
    assert isinstance(qp, Tensor) and isinstance(kp, Tensor) and isinstance(vp, Tensor)
    c.rule(kp, c.solver.equal, vp.shape[0], kp.shape[0], "key has {} positions, value {}", kp.shape[0], vp.shape[0], index=0)
    for t in (kp, vp):
        c.rule(t, c.solver.equal, t.shape[1], qp.shape[1], "key and value batch {} differs from the query's {}", t.shape[1], qp.shape[1], index=1)
    out = linear(c, qp, out_proj_weight, out_proj_bias)
    if need_weights is False:
        return (out, None)
    heads = () if average_attn_weights is True else (c.dim(num_heads),)
    return (out, Tensor(Shape.of((qp.shape[1], *heads, qp.shape[0], kp.shape[0]))))


@function(f"{F}embedding")
def embedding(c: Op, input: Value, weight: Value, *args: Any, **kwargs: Any) -> Value:
    x, w = c.tensor(input), c.tensor(weight, "weight")
    if w.shape.prefix or len(w.shape) != 2:
        raise Unknowable("F.embedding with a weight of unknown rank")
    return c.result(x, Shape.of((*x.shape.dims, w.shape[1]), x.shape.prefix), "float")


def _conv(n: int) -> None:
    def conv(c: Op, input: Value, weight: Value, bias: Value = None, stride: Value = 1, padding: Value = 0, dilation: Value = 1, groups: Value = 1) -> Value:
        w = c.tensor(weight, "weight")
        if w.shape.prefix or len(w.shape) != n + 2 or not all(isinstance(d, int) for d in w.shape):
            raise Unknowable(f"F.conv{n}d with a weight of unknown shape")
        g = c.int(groups, "groups")
        out_c, in_per_group, *kernel = w.shape.dims
        x = c.tensor(input)
        if isinstance(bias, Tensor) and not bias.shape.prefix and (len(bias.shape) != 1 or bias.shape[0] != out_c):
            c.fail(f"F.conv{n}d: a weight of {out_c} output channels expects a bias of shape ({out_c},), got {bias.shape}", x, kind="channels")
        layer = c.build(getattr(nn, f"Conv{n}d"), in_per_group * g, out_c, tuple(kernel), c.constant(stride), c.constant(padding), c.constant(dilation), g, bias is not None)
        return c.apply(layer, x)

    function(f"{F}conv{n}d", f"torch.conv{n}d")(conv)


for _n in (1, 2, 3):
    _conv(_n)


@function(f"{F}layer_norm")
def layer_norm(c: Op, input: Value, normalized_shape: Value, weight: Value = None, bias: Value = None, eps: Value = 1e-5) -> Value:
    x = c.tensor(input)
    sizes = c.dims(normalized_shape, "normalized_shape")
    known = [d for d in sizes if isinstance(d, int)]
    if len(known) == len(sizes):
        return c.apply(c.build(nn.LayerNorm, known, elementwise_affine=False), x)
    if x.shape.prefix and len(x.shape) < len(sizes) or not x.shape.prefix and len(x.shape) < len(sizes):
        raise Unknowable("layer_norm over more dims than known")
    for i, want in enumerate(sizes):  # x.shape[-1:], symbolic: each must be the input's own trailing size
        j = i - len(sizes)
        c.rule(x, c.solver.equal, x.shape[j], want, "layer_norm: normalized_shape {} does not end the input shape {}", tuple(sizes), x.shape, index=j)
    return Tensor(x.shape, x.dtype)


@function(f"{F}batch_norm", f"{F}instance_norm", f"{F}group_norm", f"{F}local_response_norm", f"{F}normalize", f"{F}rms_norm")
def norm_same(c: Op, input: Value, *args: Any, **kwargs: Any) -> Value:
    x = c.tensor(input)
    return Tensor(x.shape, x.dtype)


@function(f"{F}pixel_shuffle", "torch.pixel_shuffle")
def pixel_shuffle(c: Op, input: Value, upscale_factor: Value) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.PixelShuffle, c.int(upscale_factor)), x)


@function(f"{F}pixel_unshuffle", "torch.pixel_unshuffle")
def pixel_unshuffle(c: Op, input: Value, downscale_factor: Value) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.PixelUnshuffle, c.int(downscale_factor)), x)


@function(f"{F}glu")
@method("glu")
def glu(c: Op, input: Value, dim: Value = -1) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.GLU, c.int(dim)), x)


@function(f"{F}scaled_dot_product_attention")
def scaled_dot_product_attention(c: Op, query: Value, key: Value, value: Value, attn_mask: Value = None, dropout_p: Value = 0.0, is_causal: Value = False, scale: Value = None, enable_gqa: Value = False) -> Value:
    """``softmax(Q K^T) V``: ``(..., L, E) x (..., S, E) x (..., S, Ev) -> (..., L, Ev)``."""
    q, k, v = c.tensor(query, "query"), c.tensor(key, "key"), c.tensor(value, "value")
    if any(t.shape.prefix or len(t.shape) < 2 for t in (q, k, v)):
        raise Unknowable("scaled_dot_product_attention on tensors of unknown rank")
    solver = c.solver
    c.rule(q, solver.equal, k.shape[-1], q.shape[-1], "scaled_dot_product_attention: key has {} features, query {}", k.shape[-1], q.shape[-1], index=-1, kind="features")
    c.rule(q, solver.equal, v.shape[-2], k.shape[-2], "scaled_dot_product_attention: value has length {}, key {}", v.shape[-2], k.shape[-2], index=-2)
    batch = _broadcast(c, "scaled_dot_product_attention", [Tensor(Shape.of(t.shape.dims[:-2])) for t in (q, k, v)])
    if isinstance(attn_mask, Tensor):  # broadcast with the scores (..., L, S), as torch adds it to them
        _broadcast(c, "scaled_dot_product_attention: attn_mask", [Tensor(Shape.of((*batch.dims, q.shape[-2], k.shape[-2]))), attn_mask])
    out = Shape.of((*batch.dims, q.shape[-2], v.shape[-1]))
    macs = q.shape.numel() * k.shape[-2] + out.numel() * k.shape[-2]
    return c.result(q, out, q.dtype, macs)


@function(f"{F}cross_entropy", f"{F}mse_loss", f"{F}l1_loss", f"{F}nll_loss", f"{F}binary_cross_entropy", f"{F}binary_cross_entropy_with_logits", f"{F}smooth_l1_loss", f"{F}kl_div", f"{F}cosine_similarity")
def loss(c: Op, input: Value, target: Value, *args: Any, **kwargs: Any) -> Value:
    raise Unknowable(f"{c.name.rsplit('.', 1)[-1]}() is not followed (a loss, not part of the model's forward)")


# -- creation ------------------------------------------------------------------------------------
@function("torch.zeros", "torch.ones", "torch.empty", "torch.randn", "torch.rand")
def creation(c: Op, *sizes: Value, size: Value = None, out: Value = None, dtype: Value = None, layout: Value = None, device: Value = None, requires_grad: Value = False, pin_memory: Value = False, generator: Value = None, memory_format: Value = None) -> Value:
    return Tensor(Shape(c.dims(sizes if sizes or size is None else size)), _dtype_of(dtype))


@function("torch.full")
def full(c: Op, size: Value, fill_value: Value, **kwargs: Any) -> Value:
    return Tensor(Shape(c.dims(size)), _dtype_of(kwargs.get("dtype")) if kwargs.get("dtype") else "long" if isinstance(fill_value, int) and not isinstance(fill_value, bool) else "float")


@function("torch.randint")
def randint(c: Op, *args: Value, **kwargs: Any) -> Value:
    size = args[-1] if args else kwargs.get("size")
    return Tensor(Shape(c.dims(size)), "long")


@function("torch.zeros_like", "torch.ones_like", "torch.empty_like", "torch.randn_like", "torch.rand_like", "torch.full_like")
def like(c: Op, input: Value, *args: Any, **kwargs: Any) -> Value:
    x = c.tensor(input)
    return Tensor(x.shape, _dtype_of(kwargs.get("dtype")) or x.dtype)


@method("new_zeros", "new_ones", "new_empty", "new_full")
def new_tensor(c: Op, input: Value, *size: Value, **kwargs: Any) -> Value:
    c.tensor(input)
    sizes = size[:1] if c.name.endswith("new_full") else size
    return Tensor(Shape(c.dims(sizes)), _dtype_of(kwargs.get("dtype")) or "float")


@function("torch.arange")
def arange(c: Op, *args: Value, **kwargs: Any) -> Value:
    """``ceil((end - start) / step)`` elements."""
    named: dict[str, Value] = {k: kwargs.pop(k) for k in ("start", "end", "step") if k in kwargs}
    bound: dict[str, Value] = {"start": 0, "end": args[0], "step": 1} if len(args) == 1 and not named else dict(zip(("start", "end", "step"), args))
    if len(args) > 3 or set(bound) & set(named) or "end" not in {**bound, **named}:
        raise Unknowable("torch.arange() arguments")
    bound = {"start": 0, "step": 1, **bound, **named}  # arange(end), arange(start, end, step=1), by keyword too
    start, end, step = bound["start"], bound["end"], bound["step"]
    if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
        raise Unknowable("torch.arange() with a step not known")
    n = c.dim(end, "end") - c.dim(start, "start")
    dtype = _dtype_of(kwargs.get("dtype")) or ("long" if all(isinstance(a, (int, Expr)) for a in (start, end, step)) else "float")
    return Tensor(Shape((ceil_div(n, step) if not isinstance(n, int) else max(0, -(-n // step)),)), dtype)


@function("torch.Tensor", "torch.FloatTensor", "torch.LongTensor")
def legacy_tensor(c: Op, *args: Value, **kwargs: Any) -> Value:
    """``torch.Tensor(2, 3)`` makes a tensor of that size; ``torch.Tensor([1, 2])`` one of that data."""
    sizes = all(isinstance(a, (int, Expr)) and not isinstance(a, bool) for a in args)
    if len(args) == 1 and not sizes or not args:
        return tensor(c, args[0] if args else ListValue([]), **kwargs)
    return Tensor(Shape(c.dims(args)), "long" if c.name.endswith("LongTensor") else "float")


@function("torch.tensor", "torch.as_tensor")
def tensor(c: Op, data: Value, **kwargs: Any) -> Value:
    if isinstance(data, Tensor):
        return Tensor(data.shape, _dtype_of(kwargs.get("dtype")) or data.dtype)
    shape = _nested_shape(data)
    if shape is None:
        raise Unknowable("torch.tensor() of data not known")
    dtype = _dtype_of(kwargs.get("dtype")) or ("long" if c.name.endswith("LongTensor") else "float")
    return Tensor(Shape(shape), dtype)


def _nested_shape(data: Value) -> tuple[int, ...] | None:
    if isinstance(data, (int, float, bool, Expr, Number)):  # a size or a number whose value is not known is a scalar still
        return ()
    items = data.items if isinstance(data, ListValue) else list(data) if isinstance(data, tuple) else None
    if items is None:
        return None
    if not items:
        return (0,)
    inner = [_nested_shape(i) for i in items]
    if any(s is None or s != inner[0] for s in inner):
        return None
    return (len(items), *inner[0])  # type: ignore[misc]


@function("torch.eye")
def eye(c: Op, n: Value, m: Value = None, **kwargs: Any) -> Value:
    return Tensor(Shape((c.dim(n), c.dim(m) if m is not None else c.dim(n))), _dtype_of(kwargs.get("dtype")))


@function("torch.linspace", "torch.logspace")
def linspace(c: Op, start: Value, end: Value, steps: Value, *args: Any, **kwargs: Any) -> Value:
    return Tensor(Shape((c.dim(steps),)), "float")


def _dtype_of(dtype: Value) -> str | None:
    name = getattr(dtype, "name", "") if dtype is not None else ""
    if not name:
        return "float" if dtype is None else None
    short = name.rsplit(".", 1)[-1]
    if short in ("long", "int64", "int32", "int", "int16", "int8", "uint8", "short"):
        return "long"
    if short == "bool":
        return "bool"
    return "float"


# -- shape ops ----------------------------------------------------------------------------------
@method("size")
def size(c: Op, input: Value, dim: Value = None) -> Value:
    x = c.tensor(input)
    if dim is None:
        if x.shape.prefix:
            return Unknown("the size of a tensor of unknown rank", True, of_shape=x.shape)
        return tuple(x.shape.dims)
    d = c.int(dim, "dim")
    if x.shape.prefix:
        if d < 0 and -d <= len(x.shape):
            return x.shape.dims[d]
        c.interp.hint_rank(x.shape, d)
        raise Unknowable("a size of a tensor of unknown rank")
    at = c.rule(x, normalize_dim, d, len(x.shape), "size")
    return x.shape.dims[at] if x.shape.dims else 1


@method("dim", "ndimension")
def ndim(c: Op, input: Value) -> Value:
    x = c.tensor(input)
    if x.shape.prefix:
        return Unknown("the rank of a tensor of unknown rank", True)
    return len(x.shape)


@method("numel", "nelement")
def numel(c: Op, input: Value) -> Value:
    x = c.tensor(input)
    if x.shape.prefix:
        raise Unknowable("numel of a tensor of unknown rank")
    return x.shape.numel()


@function("torch.numel")
def torch_numel(c: Op, input: Value) -> Value:
    return numel(c, input)


@method("view", "reshape")
def view(c: Op, input: Value, *shape: Value) -> Value:
    x = c.tensor(input)
    if len(shape) == 1 and not isinstance(shape[0], (tuple, ListValue, int, Expr)):
        raise Unknowable("view() by a dtype or a value not known")
    sizes = c.dims(shape, "shape")
    layer = c.build(nn.View if c.name.endswith("view") else nn.Reshape, *sizes)
    return c.apply(layer, x)


@function("torch.reshape")
def torch_reshape(c: Op, input: Value, shape: Value) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.Reshape, *c.dims(shape, "shape")), x)


@method("view_as", "reshape_as", "expand_as", "type_as")
def view_as(c: Op, input: Value, other: Value) -> Value:
    x, y = c.tensor(input), c.tensor(other, "other")
    if c.name.endswith("expand_as"):
        return _expand(c, x, y.shape.dims) if not y.shape.prefix else Tensor(y.shape, x.dtype)
    if c.name.endswith("type_as"):
        return Tensor(x.shape, y.dtype)
    return c.apply((nn.View if c.name.endswith("view_as") else nn.Reshape)(*y.shape.dims), x) if not y.shape.prefix else Tensor(Shape.unknown(), x.dtype)


@function("torch.flatten")
@method("flatten")
def flatten(c: Op, input: Value, start_dim: Value = 0, end_dim: Value = -1) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.Flatten, c.int(start_dim), c.int(end_dim)), x)


@function("torch.unflatten")
@method("unflatten")
def unflatten(c: Op, input: Value, dim: Value, sizes: Value) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.Unflatten, c.int(dim), c.ints(sizes, "sizes")), x)


@function("torch.permute")
@method("permute")
def permute(c: Op, input: Value, *dims: Value) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.Permute, *c.ints(dims, "dims")), x)


@function("torch.transpose", "torch.swapaxes", "torch.swapdims")
@method("transpose", "swapaxes", "swapdims", "transpose_")
def transpose(c: Op, input: Value, dim0: Value, dim1: Value) -> Value:
    x = c.tensor(input)
    return c.apply(c.build(nn.Transpose, c.int(dim0), c.int(dim1)), x)


@function("torch.t")
@method("t")
def t(c: Op, input: Value) -> Value:
    x = c.tensor(input)
    if not x.shape.prefix and len(x.shape) < 2:
        return x
    if len(x.shape) > 2:
        c.fail(f"t() expects a tensor with <= 2 dimensions, but self is {len(x.shape)}D", x, kind="rank")
    return c.apply(nn.Transpose(0, 1), x)


@function("torch.movedim", "torch.moveaxis")
@method("movedim", "moveaxis")
def movedim(c: Op, input: Value, source: Value, destination: Value) -> Value:
    x = c.tensor(input)
    if x.shape.prefix:
        raise Unknowable("movedim on a tensor of unknown rank")
    n = len(x.shape)
    src = [normalize_dim(d, n, "movedim") for d in c.ints(source)]
    dst = [normalize_dim(d, n, "movedim") for d in c.ints(destination)]
    order: list[int | None] = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    return c.apply(nn.Permute(*[o if o is not None else next(rest) for o in order]), x)


@function("torch.squeeze")
@method("squeeze", "squeeze_")
def squeeze(c: Op, input: Value, dim: Value = None) -> Value:
    x = c.tensor(input)
    shape = x.shape
    if dim is None:
        if shape.prefix or any(not isinstance(d, int) for d in shape.dims):
            raise Unknowable("squeeze() of dims that may be 1")
        return c.result(x, Shape(d for d in shape.dims if d != 1), x.dtype)
    dims = c.ints(dim, "dim")
    if shape.prefix and any(d >= 0 for d in dims):
        for k in dims:
            c.interp.hint_rank(shape, k, squeezed=True)
        raise Unknowable("squeeze() of a tensor of unknown rank")
    at = {normalize_dim(d, len(shape), "squeeze") if not shape.prefix else len(shape) + d for d in dims}
    out: list[Dim] = []
    for i, d in enumerate(shape.dims):
        if i in at and d != 1:
            if isinstance(d, int):
                out.append(d)
                continue
            raise Unknowable("squeeze() of a dim that may be 1")
        if i not in at:
            out.append(d)
    return c.result(x, Shape(out, shape.prefix), x.dtype)


@function("torch.unsqueeze")
@method("unsqueeze", "unsqueeze_")
def unsqueeze(c: Op, input: Value, dim: Value) -> Value:
    x = c.tensor(input)
    d = c.int(dim, "dim")
    shape = x.shape
    if shape.prefix:
        if d >= 0:
            raise Unknowable("unsqueeze() of a tensor of unknown rank")
        at = len(shape) + d + 1
        if at < 0:
            raise Unknowable("unsqueeze() among unknown dims")
        return c.result(x, Shape.of((*shape.dims[:at], 1, *shape.dims[at:]), True), x.dtype)
    at = c.rule(x, normalize_dim, d, len(shape) + 1, "unsqueeze")
    return c.result(x, Shape.of((*shape.dims[:at], 1, *shape.dims[at:])), x.dtype)


def _expand(c: Op, x: Tensor, sizes: Sequence[Dim]) -> Value:
    shape = x.shape
    if shape.prefix:
        raise Unknowable("expand() of a tensor of unknown rank")
    if len(sizes) < len(shape):
        c.fail(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})", x, kind="rank")
    out: list[Dim] = []
    offset = len(sizes) - len(shape)
    for i, s in enumerate(sizes):
        if i < offset:
            out.append(s)
            continue
        have = shape.dims[i - offset]
        if s == -1:
            out.append(have)
        elif have == 1 or have == s:
            out.append(s)
        elif isinstance(have, int) and isinstance(s, int):
            c.fail(f"expand: the expanded size {s} must match the existing size {have} at dim {i}", x, expected=have, actual=s, kind="broadcast")
        else:
            c.solver.equal(have, s, "expand: the expanded size {} must match the existing size {} at dim {}", s, have, i)
            out.append(s)
    return c.result(x, Shape(out), x.dtype)


@method("expand")
def expand(c: Op, input: Value, *sizes: Value) -> Value:
    return _expand(c, c.tensor(input), c.dims(sizes))


@function("torch.broadcast_to")
def broadcast_to(c: Op, input: Value, size: Value) -> Value:
    return _expand(c, c.tensor(input), c.dims(size))


@method("repeat")
def repeat(c: Op, input: Value, *sizes: Value) -> Value:
    x = c.tensor(input)
    reps = c.dims(sizes)
    if x.shape.prefix:
        raise Unknowable("repeat() of a tensor of unknown rank")
    if len(reps) < len(x.shape):
        c.fail(f"repeat: number of repeat dims ({len(reps)}) can not be smaller than the number of dims of the tensor ({len(x.shape)})", x, kind="rank")
    dims = (1,) * (len(reps) - len(x.shape)) + tuple(x.shape.dims)
    return c.result(x, Shape(a * b for a, b in zip(dims, reps)), x.dtype)


@function("torch.tile")
@method("tile")
def tile(c: Op, input: Value, *dims: Value) -> Value:
    x = c.tensor(input)
    reps = c.dims(dims)
    if x.shape.prefix:
        raise Unknowable("tile() of a tensor of unknown rank")
    reps = (1,) * (len(x.shape) - len(reps)) + tuple(reps)
    return repeat(c, x, *reps)


@function("torch.narrow")
@method("narrow")
def narrow(c: Op, input: Value, dim: Value, start: Value, length: Value) -> Value:
    x = c.tensor(input)
    if x.shape.prefix:
        raise Unknowable("narrow() of a tensor of unknown rank")
    at = normalize_dim(c.int(dim), len(x.shape), "narrow")
    n = c.dim(length, "length")
    c.rule(x, c.solver.at_least, x.shape[at] - n - c.dim(start), 0, "narrow: start + length exceeds the size {} of dim {}", x.shape[at], at, index=at - len(x.shape))
    return c.result(x, x.shape.replace(at, n), x.dtype)


@method("chunk")
def chunk(c: Op, input: Value, chunks: Value, dim: Value = 0) -> Value:
    x = c.tensor(input)
    k = c.int(chunks, "chunks")
    if k > 64:
        raise Unknowable("chunk() into many pieces")
    pieces: list[Value] = []
    for i in range(k):
        try:
            layer = c.build(nn.Chunk, k, c.int(dim), index=i)
            pieces.append(c.apply(layer, x))
        except Unknowable:
            raise
    return tuple(p for p in pieces if p is not None)


function("torch.chunk")(chunk)


@method("split")
def split(c: Op, input: Value, split_size_or_sections: Value, dim: Value = 0) -> Value:
    x = c.tensor(input)
    d = c.int(dim)
    sections = c.constant(split_size_or_sections, "split_size")
    if isinstance(sections, int):
        size = x.shape[normalize_dim(d, len(x.shape), "split")] if not x.shape.prefix else None
        if not isinstance(size, int) or sections <= 0:
            raise Unknowable("split() into a number of pieces not known")
        count = max(1, -(-size // sections))
    else:
        count = len(sections)
    if count > 64:
        raise Unknowable("split() into many pieces")
    return tuple(c.apply(c.build(nn.Split, sections, d, index=i), x) for i in range(count))


function("torch.split")(split)


@function("torch.unbind")
@method("unbind")
def unbind(c: Op, input: Value, dim: Value = 0) -> Value:
    x = c.tensor(input)
    if x.shape.prefix:
        raise Unknowable("unbind() of a tensor of unknown rank")
    at = normalize_dim(c.int(dim), len(x.shape), "unbind")
    n = x.shape[at]
    if not isinstance(n, int) or n > 64:
        raise Unknowable("unbind() into a number of pieces not known")
    rest = Shape.of((*x.shape.dims[:at], *x.shape.dims[at + 1 :]))
    return tuple(c.result(x, rest, x.dtype) for _ in range(n))


@function("torch.cat", "torch.concat", "torch.concatenate")
def cat(c: Op, tensors: Value, dim: Value = 0, axis: Value = None, out: Value = None) -> Value:
    items = c.interp.sequence(tensors)
    if items is None:
        raise Unknowable("torch.cat() of tensors not known")
    parts = [c.tensor(t, "a tensor") for t in items]
    if not parts:
        c.fail("torch.cat(): expected a non-empty list of tensors")
    layer = nn.Concat(*[nn.Identity() for _ in parts], dim=c.int(axis if axis is not None else dim, "dim"))
    shape = c.rule(parts[0], layer.merge, [(f"tensor {i}", p.shape) for i, p in enumerate(parts)], c.solver)
    return c.result(parts[0], shape, parts[0].dtype)


@function("torch.stack")
def stack(c: Op, tensors: Value, dim: Value = 0, out: Value = None) -> Value:
    items = c.interp.sequence(tensors)
    if items is None:
        raise Unknowable("torch.stack() of tensors not known")
    parts = [c.tensor(t, "a tensor") for t in items]
    if not parts:
        c.fail("torch.stack(): expected a non-empty list of tensors")
    first = parts[0].shape
    for i, p in enumerate(parts[1:], 1):
        if p.shape.prefix or first.prefix:
            continue
        if len(p.shape) != len(first):
            c.fail(f"torch.stack: tensor 0 is {first} and tensor {i} is {p.shape}: stack expects each tensor to be equal size", parts[0], kind="shape")
        for j, (a, b) in enumerate(zip(first.dims, p.shape.dims)):
            c.rule(parts[0], c.solver.equal, b, a, "torch.stack expects each tensor to be equal size: dim {} is {} in tensor 0 and {} in tensor {}", j, a, b, i)
    d = c.int(dim, "dim")
    if first.prefix:
        if d >= 0:
            return Tensor(Shape.unknown(), parts[0].dtype)
        at = len(first) + d + 1
        return c.result(parts[0], Shape.of((*first.dims[:at], len(parts), *first.dims[at:]), True), parts[0].dtype)
    at = normalize_dim(d, len(first) + 1, "stack")
    return c.result(parts[0], Shape.of((*first.dims[:at], len(parts), *first.dims[at:])), parts[0].dtype)


@function("torch.matmul", "torch.mm", "torch.bmm")
@method("matmul", "mm", "bmm", "__matmul__")
def torch_matmul(c: Op, input: Value, other: Value, out: Value = None) -> Value:
    a, b = c.tensor(input), c.tensor(other, "other")
    name = c.name.rsplit(".", 1)[-1]
    want = {"mm": 2, "bmm": 3}.get(name)
    for t, which in ((a, "self"), (b, "mat2")):
        if want is not None and not t.shape.prefix and len(t.shape) != want:
            c.fail(f"{name}: {which} must be a {want}D tensor, got {t.shape}", a, kind="rank")
    return _matmul(c, a, b)


@function("torch.einsum")
def einsum(c: Op, equation: Value, *operands: Value) -> Value:
    """``torch.einsum``: each letter one size across operands (broadcast 1s aside), ``...`` the operands'
    remaining dims broadcast together; the output's letters (without ``->``: ``...`` and then the
    letters seen once, sorted)."""
    if not isinstance(equation, str):
        raise Unknowable("einsum with an equation not known")
    if len(operands) == 1 and isinstance(operands[0], (ListValue, tuple)):
        operands = tuple(c.interp.sequence(operands[0]) or ())
    tensors = [c.tensor(o, "an operand") for o in operands]
    spec = equation.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(tensors) or spec.count(".") != 3 * spec.count("..."):
        raise Unknowable("einsum with a different number of operands or stray dots")
    sizes: dict[str, Dim] = {}
    ellipses: list[Tensor] = []
    for n, (term, t) in enumerate(zip(terms, tensors)):
        if t.shape.prefix:
            raise Unknowable("einsum of a tensor of unknown rank")
        letters = term.replace("...", "")
        rank = len(t.shape)
        dims = t.shape.dims
        if "..." in term:
            if len(letters) > rank:
                c.fail(f"einsum(): the number of subscripts in the equation ({len(letters)}) is more than the number of dimensions ({rank}) for operand {n}", t, kind="rank")
            before = term.index("...")
            after = len(letters) - before
            ellipses.append(Tensor(Shape.of(dims[before : rank - after])))
            dims = (*dims[:before], *dims[rank - after :])
        elif len(letters) != rank:
            c.fail(f"einsum(): the number of subscripts in the equation ({len(letters)}) does not match the number of dimensions ({rank}) for operand {n}", t, kind="rank")
        for letter, d in zip(letters, dims):
            if letter in sizes and d != 1 and sizes[letter] != 1:
                have = sizes[letter]
                c.rule(t, c.solver.equal, d, have, "einsum(): subscript {} has size {} for an operand, {} for another", letter, d, have)
            elif letter not in sizes or sizes[letter] == 1:
                sizes[letter] = d
    batch = _broadcast(c, "einsum", ellipses) if len(ellipses) > 1 else ellipses[0].shape if ellipses else Shape(())
    if not arrow:
        output = ("..." if ellipses else "") + "".join(sorted(ch for ch in sizes if inputs.count(ch) == 1))
    head, dots, tail = output.partition("...")
    for ch in head + tail:
        if ch not in sizes:
            c.fail(f"einsum(): output subscript {ch} does not appear in the equation for any input operand", tensors[0], kind="rank")
    out = Shape.of((*(sizes[ch] for ch in head), *(batch.dims if dots else ()), *(sizes[ch] for ch in tail)))
    macs = prod(sizes.values(), start=1) * batch.numel() if len(tensors) > 1 else 0
    return c.result(tensors[0], out, _dtype(*tensors), macs)


# -- reductions -----------------------------------------------------------------------------------
@function("torch.sum", "torch.mean", "torch.prod", "torch.std", "torch.var", "torch.amax", "torch.amin", "torch.logsumexp", "torch.norm", "torch.all", "torch.any", "torch.argmax", "torch.argmin", "torch.count_nonzero", "torch.nansum", "torch.nanmean")
@method("sum", "mean", "prod", "std", "var", "amax", "amin", "logsumexp", "norm", "all", "any", "argmax", "argmin", "count_nonzero", "nansum", "nanmean")
def reduce(c: Op, input: Value, dim: Value = None, keepdim: Value = False, *args: Any, **kwargs: Any) -> Value:
    x = c.tensor(input)
    name = c.name.rsplit(".", 1)[-1]
    if name == "norm" and not isinstance(dim, (int, tuple, ListValue)) and dim is not None:
        dim, keepdim = kwargs.get("dim"), kwargs.get("keepdim", False)
    keep = c.constant(keepdim, "keepdim")
    dtype = "long" if name in ("argmax", "argmin", "count_nonzero") else "bool" if name in ("all", "any") else x.dtype
    if dim is None:
        if name in ("argmax", "argmin") and keep:
            raise Unknowable(f"{name}(keepdim=True) without dim")
        return c.result(x, Shape(()) if not keep or x.shape.prefix else Shape((1,) * len(x.shape)), dtype)
    dims = c.constant(dim, "dim")
    return _reduced(c, x, dims, bool(keep), dtype)


def _reduced(c: Op, x: Tensor, dims: object, keep: bool, dtype: str | None) -> Tensor:
    layer = c.build(nn.Mean, dims if isinstance(dims, int) else tuple(dims) if isinstance(dims, (tuple, list)) else None, keep)
    y = c.apply(layer, x)
    if not isinstance(y, Tensor):
        raise Unknowable("a reduction")
    return Tensor(y.shape, dtype)


@function("torch.max", "torch.min", "torch.median", "torch.mode")
@method("max", "min", "median", "mode")
def max_min(c: Op, input: Value, dim: Value = None, keepdim: Value = False, out: Value = None) -> Value:
    x = c.tensor(input)
    if isinstance(dim, Tensor):
        return _elementwise(c, c.name.rsplit(".", 1)[-1], x, dim)
    if dim is None:
        return c.result(x, Shape(()), x.dtype)
    values = _reduced(c, x, c.int(dim, "dim"), bool(c.constant(keepdim)), x.dtype)
    return (values, Tensor(values.shape, "long"))


@function("torch.topk")
@method("topk")
def topk(c: Op, input: Value, k: Value, dim: Value = -1, largest: Value = True, sorted: Value = True) -> Value:
    x = c.tensor(input)
    if x.shape.prefix:
        raise Unknowable("topk() of a tensor of unknown rank")
    at = normalize_dim(c.int(dim), len(x.shape), "topk")
    shape = x.shape.replace(at, c.dim(k, "k"))
    return (c.result(x, shape, x.dtype), Tensor(shape, "long"))


@function("torch.cumsum", "torch.cumprod", "torch.sort", "torch.argsort")
@method("cumsum", "cumprod", "sort", "argsort")
def along(c: Op, input: Value, dim: Value = -1, *args: Any, **kwargs: Any) -> Value:
    x = c.tensor(input)
    if c.name.rsplit(".", 1)[-1] == "sort":
        return (Tensor(x.shape, x.dtype), Tensor(x.shape, "long"))
    return Tensor(x.shape, "long" if "argsort" in c.name else x.dtype)


@function("torch.index_select")
@method("index_select")
def index_select(c: Op, input: Value, dim: Value, index: Value) -> Value:
    x, i = c.tensor(input), c.tensor(index, "index")
    if x.shape.prefix or i.shape.prefix or len(i.shape) != 1:
        raise Unknowable("index_select() with shapes not known")
    at = normalize_dim(c.int(dim), len(x.shape), "index_select")
    return c.result(x, x.shape.replace(at, i.shape[0]), x.dtype)


@function("torch.gather")
@method("gather")
def gather(c: Op, input: Value, dim: Value, index: Value, *args: Any, **kwargs: Any) -> Value:
    x, i = c.tensor(input), c.tensor(index, "index")
    return Tensor(i.shape, x.dtype)


@function("torch.outer", "torch.ger")
@method("outer")
def outer(c: Op, input: Value, vec2: Value) -> Value:
    a, b = c.tensor(input), c.tensor(vec2, "vec2")
    if a.shape.prefix or b.shape.prefix or len(a.shape) != 1 or len(b.shape) != 1:
        raise Unknowable("outer() of tensors that are not vectors")
    return c.result(a, Shape.of((a.shape[0], b.shape[0])), a.dtype, a.shape[0] * b.shape[0])


# -- indexing -------------------------------------------------------------------------------------
def index(c: Op, x: Tensor, key: Value) -> Value:
    """``x[key]``: see ``rules.indexing``."""
    items = list(key) if isinstance(key, tuple) else [key]
    parts: list[Index] = []
    for item in items:
        if isinstance(item, Unknown):
            raise Unknowable(item.reason or "an index not known")
        if item is Ellipsis:
            parts.append(Everything())
        elif item is None or isinstance(item, slice):
            if isinstance(item, slice) and any(isinstance(p, Unknown) or (p is not None and not isinstance(p, (int, Expr))) for p in (item.start, item.stop, item.step)):
                raise Unknowable("a slice with bounds not known")
            parts.append(item)
        elif isinstance(item, Tensor):
            parts.append(IndexTensor(item.shape, item.dtype == "bool"))
        elif isinstance(item, (int, Expr)) and not isinstance(item, bool):
            parts.append(item)
        elif isinstance(item, ListValue) and all(isinstance(v, int) for v in item.items):
            parts.append(IndexTensor(Shape((len(item.items),))))
        else:
            raise Unknowable("an index not followed")
    solver = c.solver

    def at_least(d: Dim, k: int) -> bool:
        return not is_unknown(d) and (isinstance(d, int) and d >= k or not isinstance(d, int) and solver.implied(d, k))

    def require(d: Dim, k: int, why: str, dim: int) -> None:
        solver.at_least(d, k, why, index=dim - len(x.shape) if not x.shape.prefix else dim)

    shape = c.rule(x, index_shape, x.shape, parts, at_least, require)
    return c.result(x, shape, x.dtype)


def setitem(c: Op, x: Tensor, key: Value, value: Value) -> Value:
    """``x[key] = value``: the value broadcasts to the indexed part (torch copies it with ``expand``):
    each of its dims, aligned from the right, is 1 or the part's."""
    part = index(c, x, key)
    if not isinstance(value, Tensor) or not isinstance(part, Tensor) or value.shape.prefix or part.shape.prefix:
        return x
    target, have = part.shape.dims, value.shape.dims
    message = "setting a slice: the value of shape {} does not broadcast to the indexed part {}"
    if len(have) > len(target) and any(d != 1 for d in have[: len(have) - len(target)]):
        c.fail(message.format(value.shape, part.shape), value, kind="broadcast")
    for i in range(1, min(len(have), len(target)) + 1):
        d, want = have[-i], target[-i]
        if d == 1 or d == want or is_unknown(d) or is_unknown(want):
            continue
        if isinstance(d, int) or c.solver.implied(d, 2):
            c.rule(value, c.solver.equal, d, want, message, value.shape, part.shape, index=-i, kind="broadcast")
    return x


# -- more of what real models call (measured with bench/gap_tally.py) ------------------------------
@function("torch.meshgrid")
def meshgrid(c: Op, *tensors: Value, indexing: Value = "ij") -> Value:
    """One tensor per input, each of shape ``(len(t1), len(t2), ...)`` (the first two swapped for ``"xy"``)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, ListValue)):
        tensors = tuple(c.interp.sequence(tensors[0]) or ())
    parts = [c.tensor(t, "a tensor") for t in tensors]
    if not parts or any(p.shape.prefix for p in parts):
        raise Unknowable("torch.meshgrid of tensors not known")
    for i, p in enumerate(parts):
        if len(p.shape) > 1:
            c.fail(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {p.shape} (tensor {i})", p, kind="rank")
    sizes = [p.shape[0] if p.shape.dims else 1 for p in parts]
    if c.constant(indexing, "indexing") == "xy" and len(sizes) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    return tuple(c.result(p, Shape(sizes), p.dtype) for p in parts)


@function("torch.diag")
@method("diag")
def diag(c: Op, input: Value, diagonal: Value = 0) -> Value:
    """A vector of ``n`` becomes an ``(n+|k|, n+|k|)`` matrix; a matrix gives its ``k``-th diagonal."""
    x = c.tensor(input)
    k = c.int(diagonal, "diagonal")
    if x.shape.prefix:
        raise Unknowable("torch.diag of a tensor of unknown rank")
    if len(x.shape) == 1:
        n = x.shape[0] + abs(k)
        return c.result(x, Shape((n, n)), x.dtype)
    if len(x.shape) != 2:
        c.fail(f"diag(): Supports 1D or 2D tensors. Got {len(x.shape)}D", x, kind="rank")
    rows, cols = x.shape.dims
    if not isinstance(rows, int) or not isinstance(cols, int):
        raise Unknowable("the diagonal of a matrix of sizes not known")
    length = min(rows, cols - k) if k >= 0 else min(rows + k, cols)
    return c.result(x, Shape((max(length, 0),)), x.dtype)


@function("torch.repeat_interleave")
@method("repeat_interleave")
def repeat_interleave(c: Op, input: Value, repeats: Value = None, dim: Value = None, output_size: Value = None) -> Value:
    """Each element ``repeats`` times along ``dim`` (the flattened input without ``dim``)."""
    x = c.tensor(input)
    if isinstance(repeats, Tensor) and not (repeats.shape.dims == (1,) or repeats.shape.dims == ()):
        raise Unknowable("repeat_interleave by a tensor of counts")
    times = c.dim(repeats, "repeats") if not isinstance(repeats, Tensor) else None
    if times is None or x.shape.prefix:
        raise Unknowable("repeat_interleave by counts not known")
    if dim is None:
        return c.result(x, Shape((x.shape.numel() * times,)), x.dtype)
    at = c.rule(x, normalize_dim, c.int(dim, "dim"), len(x.shape), "repeat_interleave")
    return c.result(x, x.shape.replace(at, x.shape[at] * times), x.dtype)


@function("torch.view_as_real")
def view_as_real(c: Op, input: Value) -> Value:
    """A complex ``(*)`` as real pairs ``(*, 2)``."""
    x = c.tensor(input)
    return c.result(x, Shape.of((*x.shape.dims, 2), x.shape.prefix), "float")


@function("torch.view_as_complex")
def view_as_complex(c: Op, input: Value) -> Value:
    """Real pairs ``(*, 2)`` as complex ``(*)``: the last dim must be 2."""
    x = c.tensor(input)
    if not x.shape.dims:
        raise Unknowable("view_as_complex of a tensor of unknown rank")
    c.rule(x, c.solver.equal, x.shape[-1], 2, "view_as_complex: Tensor must have a last dimension of size 2, got {}", x.shape[-1], index=-1)
    return c.result(x, Shape.of(x.shape.dims[:-1], x.shape.prefix), "complex")


@function("torch.polar", "torch.complex")
def polar(c: Op, abs: Value, angle: Value, out: Value = None) -> Value:
    result = _elementwise(c, c.name.rsplit(".", 1)[-1], abs, angle)
    return Tensor(result.shape, "complex") if isinstance(result, Tensor) else result


@method("item", "tolist", "data_ptr", "numpy", "is_contiguous", "is_floating_point", "is_complex", "element_size", "get_device")
def value_of(c: Op, input: Value, *args: Value, **kwargs: Value) -> Value:
    """What a tensor holds, not its shape (``x.item()``): not known, and nothing lost about shapes."""
    c.tensor(input)
    name = c.name.rsplit(".", 1)[-1]
    return Number(f"a tensor's value ({name}())") if name == "item" else Unknown(f"a tensor's value ({name}())")


@function("torch.no_grad", "torch.enable_grad", "torch.inference_mode", "torch.set_grad_enabled", "torch.autocast", "torch.amp.autocast", "torch.cuda.amp.autocast", "torch.cpu.amp.autocast", "contextlib.nullcontext")
def context(c: Op, *args: Value, **kwargs: Value) -> Value:
    """A context manager or decorator that leaves shapes alone (``with torch.no_grad():``)."""
    return None


@function("torch.finfo", "torch.iinfo", "torch.is_floating_point", "torch.is_complex", "torch.get_default_dtype", "torch.is_grad_enabled", "torch.cuda.is_available", "torch.backends.mps.is_available")
def runtime_value(c: Op, *args: Value, **kwargs: Value) -> Value:
    """A fact of the run (``torch.finfo(x.dtype).max``, ``torch.cuda.is_available()``), not of shapes: not known."""
    return Unknown(f"{c.name}() at run time")


@function("torch.jit.is_scripting", "torch.jit.is_tracing", "torch.compiler.is_compiling", "torch._dynamo.is_compiling", "torch.onnx.is_in_onnx_export")
def eager(c: Op) -> Value:
    """False: the checker follows the model as it runs eagerly."""
    return False


@function("torch.is_tensor")
def is_tensor(c: Op, obj: Value) -> Value:
    if isinstance(obj, Tensor):
        return True
    return False if obj is None or isinstance(obj, (int, float, str, tuple, ListValue, Expr)) else Unknown("torch.is_tensor() of a value not known")


@function(f"{F}one_hot")
def one_hot(c: Op, tensor: Value, num_classes: Value = -1) -> Value:
    """``(*) -> (*, num_classes)``; with ``-1`` the class count is the data's (its maximum plus one)."""
    x = c.tensor(tensor)
    n = c.dim(num_classes, "num_classes")
    return c.result(x, Shape.of((*x.shape.dims, n if n != -1 else unknown()), x.shape.prefix), "long")


@function("torch.nn.utils.rnn.pad_sequence")
def pad_sequence(c: Op, sequences: Value, batch_first: Value = False, padding_value: Value = 0.0, padding_side: Value = "right") -> Value:
    """Sequences ``(L_i, *)`` padded to the longest: ``(max L, B, *)``, or ``(B, max L, *)`` with ``batch_first``."""
    items = c.interp.sequence(sequences)
    if not items:
        raise Unknowable("pad_sequence of sequences not known")
    parts = [c.tensor(t, "a sequence") for t in items]
    if any(p.shape.prefix or not p.shape.dims for p in parts):
        raise Unknowable("pad_sequence of tensors of unknown rank")
    tails = [Tensor(Shape.of(p.shape.dims[1:])) for p in parts]
    trailing = _broadcast(c, "pad_sequence", tails) if len(tails) > 1 else tails[0].shape
    lengths = [p.shape[0] for p in parts]
    known = [n for n in lengths if isinstance(n, int)]
    longest: Dim = max(known) if len(known) == len(lengths) else lengths[0] if all(n == lengths[0] for n in lengths) else unknown()
    lead = (len(parts), longest) if c.constant(batch_first) else (longest, len(parts))
    return c.result(parts[0], Shape.of((*lead, *trailing.dims)), parts[0].dtype)


_FFT: Final = {"fft": 0, "ifft": 0, "fft2": 0, "ifft2": 0, "fftn": 0, "ifftn": 0, "hfft": -1, "rfft": 1, "rfft2": 1, "rfftn": 1, "irfft": -1, "irfft2": -1, "irfftn": -1, "fftshift": 0, "ifftshift": 0}


def _fft(c: Op, input: Value, *args: Value, **kwargs: Value) -> Value:
    """``torch.fft.*`` with the default sizes: the shape kept, but the last transformed dim of a real
    transform is ``n//2 + 1`` (``rfft``) or ``2*(n - 1)`` (``irfft``)."""
    x = c.tensor(input)
    name = c.name.rsplit(".", 1)[-1]
    if args or any(kwargs.get(k) is not None for k in ("n", "s", "dim")):
        raise Unknowable(f"torch.fft.{name} with sizes or dims given")
    if not x.shape.dims:
        raise Unknowable(f"torch.fft.{name} of a tensor of unknown rank")
    last = x.shape[-1]
    half = _FFT[name]
    size = last if half == 0 else floor_div(last, 2) + 1 if half == 1 else 2 * (last - 1)
    dtype = "float" if name.startswith(("irfft", "hfft")) else x.dtype if "shift" in name else "complex"
    return c.result(x, x.shape.replace(len(x.shape.dims) - 1, size), dtype)


for _name in _FFT:
    function(f"torch.fft.{_name}")(_fft)


@function("torch.randperm")
def randperm(c: Op, n: Value, **kwargs: Value) -> Value:
    return Tensor(Shape((c.dim(n, "n"),)), _dtype_of(kwargs.get("dtype")) if kwargs.get("dtype") is not None else "long")


@function("torch.bucketize")
def bucketize(c: Op, input: Value, boundaries: Value, **kwargs: Value) -> Value:
    """The bucket of each element of ``input``: its shape, as indices."""
    return Tensor(c.tensor(input).shape, "long")


@function("torch.searchsorted")
def searchsorted(c: Op, sorted_sequence: Value, input: Value, **kwargs: Value) -> Value:
    """Where each value of ``input`` goes in ``sorted_sequence``: the shape of ``input``, as indices."""
    return Tensor(c.tensor(input).shape, "long")


for _name in "expm1 exp2 expit erf erfc erfinv logit i0 i0e i1 i1e ndtr ndtri log_ndtr gammaln digamma psi entr sinc round log1p".split():
    function(f"torch.special.{_name}")(_same_shape)
