"""``Linear`` and ``Identity`` with torch's parameters, defaults and shape rules."""

from __future__ import annotations

from math import prod
from typing import Final

from shapecheck.checker import Checker
from shapecheck.dims import Dim, unknown
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_int, check_int_or_bool
from shapecheck.nn.module import Module
from shapecheck.rules.linear import linear_macs, linear_parameter_shapes
from shapecheck.shape import Shape

__all__ = ["Bilinear", "Identity", "Linear"]

FLATTEN_FIX: Final = "Flatten() before it"
"""How the fix of a Linear on an unflattened map opens (a front-end may say it in the code's words)."""


class Identity(Module):
    """Returns its input; accepts and ignores any arguments, as ``torch.nn.Identity``."""

    takes = "same"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def infer(self, x: Shape, check: Checker) -> Shape:
        return x


class Linear(Module):
    """``y = x W^T + b`` over the last dim: ``(*, in_features) -> (*, out_features)``."""

    takes = "Float"

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: object = None, dtype: object = None
    ) -> None:
        super().__init__()
        self.in_features = check_int_or_bool("Linear", "in_features", in_features)
        self.out_features = check_int("Linear", "out_features", out_features)  # the weight's first dim
        self.bias = bool(bias)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if not x.dims and not x.prefix:
            raise _rank_error(x)
        features = x.dims[-1] if x.dims else unknown()
        fixes = [f"Linear({features}, {self.out_features})"] if isinstance(features, int) else []
        if not x.prefix and len(x) >= 3 and prod(x.dims[1:], start=1) == self.in_features:
            # on a feature map (N, C, H, W) a Linear over W alone is not what was meant; over a sequence's last dim it may be
            flatten = f"{FLATTEN_FIX}: {x} flattens to ({x.dims[0]}, {self.in_features})"
            fixes = [flatten, *fixes] if len(x) == 3 else [flatten]
        check.equal(
            features,
            self.in_features,
            f"Linear expects {self.in_features} input features, got {features}",
            index=-1,
            fixes=fixes,
            kind="features",
        )
        return x.with_tail(len(x) - 1, (self.out_features,))

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return linear_parameter_shapes((self.out_features, self.in_features), self.bias)

    def macs(self, x: Shape, y: Shape) -> Dim:
        return linear_macs(y.numel(), self.in_features)

    def bias_macs(self, x: Shape, y: Shape) -> Dim:
        return y.numel() if self.bias else 0

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias}"


class Bilinear(Module):
    """``y = x1^T A x2 + b`` over two inputs ``(*, in1_features)`` and ``(*, in2_features)`` -> ``(*, out_features)``.

    A chain has one input, so in a ``Sequential`` it is an error; it still counts its parameters
    (``in1*in2*out`` weights plus ``out`` biases) for models that call it in their ``forward``.
    """

    takes = "Float"

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.in1_features = check_int_or_bool("Bilinear", "in1_features", in1_features, minimum=1)
        self.in2_features = check_int_or_bool("Bilinear", "in2_features", in2_features)
        self.out_features = check_int("Bilinear", "out_features", out_features)
        self.bias = bool(bias)

    def infer(self, x: Shape, check: Checker) -> Shape:
        raise RuleError(
            f"Bilinear needs two inputs (input1 (*, {self.in1_features}), input2 (*, {self.in2_features})); "
            "a chain passes one tensor from layer to layer",
            fixes=[
                "call it in a forward() with both tensors, outside the Sequential",
                f"Linear({self.in1_features}, {self.out_features}) if the second input is not needed",
            ],
            kind="rank",
        )

    def pair(self, x1: Shape, x2: Shape, check: Checker) -> tuple[Shape, Dim]:
        """The output of ``bilinear(input1, input2)`` and its MACs (``in1*in2`` per output element),
        with torch's checks in torch's order: equal ranks, equal batch dims, each input's features."""
        name = "bilinear()"
        if not x1.prefix and not x2.prefix and len(x1) != len(x2):
            raise RuleError(f"{name}: input dimensions do not match: got {len(x1)} and {len(x2)}", kind="rank")
        batch = min(len(x1), len(x2)) - 1
        for i in range(1, batch + 1):
            a, b = x1.dims[-1 - i], x2.dims[-1 - i]
            at = len(x1) - 1 - i if not x1.prefix else -1 - i
            check.equal(b, a, f"{name}: input batch dimensions do not match at dim {at}: got {a} and {b}", index=-1 - i)
        for which, x, want in (("input1", x1, self.in1_features), ("input2", x2, self.in2_features)):
            features = x.dims[-1] if x.dims else unknown()
            check.equal(features, want, f"{name}: {which} size does not match weight size: got {features} but expected {want}", index=-1, kind="features")
        out = x1.with_tail(len(x1) - 1, (self.out_features,)) if x1.dims else Shape.unknown()
        return out, out.numel() * (self.in1_features * self.in2_features)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return linear_parameter_shapes((self.out_features, self.in1_features, self.in2_features), self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias}"
        )


def _rank_error(x: Shape) -> Exception:
    return RuleError(f"Linear expects at least a 1D input, got a 0D input {x}", kind="rank")
