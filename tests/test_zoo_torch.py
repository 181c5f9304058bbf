"""MobileNetV3, EfficientNet-B0, ConvNeXt-T, GoogLeNet and Inception v3 against the same architectures in plain torch.nn.

torchvision is not installed here: each model is written below in ``torch.nn`` as torchvision's source
writes it (``Conv2dNormActivation``, ``SqueezeExcitation``, ``InvertedResidual``, ``MBConv``, ``CNBlock``,
``BasicConv2d``, ``Inception*``) and run on the meta device. Parameters, buffers, the sequence of
conv/norm/linear layers, output shapes and MACs (``FlopCounterMode``'s FLOPs / 2) must equal the
``shapecheck.models`` ones, on several input sizes; inputs torch rejects must be rejected.
Inception v3's auxiliary head (``TrainingOnly``) counts parameters but runs only in training.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode

import shapecheck as sc
from shapecheck import models, nn
from shapecheck.models._blocks import TrainingOnly

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

T = torch.nn


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class Conv2dNormActivation(T.Sequential):
    def __init__(
        self, cin: int, cout: int, kernel_size: int = 3, stride: int = 1, padding: int | None = None, groups: int = 1,
        norm_layer: Callable[..., T.Module] | None = T.BatchNorm2d, activation_layer: Callable[..., T.Module] | None = T.ReLU,
        dilation: int = 1, bias: bool | None = None,
    ) -> None:  # fmt: skip
        padding = (kernel_size - 1) // 2 * dilation if padding is None else padding
        bias = norm_layer is None if bias is None else bias
        layers: list[T.Module] = [T.Conv2d(cin, cout, kernel_size, stride, padding, dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(cout))
        if activation_layer is not None:
            layers.append(activation_layer(inplace=True))
        super().__init__(*layers)


class SqueezeExcitation(T.Module):
    def __init__(
        self, cin: int, squeeze: int, activation: Callable[..., T.Module] = T.ReLU,
        scale_activation: Callable[..., T.Module] = T.Sigmoid,
    ) -> None:  # fmt: skip
        super().__init__()
        self.avgpool = T.AdaptiveAvgPool2d(1)
        self.fc1 = T.Conv2d(cin, squeeze, 1)
        self.fc2 = T.Conv2d(squeeze, cin, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x: Tensor) -> Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x  # type: ignore[no-any-return]


# -- MobileNetV3 -----------------------------------------------------------------------------


class InvertedResidual(T.Module):
    def __init__(self, cnf: tuple[Any, ...], norm_layer: Callable[..., T.Module]) -> None:
        super().__init__()
        inp, kernel, expanded, out, use_se, act, stride, dilation = cnf
        self.use_res_connect = stride == 1 and inp == out
        activation = T.Hardswish if act == "HS" else T.ReLU
        layers: list[T.Module] = []
        if expanded != inp:
            layers.append(Conv2dNormActivation(inp, expanded, 1, norm_layer=norm_layer, activation_layer=activation))
        layers.append(
            Conv2dNormActivation(expanded, expanded, kernel, 1 if dilation > 1 else stride, dilation=dilation, groups=expanded,
                                 norm_layer=norm_layer, activation_layer=activation)  # fmt: skip
        )
        if use_se:
            layers.append(SqueezeExcitation(expanded, _make_divisible(expanded // 4, 8), scale_activation=T.Hardsigmoid))
        layers.append(Conv2dNormActivation(expanded, out, 1, norm_layer=norm_layer, activation_layer=None))
        self.block = T.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        result = self.block(x)
        return result + x if self.use_res_connect else result  # type: ignore[no-any-return]


V3_LARGE = [(16, 3, 16, 16, False, "RE", 1, 1), (16, 3, 64, 24, False, "RE", 2, 1), (24, 3, 72, 24, False, "RE", 1, 1),
            (24, 5, 72, 40, True, "RE", 2, 1), (40, 5, 120, 40, True, "RE", 1, 1), (40, 5, 120, 40, True, "RE", 1, 1),
            (40, 3, 240, 80, False, "HS", 2, 1), (80, 3, 200, 80, False, "HS", 1, 1), (80, 3, 184, 80, False, "HS", 1, 1),
            (80, 3, 184, 80, False, "HS", 1, 1), (80, 3, 480, 112, True, "HS", 1, 1), (112, 3, 672, 112, True, "HS", 1, 1),
            (112, 5, 672, 160, True, "HS", 2, 1), (160, 5, 960, 160, True, "HS", 1, 1), (160, 5, 960, 160, True, "HS", 1, 1)]  # fmt: skip
V3_SMALL = [(16, 3, 16, 16, True, "RE", 2, 1), (16, 3, 72, 24, False, "RE", 2, 1), (24, 3, 88, 24, False, "RE", 1, 1),
            (24, 5, 96, 40, True, "HS", 2, 1), (40, 5, 240, 40, True, "HS", 1, 1), (40, 5, 240, 40, True, "HS", 1, 1),
            (40, 5, 120, 48, True, "HS", 1, 1), (48, 5, 144, 48, True, "HS", 1, 1), (48, 5, 288, 96, True, "HS", 2, 1),
            (96, 5, 576, 96, True, "HS", 1, 1), (96, 5, 576, 96, True, "HS", 1, 1)]  # fmt: skip


class MobileNetV3(T.Module):
    def __init__(self, setting: list[tuple[Any, ...]], last_channel: int, num_classes: int = 1000) -> None:
        super().__init__()
        norm_layer = partial(T.BatchNorm2d, eps=0.001, momentum=0.01)
        layers: list[T.Module] = [
            Conv2dNormActivation(3, setting[0][0], stride=2, norm_layer=norm_layer, activation_layer=T.Hardswish)
        ]
        layers += [InvertedResidual(cnf, norm_layer) for cnf in setting]
        last_in = setting[-1][3]
        layers.append(Conv2dNormActivation(last_in, 6 * last_in, 1, norm_layer=norm_layer, activation_layer=T.Hardswish))
        self.features = T.Sequential(*layers)
        self.avgpool = T.AdaptiveAvgPool2d(1)
        self.classifier = T.Sequential(
            T.Linear(6 * last_in, last_channel), T.Hardswish(inplace=True), T.Dropout(p=0.2, inplace=True),
            T.Linear(last_channel, num_classes),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))  # type: ignore[no-any-return]


# -- EfficientNet-B0 -------------------------------------------------------------------------


class MBConv(T.Module):
    def __init__(self, expand_ratio: int, kernel: int, stride: int, cin: int, cout: int) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        expanded = _make_divisible(cin * expand_ratio, 8)
        layers: list[T.Module] = []
        if expanded != cin:
            layers.append(Conv2dNormActivation(cin, expanded, 1, activation_layer=T.SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel, stride, groups=expanded, activation_layer=T.SiLU))
        layers.append(SqueezeExcitation(expanded, max(1, cin // 4), activation=partial(T.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cout, 1, activation_layer=None))
        self.block = T.Sequential(*layers)
        self.stochastic_depth = T.Identity()  # torchvision.ops.StochasticDepth: the identity in eval, no parameters

    def forward(self, x: Tensor) -> Tensor:
        result = self.block(x)
        return self.stochastic_depth(result) + x if self.use_res_connect else result  # type: ignore[no-any-return]


class EfficientNetB0(T.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        setting = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
                   (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]  # fmt: skip
        layers: list[T.Module] = [Conv2dNormActivation(3, 32, stride=2, activation_layer=T.SiLU)]
        for expand_ratio, kernel, stride, cin, cout, num_layers in setting:
            stage = [MBConv(expand_ratio, kernel, stride if i == 0 else 1, cin if i == 0 else cout, cout) for i in range(num_layers)]
            layers.append(T.Sequential(*stage))
        layers.append(Conv2dNormActivation(320, 1280, 1, activation_layer=T.SiLU))
        self.features = T.Sequential(*layers)
        self.avgpool = T.AdaptiveAvgPool2d(1)
        self.classifier = T.Sequential(T.Dropout(p=0.2, inplace=True), T.Linear(1280, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))  # type: ignore[no-any-return]


# -- ConvNeXt-T ------------------------------------------------------------------------------


class LayerNorm2d(T.LayerNorm):
    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class Permute(T.Module):
    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: Tensor) -> Tensor:
        return torch.permute(x, self.dims)


class CNBlock(T.Module):
    def __init__(self, dim: int, layer_scale: float = 1e-6) -> None:
        super().__init__()
        self.block = T.Sequential(
            T.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True), Permute([0, 2, 3, 1]),
            T.LayerNorm(dim, eps=1e-6), T.Linear(dim, 4 * dim), T.GELU(), T.Linear(4 * dim, dim), Permute([0, 3, 1, 2]),
        )  # fmt: skip
        self.layer_scale = T.Parameter(torch.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = T.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.stochastic_depth(self.layer_scale * self.block(x)) + x  # type: ignore[no-any-return]


class ConvNeXtTiny(T.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        norm = partial(LayerNorm2d, eps=1e-6)
        layers: list[T.Module] = [Conv2dNormActivation(3, 96, 4, 4, 0, norm_layer=norm, activation_layer=None, bias=True)]
        for cin, cout, n in [(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)]:
            layers.append(T.Sequential(*(CNBlock(cin) for _ in range(n))))
            if cout is not None:
                layers.append(T.Sequential(norm(cin), T.Conv2d(cin, cout, kernel_size=2, stride=2)))
        self.features = T.Sequential(*layers)
        self.avgpool = T.AdaptiveAvgPool2d(1)
        self.classifier = T.Sequential(norm(768), T.Flatten(1), T.Linear(768, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)))  # type: ignore[no-any-return]


# -- GoogLeNet and Inception v3 --------------------------------------------------------------


class BasicConv2d(T.Module):
    def __init__(self, cin: int, cout: int, **kwargs: Any) -> None:
        super().__init__()
        self.conv = T.Conv2d(cin, cout, bias=False, **kwargs)
        self.bn = T.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


class Inception(T.Module):
    def __init__(self, cin: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(cin, ch1x1, kernel_size=1)
        self.branch2 = T.Sequential(BasicConv2d(cin, ch3x3red, kernel_size=1), BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = T.Sequential(BasicConv2d(cin, ch5x5red, kernel_size=1), BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = T.Sequential(T.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), BasicConv2d(cin, pool_proj, kernel_size=1))

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNet(T.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = T.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = T.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = T.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = T.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        self.avgpool = T.AdaptiveAvgPool2d((1, 1))
        self.dropout = T.Dropout(0.2)
        self.fc = T.Linear(1024, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        for name, child in self.named_children():
            if name == "fc":
                x = torch.flatten(x, 1)
            x = child(x)
        return x


class InceptionA(T.Module):
    def __init__(self, cin: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(cin, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([self.branch1x1(x), b5, b3, pool], 1)


class InceptionB(T.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), b3, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(T.Module):
    def __init__(self, cin: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for i in range(1, 6):
            d = getattr(self, f"branch7x7dbl_{i}")(d)
        pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([self.branch1x1(x), b7, d, pool], 1)


class InceptionD(T.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([b3, b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(T.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([self.branch1x1(x), b3, d, pool], 1)


class InceptionAux(T.Module):
    def __init__(self, cin: int, num_classes: int) -> None:
        super().__init__()
        self.conv0 = BasicConv2d(cin, 128, kernel_size=1)
        self.conv1 = BasicConv2d(128, 768, kernel_size=5)
        self.fc = T.Linear(768, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))  # type: ignore[no-any-return]


class Inception3(T.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = T.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.maxpool2 = T.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, c7=128)
        self.Mixed_6c = InceptionC(768, c7=160)
        self.Mixed_6d = InceptionC(768, c7=160)
        self.Mixed_6e = InceptionC(768, c7=192)
        self.AuxLogits = InceptionAux(768, num_classes)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.avgpool = T.AdaptiveAvgPool2d((1, 1))
        self.dropout = T.Dropout(p=0.5)
        self.fc = T.Linear(2048, num_classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """(logits, aux): ``aux`` only in training mode, as torchvision's ``InceptionOutputs``."""
        aux = None
        for name, child in self.named_children():
            if name == "AuxLogits":
                aux = child(x) if self.training else None
                continue
            if name == "fc":
                x = torch.flatten(x, 1)
            x = child(x)
        return x, aux


# -- the comparisons -------------------------------------------------------------------------


def torch_model(factory: Callable[[], T.Module], train: bool = True) -> T.Module:
    with torch.device("meta"):
        return factory().train(train)


def torch_run(model: T.Module, *shape: int) -> tuple[tuple[int, ...], int]:
    """Output shape (the logits) and MACs (``FlopCounterMode`` counts 2 FLOPs per MAC of conv and matmul)."""
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.empty(*shape))
    logits = out[0] if isinstance(out, tuple) else out
    return tuple(logits.shape), counter.get_total_flops() // 2


LEAVES = {"Conv2d": T.Conv2d, "BatchNorm2d": T.BatchNorm2d, "Linear": T.Linear, "LayerNorm": T.LayerNorm}


def torch_leaves(model: T.Module) -> list[tuple[str, int]]:
    return [(name, sum(p.numel() for p in m.parameters())) for m in model.modules()
            for name, kind in LEAVES.items() if isinstance(m, kind)]  # fmt: skip


def our_leaves(module: nn.Module) -> list[tuple[str, int]]:
    """The conv/norm/linear layers in definition order (``children()`` recursively, side branches included)."""
    if type(module).__name__ in LEAVES:
        return [(type(module).__name__, module.parameter_count())]
    return [leaf for _, child in module.children() for leaf in our_leaves(child)]


# name, ours, torch's, train mode for the torch run, published parameters, input shapes, rejected input
MODELS: list[tuple[str, Callable[[], T.Module], bool, int, list[tuple[int, ...]], tuple[int, ...]]] = [
    ("mobilenet_v3_large", lambda: MobileNetV3(V3_LARGE, 1280), True, 5_483_032,
     [(1, 3, 224, 224), (2, 3, 97, 131), (3, 3, 33, 64), (2, 3, 1, 1)], (1, 3, 1, 1)),
    ("mobilenet_v3_small", lambda: MobileNetV3(V3_SMALL, 1024), True, 2_542_856,
     [(1, 3, 224, 224), (2, 3, 97, 131), (2, 3, 5, 2)], (1, 3, 32, 32)),
    ("efficientnet_b0", EfficientNetB0, True, 5_288_548,
     [(1, 3, 224, 224), (2, 3, 97, 131), (3, 3, 33, 64), (2, 3, 1, 1)], (1, 3, 17, 32)),
    ("convnext_tiny", ConvNeXtTiny, True, 28_589_128,
     [(1, 3, 224, 224), (2, 3, 97, 131), (1, 3, 32, 63)], (2, 3, 31, 64)),
    ("googlenet", GoogLeNet, True, 6_624_904,
     [(1, 3, 224, 224), (2, 3, 97, 131), (2, 3, 15, 15)], (2, 3, 14, 64)),
    ("inception_v3", Inception3, False, 27_161_264,
     [(1, 3, 299, 299), (2, 3, 97, 131), (2, 3, 75, 75)], (2, 3, 75, 74)),
]  # fmt: skip
IDS = [m[0] for m in MODELS]


@pytest.mark.parametrize(("name", "factory", "train", "params", "inputs", "rejected"), MODELS, ids=IDS)
def test_params_buffers_and_layers_equal_plain_torch(
    name: str, factory: Callable[[], T.Module], train: bool, params: int, inputs: list[tuple[int, ...]],
    rejected: tuple[int, ...],
) -> None:  # fmt: skip
    ours, theirs = getattr(models, name)(), torch_model(factory)
    assert sc.count_params(ours) == sum(p.numel() for p in theirs.parameters()) == params
    assert sc.count_buffers(ours) == sum(b.numel() for b in theirs.buffers())
    assert our_leaves(ours) == torch_leaves(theirs)  # the same layers in the same order


@pytest.mark.parametrize(("name", "factory", "train", "params", "inputs", "rejected"), MODELS, ids=IDS)
def test_shapes_and_macs_equal_plain_torch(
    name: str, factory: Callable[[], T.Module], train: bool, params: int, inputs: list[tuple[int, ...]],
    rejected: tuple[int, ...],
) -> None:  # fmt: skip
    theirs = torch_model(factory, train)
    for shape in inputs:
        out, macs = torch_run(theirs, *shape)
        ours = getattr(models, name)(shape=shape)
        assert tuple(ours.output_shape) == out
        assert sc.count_macs(ours) == macs
        b, _, h, w = shape
        assert sc.count_macs(getattr(models, name)(), B=b, H=h, W=w) == macs
    with pytest.raises((RuntimeError, ValueError)):
        torch_run(theirs, *rejected)
    with pytest.raises(sc.ShapeError):
        getattr(models, name)(shape=rejected)


def test_convnext_layer_scale_is_a_scale_per_block() -> None:
    theirs = torch_model(ConvNeXtTiny)
    scales = [m.layer_scale.numel() for m in theirs.modules() if isinstance(m, CNBlock)]

    def walk(module: nn.Module) -> list[int]:
        here = [module.parameter_count()] if isinstance(module, nn.Scale) else []
        return here + [n for _, child in module.children() for n in walk(child)]

    assert walk(models.convnext_tiny()) == scales and sum(scales) == 3 * 96 + 3 * 192 + 9 * 384 + 3 * 768


def test_inception_v3_aux_head_counts_parameters_not_macs() -> None:
    theirs = torch_model(Inception3)
    assert isinstance(theirs, Inception3)
    aux = sum(p.numel() for p in theirs.AuxLogits.parameters())
    assert aux == 3_326_696
    with_aux, without = models.inception_v3(shape=(1, 3, 299, 299)), models.inception_v3(aux_logits=False, shape=(1, 3, 299, 299))
    assert sc.count_params(with_aux) - sc.count_params(without) == aux
    assert sc.count_macs(with_aux) == sc.count_macs(without) == torch_run(theirs.eval(), 1, 3, 299, 299)[1]
    row = next(r for r in sc.summary(with_aux).rows if r.path == "AuxLogits")
    assert (row.params, row.macs, tuple(row.output)) == (aux, 0, (1, 768, 17, 17))


def test_inception_v3_aux_head_needs_299_in_training() -> None:
    """In training torch runs the aux head, which needs inputs of 299x299 and up; eval accepts 75x75."""
    theirs = torch_model(Inception3)
    torch_run(theirs, 2, 3, 299, 299)
    with pytest.raises(RuntimeError):
        torch_run(theirs, 2, 3, 298, 299)
    torch_run(theirs.eval(), 2, 3, 75, 75)
    ours = models.inception_v3()
    names = [name for name, _ in ours.children()]
    aux = ours["AuxLogits"]
    assert isinstance(aux, TrainingOnly)
    training = nn.Sequential(nn.Input("B", 3, "H", "W"), *list(ours)[: names.index("AuxLogits")], aux.branch)
    assert {"H >= 299", "W >= 299"} <= set(training.conditions)
    assert {"H >= 75", "W >= 75"} <= set(ours.conditions) and "H >= 299" not in ours.conditions


def test_googlenet_aux_heads_are_training_only() -> None:
    plain, aux = models.googlenet(shape=(1, 3, 224, 224)), models.googlenet(aux_logits=True, shape=(1, 3, 224, 224))
    per_head = 128 * 512 + 2 * 128 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000
    assert sc.count_params(aux) - sc.count_params(plain) == 2 * per_head + 128 * 16  # aux2 sees 528 channels
    assert sc.count_macs(aux) == sc.count_macs(plain)
    assert models.googlenet(aux_logits=True).conditions == models.googlenet().conditions


def test_training_only_checks_channels_not_sizes() -> None:
    """A wrong width inside the side branch is an error located there; sizes it would need are not imposed."""
    base = (nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 64, 3))
    big = TrainingOnly(nn.Sequential(nn.Conv2d(64, 8, kernel_size=50), nn.Flatten(1), nn.Linear(8, 10)))
    model = nn.Sequential(*base, big, nn.Conv2d(64, 4, 1))
    assert model.conditions == ["H >= 3", "W >= 3"]
    assert str(model.output_shape) == "(B, 4, H - 2, W - 2)"
    assert sc.count_params(model) == 3 * 64 * 9 + 64 + (64 * 8 * 2500 + 8) + (8 * 10 + 10) + 64 * 4 + 4
    assert sc.count_macs(model.with_input(1, 3, 60, 60)) == 58 * 58 * (64 * 27 + 4 * 64)
    with pytest.raises(sc.ShapeError, match="expects 32 input channels, got 64") as info:
        nn.Sequential(*base, TrainingOnly(nn.Sequential(nn.Conv2d(32, 8, 1))))
    assert info.value.path == "1.branch.0"
