"""Normalization layers with torch's parameters, defaults and shape rules; all keep their input's shape.

Checks are those of torch's training mode (a module's default): a statistic over exactly one value
is an error there (``Expected more than 1 value per channel when training``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shapecheck.checker import Checker
from shapecheck.dims import Dim, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_int, check_int32, check_size
from shapecheck.nn.module import Module
from shapecheck.rules.norm import affine_shapes, group_norm_factors, running_stats, single_value_product
from shapecheck.rules.rank import at_least_rank, split_core
from shapecheck.shape import Shape

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "LocalResponseNorm",
    "RMSNorm",
]

Options = Mapping[str, tuple[object, object]]
"""Keyword arguments of a layer: name -> (value, torch's default)."""


def _call(layer: str, args: Sequence[object], options: Options) -> str:
    """``BatchNorm2d(32, affine=False)``: the positional arguments, then the options set to a non-default."""
    parts = [str(a) for a in args]
    parts += [f"{k}={v!r}" for k, (v, default) in options.items() if v != default]
    return f"{layer}({', '.join(parts)})"


def _number(layer: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer}: {name} must be a number, got {type(value).__name__} {value!r}")
    return value


def _core(x: Shape, ranks: tuple[int, ...], layer: str) -> tuple[Dim, ...] | None:
    """The input, whose rank must be in ``ranks``, as ``(N, C, *spatial)``. With unknown leading dims:
    the last ``max(ranks)`` dims (unknown where not shown), or None when dim 1 cannot be told from the end.
    """
    if not x.prefix:
        if len(x) not in ranks:
            wanted = " or ".join(f"{r}D" for r in ranks)
            problem = f"{layer} expects a {wanted} input, got a {len(x)}D input {x}"
            raise RuleError(problem, expected=wanted, actual=f"{len(x)}D {x}", kind="rank")
        return x.dims
    if len(x) < max(ranks) and len(ranks) > 1:
        return None
    return split_core(x, max(ranks), ranks, layer)[1]


def _more_than_one(check: Checker, factors: Sequence[Dim], problem: str, index: int | None) -> None:
    """torch's training-mode rule ``prod(factors) != 1``, where a product of 0 passes. Symbolic, it is
    ``prod >= 2`` when every factor is at least 1 under the conditions so far, else the equivalent
    (for integers) ``prod*(prod - 2) >= 0``.
    """
    product = single_value_product(factors)
    if product is None:
        return
    if all(isinstance(f, int) or is_unknown(f) or check.implied(f, 1) for f in factors):
        check.at_least(product, 2, problem, index=index)
    else:
        check.at_least(product * (product - 2), 0, problem, index=index)


# -- BatchNorm, InstanceNorm -----------------------------------------------------------------


class _NormBase(Module):
    """Shared by batch and instance norm: ``num_features`` channels, an optional affine weight and bias
    (``C`` each) and optional running statistics (``2C + 1`` buffer elements).

    torch checks the input's channels against ``num_features`` only when it holds a tensor of that
    size (``affine`` or ``track_running_stats``); otherwise any channel count passes.
    ``training`` is torch's mode (``from_torch`` reads it): in eval mode running statistics, when
    kept, replace the input's, and no input is too small for them.
    """

    takes = "Float"

    _affine_default = True
    _track_default = True
    training = True

    def _input_stats(self) -> bool:
        """Whether the input's own statistics are computed (torch's ``training or running_mean is None``)."""
        return self.training or not self.track_running_stats

    def _setup(
        self, num_features: int, eps: float, momentum: float | None, affine: bool, track_running_stats: bool, bias: bool
    ) -> None:
        name = type(self).__name__
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        self.num_features = self._features(name, num_features)
        self.eps = _number(name, "eps", eps)
        self.momentum = None if momentum is None else _number(name, "momentum", momentum)
        self.bias = self.affine and bool(bias)  # torch registers a bias only with the weight

    def _features(self, name: str, num_features: object) -> int:
        """torch.empty(num_features), for the weight or the statistics (without either torch never reads it)."""
        held = self.affine or self.track_running_stats
        return check_size(name, "num_features", num_features) if held else num_features  # type: ignore[return-value]

    def _check_features(self, check: Checker, channels: Dim, index: int, where: str) -> None:
        if not (self.affine or self.track_running_stats):
            return
        name = type(self).__name__
        fix = _call(name, [channels], self._options()) if isinstance(channels, int) else None
        check.equal(
            channels,
            self.num_features,
            f"{name} expects {self.num_features} channels ({where}), got {channels}",
            index=index,
            fixes=[fix] if fix else [],
            kind="channels",
        )

    def _options(self) -> Options:
        return {
            "eps": (self.eps, 1e-5),
            "momentum": (self.momentum, 0.1),
            "affine": (self.affine, self._affine_default),
            "track_running_stats": (self.track_running_stats, self._track_default),
            "bias": (self.bias, self.affine),
        }

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return affine_shapes((self.num_features,), self.affine, self.bias)

    def buffer_shapes(self) -> dict[str, tuple[int, ...]]:
        return running_stats(self.num_features) if self.track_running_stats else {}

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Normalizes each channel over the batch and the spatial dims: ``(N, C, *spatial)``, dim 1 the channels."""

    _ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: object = None,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self._setup(num_features, eps, momentum, affine, track_running_stats, bias)

    def infer(self, x: Shape, check: Checker) -> Shape:
        name = type(self).__name__
        if self.eps <= 0 and self._input_stats():
            raise RuleError(f"{name}: eps must be positive when training, got {self.eps}", kind="value")
        core = _core(x, self._ranks, name)
        if core is None:
            return x
        self._check_features(check, core[1], 1 - len(core), "dim 1")
        if self._input_stats():
            problem = f"{name} expects more than 1 value per channel when training (batch times spatial size), got input {x}"
            _more_than_one(check, (core[0], *core[2:]), problem, -len(core))
        return x


class _InstanceNorm(_NormBase):
    """Normalizes each channel of each sample over its spatial dims: ``(N, C, *spatial)`` or ``(C, *spatial)``."""

    _n = 0
    _affine_default = False
    _track_default = False

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: object = None,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self._setup(num_features, eps, momentum, affine, track_running_stats, bias)

    def _features(self, name: str, num_features: object) -> int:
        """With a weight, torch compares ``num_features`` with the channels too: only an int can equal them."""
        return check_int(name, "num_features", num_features) if self.affine else super()._features(name, num_features)

    def infer(self, x: Shape, check: Checker) -> Shape:
        n, name = self._n, type(self).__name__
        _, core = split_core(x, n + 1, (n + 1, n + 2), name)
        self._check_features(check, core[0], -(n + 1), f"dim -{n + 1}")
        if self._input_stats():
            _more_than_one(check, core[1:], f"{name} expects more than 1 spatial element when training, got input {x}", -1)
        return x


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)``: ``C == num_features``; ``N*L != 1`` in training."""

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)``: ``C == num_features``; ``N*H*W != 1`` in training."""

    _ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over ``(N, C, D, H, W)``: ``C == num_features``; ``N*D*H*W != 1`` in training."""

    _ranks = (5,)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over ``(N, C, L)`` or ``(C, L)``: ``C == num_features`` (if affine or tracking); ``L != 1``."""

    _n = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over ``(N, C, H, W)`` or ``(C, H, W)``: ``C == num_features`` (if affine or tracking); ``H*W != 1``."""

    _n = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over ``(N, C, D, H, W)`` or ``(C, D, H, W)``: ``C == num_features`` (if affine or
    tracking); ``D*H*W != 1``.
    """

    _n = 3


# -- GroupNorm -------------------------------------------------------------------------------


class GroupNorm(Module):
    """Normalizes ``num_groups`` groups of channels over ``(N, C, *)``: ``C == num_channels`` (with
    ``affine=False`` only ``C % num_groups == 0``); ``(N*C//G)*prod(*) != 1`` in training.
    """

    takes = "Float"

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: object = None,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_groups = check_int("GroupNorm", "num_groups", num_groups, minimum=1)
        self.num_channels = check_int("GroupNorm", "num_channels", num_channels)
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.eps = _number("GroupNorm", "eps", eps)
        self.affine = bool(affine)
        self.bias = self.affine and bool(bias)

    def infer(self, x: Shape, check: Checker) -> Shape:
        at_least_rank(x, 2, "GroupNorm")
        if x.prefix:
            return x  # dim 1 cannot be told from the end
        batch, channels, spatial = x[0], x[1], x.dims[2:]
        groups, index = self.num_groups, 1 - len(x)
        if self.affine:
            fits = isinstance(channels, int) and channels % groups == 0
            check.equal(
                channels,
                self.num_channels,
                f"GroupNorm expects {self.num_channels} channels (dim 1), got {channels}",
                index=index,
                fixes=[_call("GroupNorm", [groups, channels], self._options())] if fits else [],
                kind="channels",
            )
        else:
            check.equal(
                channels,
                groups * (channels // groups),
                f"GroupNorm expects channels (dim 1) divisible by num_groups={groups}, got {channels}",
                index=index,
                kind="channels",
            )
        _more_than_one(
            check,
            group_norm_factors(batch, channels, groups, spatial),
            f"GroupNorm expects more than 1 value per group when training ((N*C//G)*prod(spatial)), got input {x}",
            -len(x),
        )
        return x

    def _options(self) -> Options:
        return {"eps": (self.eps, 1e-5), "affine": (self.affine, True), "bias": (self.bias, self.affine)}

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return affine_shapes((self.num_channels,), self.affine, self.bias)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias}"


# -- LayerNorm, RMSNorm ----------------------------------------------------------------------


class _ShapeNorm(Module):
    """Normalizes over the last dims, which must equal ``normalized_shape``; ``prod(normalized_shape)``
    values per weight (and bias).
    """

    takes = "Float"

    _eps_default: float | None = 1e-5
    bias = False

    def _setup(self, normalized_shape: int | Sequence[int], eps: float | None, elementwise_affine: bool) -> None:
        name = type(self).__name__
        if isinstance(normalized_shape, Sequence) and not isinstance(normalized_shape, str):
            shape = tuple(check_int(name, "normalized_shape", d) for d in normalized_shape)
        else:
            shape = (check_int(name, "normalized_shape", normalized_shape),)
        self.normalized_shape = shape
        self.eps = None if eps is None else _number(name, "eps", eps)
        self.elementwise_affine = bool(elementwise_affine)

    def infer(self, x: Shape, check: Checker) -> Shape:
        name, shape = type(self).__name__, self.normalized_shape
        k = len(shape)
        if not k:
            raise RuleError(f"{name}: normalized_shape must have at least one dim, got ()", kind="rank")
        at_least_rank(x, k, name)
        tail = [x[i] if -i <= len(x) else unknown() for i in range(-k, 0)]
        given: object = tail[0] if k == 1 else tuple(tail)
        fixes = [_call(name, [given], self._options())] if all(isinstance(d, int) for d in tail) else []
        for i, (got, want) in enumerate(zip(tail, shape)):
            check.equal(
                got,
                want,
                f"{name} normalizes the last dims {shape}; dim {i - k} is {got}, not {want}",
                index=i - k,
                fixes=fixes,
                kind="features",
            )
        return x

    def _options(self) -> Options:
        return {"eps": (self.eps, self._eps_default), "elementwise_affine": (self.elementwise_affine, True)}

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return affine_shapes(self.normalized_shape, self.elementwise_affine, self.bias)


class LayerNorm(_ShapeNorm):
    """``(*, *normalized_shape)``: the last dims must equal ``normalized_shape``; weight and bias of that shape."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(normalized_shape, eps, elementwise_affine)
        self.bias = self.elementwise_affine and bool(bias)

    def _options(self) -> Options:
        return {**super()._options(), "bias": (self.bias, self.elementwise_affine)}

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, bias={self.bias}"


class RMSNorm(_ShapeNorm):
    """``(*, *normalized_shape)``: the last dims must equal ``normalized_shape``; a weight of that shape."""

    _eps_default = None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(normalized_shape, eps, elementwise_affine)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


# -- LocalResponseNorm -----------------------------------------------------------------------


class LocalResponseNorm(Module):
    """Normalizes across ``size`` neighbouring channels of ``(N, C, *)``, at least 3D; shape preserved.

    torch accepts ``size < 1`` until the forward pass, where it fails on any non-empty input: here the
    constructor rejects it.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = check_int32("LocalResponseNorm", "size", size, minimum=1)  # the kernel size of its avg_pool3d
        self.alpha = _number("LocalResponseNorm", "alpha", alpha)
        self.beta = _number("LocalResponseNorm", "beta", beta)
        self.k = _number("LocalResponseNorm", "k", k)

    def infer(self, x: Shape, check: Checker) -> Shape:
        at_least_rank(x, 3, "LocalResponseNorm")
        return x

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
