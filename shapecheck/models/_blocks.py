"""Building blocks torchvision shares between architectures (``torchvision.ops.misc``), and auxiliary heads."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck import nn
from shapecheck.checker import Checker
from shapecheck.dims import unknown
from shapecheck.shape import Shape
from shapecheck.trace import Tracer

__all__ = ["TrainingOnly", "conv_norm_activation", "squeeze_excitation"]

Norm = Callable[[int], nn.Module]
"""``norm_layer(channels)``, e.g. ``nn.BatchNorm2d`` or ``partial(nn.BatchNorm2d, eps=0.001)``."""

Activation = Callable[[], nn.Module]
"""``activation_layer()``, already in place where torchvision passes ``inplace=True``."""


def conv_norm_activation(
    in_channels: int,
    out_channels: int,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int | None = None,
    groups: int = 1,
    norm_layer: Norm | None = nn.BatchNorm2d,
    activation_layer: Activation | None = lambda: nn.ReLU(inplace=True),
    dilation: int = 1,
    bias: bool | None = None,
) -> nn.Sequential:
    """torchvision's ``Conv2dNormActivation``: conv (``"same"`` padding ``(k - 1) // 2 * dilation`` unless
    given; a bias only without a norm), then the norm and the activation when given.
    """
    if padding is None:
        padding = (kernel_size - 1) // 2 * dilation
    if bias is None:
        bias = norm_layer is None
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation, groups=groups, bias=bias)
    ]
    if norm_layer is not None:
        layers.append(norm_layer(out_channels))
    if activation_layer is not None:
        layers.append(activation_layer())
    return nn.Sequential(*layers)


def squeeze_excitation(
    input_channels: int,
    squeeze_channels: int,
    activation: Activation = nn.ReLU,
    scale_activation: Activation = nn.Sigmoid,
) -> nn.Module:
    """torchvision's ``SqueezeExcitation``: ``x * scale_activation(fc2(activation(fc1(avgpool(x)))))``,
    ``fc1``/``fc2`` 1x1 convs with bias through ``squeeze_channels``; the gate ``(B, C, 1, 1)`` broadcasts.
    """
    gate = nn.Sequential(
        {
            "avgpool": nn.AdaptiveAvgPool2d(1),
            "fc1": nn.Conv2d(input_channels, squeeze_channels, 1),
            "activation": activation(),
            "fc2": nn.Conv2d(squeeze_channels, input_channels, 1),
            "scale_activation": scale_activation(),
        }
    )
    return nn.Mul(nn.Identity(), gate)


class TrainingOnly(nn.Module):
    """A side branch that ``forward()`` runs only in training mode: torchvision's auxiliary classifiers.

    The input passes through unchanged (the eval forward skips the branch), so the branch adds its
    parameters to the model but no MACs and no input conditions: torchvision publishes Inception v3's
    parameters with its auxiliary head and its MACs and ``min_size`` without. The branch is checked on
    ``(?, C, ?, ...)``, the input's channels with every other dim unknown: a wrong width inside it is
    an error, the spatial sizes it needs in training (larger inputs than eval) are not imposed.
    """

    def __init__(self, branch: nn.Module) -> None:
        super().__init__()
        if not isinstance(branch, nn.Module):
            raise TypeError(f"TrainingOnly: branch must be a shapecheck.nn layer, got {type(branch).__name__} {branch!r}")
        self.branch = branch

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        channels_only = Shape((unknown(), x[1], *(unknown() for _ in x.dims[2:]))) if x.rank and x.rank >= 2 else Shape.unknown()
        self.branch.trace(channels_only, Tracer(), f"{path}.branch" if path else "branch")
        return tracer.leaf(self, x, path)

    def infer(self, x: Shape, check: Checker) -> Shape:
        return x

    def children(self) -> list[tuple[str, nn.Module]]:
        return [("branch", self.branch)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.branch).__name__}, {self.parameter_count():,} parameters)"
