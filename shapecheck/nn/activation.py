"""Activations: elementwise ones keep the input's shape; Softmax and GLU work along a dim."""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.dims import Dim, floor_div
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_choice, check_int, check_size, is_sequence
from shapecheck.nn.module import Module
from shapecheck.rules.reshape import normalize_dim
from shapecheck.shape import Shape

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _number(layer: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer}: {name} must be a number, got {type(value).__name__} {value!r}")
    return value


def _inplace(inplace: bool, lead: str = "") -> str:
    return f"{lead}, inplace=True" if lead and inplace else lead or ("inplace=True" if inplace else "")


class _Elementwise(Module):
    """A layer whose output has its input's shape."""

    def infer(self, x: Shape, check: Checker) -> Shape:
        return x


class _InplaceElementwise(_Elementwise):
    _shows_inplace = True  # torch's Hardswish and Hardsigmoid print no arguments

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace and self._shows_inplace)


class ReLU(_InplaceElementwise):
    """``max(0, x)``; shape preserved."""

    takes = "same"


class SiLU(_InplaceElementwise):
    """``x * sigmoid(x)``; shape preserved."""


class Mish(_InplaceElementwise):
    """``x * tanh(softplus(x))``; shape preserved."""


class Hardswish(_InplaceElementwise):
    """``x * relu6(x + 3) / 6``; shape preserved."""

    _shows_inplace = False


class Hardsigmoid(_InplaceElementwise):
    """``relu6(x + 3) / 6``; shape preserved."""

    _shows_inplace = False


class SELU(_InplaceElementwise):
    """``scale * elu(x, alpha)`` with SELU's constants; shape preserved."""


class Tanh(_Elementwise):
    """``tanh(x)``; shape preserved."""


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))``; shape preserved."""


class LogSigmoid(_Elementwise):
    """``log(sigmoid(x))``; shape preserved."""


class Softsign(_Elementwise):
    """``x / (1 + |x|)``; shape preserved."""


class Tanhshrink(_Elementwise):
    """``x - tanh(x)``; shape preserved."""


class GELU(_Elementwise):
    """``x * Phi(x)``, exact or ``approximate='tanh'``; shape preserved."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = str(check_choice("GELU", "approximate", approximate, ("none", "tanh")))

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Hardtanh(_Elementwise):
    """``clamp(x, min_val, max_val)``; shape preserved."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.min_val = _number(name, "min_val", min_val)
        self.max_val = _number(name, "max_val", max_val)
        self.inplace = bool(inplace)
        if self.max_val <= self.min_val:
            raise ValueError(f"{name}: max_val ({max_val}) must be greater than min_val ({min_val})")

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"min_val={self.min_val}, max_val={self.max_val}")


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``; shape preserved."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class _Shrink(_Elementwise):
    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = _number(type(self).__name__, "lambd", lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(_Shrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0; ``lambd >= 0``; shape preserved."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__(lambd)
        if self.lambd < 0:
            raise ValueError(f"Softshrink: lambd must be >= 0, got {lambd}")


class Hardshrink(_Shrink):
    """``x`` where ``|x| > lambd``, else 0; shape preserved."""


class RReLU(_Elementwise):
    """Leaky ReLU with a slope drawn from ``[lower, upper]`` in training; shape preserved."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = _number("RReLU", "lower", lower)
        self.upper = _number("RReLU", "upper", upper)
        self.inplace = bool(inplace)
        if self.lower > self.upper:
            raise ValueError(f"RReLU: lower ({lower}) must be less than or equal to upper ({upper})")

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"lower={self.lower}, upper={self.upper}")


class Threshold(_Elementwise):
    """``x`` where ``x > threshold``, else ``value``; shape preserved."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = _number("Threshold", "threshold", threshold)
        self.value = _number("Threshold", "value", value)
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"threshold={self.threshold}, value={self.value}")


class _Alpha(_Elementwise):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = _number(type(self).__name__, "alpha", alpha)
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"alpha={self.alpha}")


class ELU(_Alpha):
    """``x`` above 0, else ``alpha * (exp(x) - 1)``; shape preserved."""


class CELU(_Alpha):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``; shape preserved."""


class LeakyReLU(_Elementwise):
    """``x`` above 0, else ``negative_slope * x``; shape preserved."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = _number("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"negative_slope={self.negative_slope}")


class Softplus(_Elementwise):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold``; shape preserved."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = _number("Softplus", "beta", beta)
        self.threshold = _number("Softplus", "threshold", threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """Leaky ReLU with a learned slope, one or ``num_parameters`` (one per channel: dim 1, or 1 for a 1D input).

    Parameters ``num_parameters``; shape preserved.
    """

    takes = "Float"

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: object = None, dtype: object = None) -> None:
        super().__init__()
        # torch.empty(num_parameters): an int, or a shape of one dim, or () (one element)
        empty = is_sequence(num_parameters) and not num_parameters
        self.num_parameters = 1 if empty else check_size("PReLU", "num_parameters", num_parameters)
        self._weight: tuple[int, ...] = () if empty else (self.num_parameters,)
        self.init = _number("PReLU", "init", init)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if self.num_parameters == 1 or x.prefix:  # with unknown leading dims, which one is dim 1 is unknown
            return x
        if len(x) == 0:
            raise RuleError(f"PReLU({self.num_parameters}) has one slope per channel: a 0D input has no channels", kind="rank")
        channels: Dim = x[1] if len(x) >= 2 else 1
        check.equal(
            channels,
            self.num_parameters,
            f"PReLU has {self.num_parameters} slopes but the input has {channels} channels (dim 1)",
            index=1 - len(x) if len(x) >= 2 else -1,
            fixes=[f"PReLU({channels})"] if isinstance(channels, int) else [],
            kind="channels",
        )
        return x

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """``weight``: ``torch.empty(num_parameters)``, ``()`` for ``num_parameters=()``."""
        return {"weight": self._weight}

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class _Softmax(_Elementwise):
    """Normalizes along ``dim``; ``None`` picks torch's legacy dim: 0 for 0D, 1D and 3D inputs, else 1."""

    takes = "Float"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else check_int(type(self).__name__, "dim", dim, minimum=-(1 << 30))

    def infer(self, x: Shape, check: Checker) -> Shape:
        if self.dim is not None and not x.prefix:
            normalize_dim(self.dim, len(x), type(self).__name__)
        return x

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_Softmax):
    """``exp(x) / sum(exp(x))`` along ``dim``; shape preserved."""


class LogSoftmax(_Softmax):
    """``log(softmax(x))`` along ``dim``; shape preserved."""


class Softmin(_Softmax):
    """``softmax(-x)`` along ``dim``; shape preserved."""


class Softmax2d(_Elementwise):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)``; shape preserved."""

    def infer(self, x: Shape, check: Checker) -> Shape:
        if not x.prefix and len(x) not in (3, 4):
            raise RuleError(
                f"Softmax2d expects a 3D or 4D input, got a {len(x)}D input {x}", expected="3D or 4D", actual=f"{len(x)}D {x}", kind="rank"
            )
        return x


class GLU(Module):
    """``a * sigmoid(b)`` for the two halves of ``dim``: that dim must be even and halves."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int("GLU", "dim", dim, minimum=-(1 << 30))

    def infer(self, x: Shape, check: Checker) -> Shape:
        if x.prefix:
            if not -len(x) <= self.dim < 0:
                return Shape.unknown()
            axis = self.dim + len(x)
        elif len(x) == 0:
            raise RuleError("GLU halves a dim: a 0D input has none", kind="rank")
        else:
            axis = normalize_dim(self.dim, len(x), "GLU")
        size = x[axis]
        check.equal(
            size - 2 * floor_div(size, 2),
            0,
            f"GLU halves dim {self.dim}, which must be even, got {size}",
            index=axis - len(x),
            kind="halving",
        )
        return x.replace(axis, floor_div(size, 2))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
