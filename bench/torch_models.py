"""The benchmark's models in plain ``torch.nn``, as torchvision writes them (torchvision itself is not installed).

VGG16, ResNet-50 and ViT-B/16 follow ``torchvision.models``; ``chain`` mirrors ``bench_core.chain``.
Used by ``run_all.py`` for the meta-device and torchinfo rows and by ``pyrefly check``.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch import nn as T

VGG16_CFG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16() -> T.Module:
    layers: list[T.Module] = []
    channels = 3
    for v in VGG16_CFG:
        if isinstance(v, str):
            layers.append(T.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [T.Conv2d(channels, v, kernel_size=3, padding=1), T.ReLU(inplace=True)]
            channels = v
    return T.Sequential(
        T.Sequential(*layers),
        T.AdaptiveAvgPool2d((7, 7)),
        T.Flatten(1),
        T.Sequential(
            T.Linear(512 * 7 * 7, 4096), T.ReLU(True), T.Dropout(p=0.5),
            T.Linear(4096, 4096), T.ReLU(True), T.Dropout(p=0.5),
            T.Linear(4096, 1000),
        ),
    )  # fmt: skip


class Bottleneck(T.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: T.Module | None = None) -> None:
        super().__init__()
        self.conv1 = T.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = T.BatchNorm2d(planes)
        self.conv2 = T.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = T.BatchNorm2d(planes)
        self.conv3 = T.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = T.BatchNorm2d(planes * 4)
        self.relu = T.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet50(T.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = T.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = T.BatchNorm2d(64)
        self.relu = T.ReLU(inplace=True)
        self.maxpool = T.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, 3)
        self.layer2 = self._make_layer(128, 4, stride=2)
        self.layer3 = self._make_layer(256, 6, stride=2)
        self.layer4 = self._make_layer(512, 3, stride=2)
        self.avgpool = T.AdaptiveAvgPool2d((1, 1))
        self.fc = T.Linear(2048, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> T.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = T.Sequential(
                T.Conv2d(self.inplanes, planes * 4, kernel_size=1, stride=stride, bias=False), T.BatchNorm2d(planes * 4)
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return T.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class EncoderBlock(T.Module):
    def __init__(self, hidden: int, heads: int, mlp: int) -> None:
        super().__init__()
        self.ln_1 = T.LayerNorm(hidden, eps=1e-6)
        self.self_attention = T.MultiheadAttention(hidden, heads, batch_first=True)
        self.dropout = T.Dropout(0.0)
        self.ln_2 = T.LayerNorm(hidden, eps=1e-6)
        self.mlp = T.Sequential(T.Linear(hidden, mlp), T.GELU(), T.Dropout(0.0), T.Linear(mlp, hidden), T.Dropout(0.0))

    def forward(self, x: Tensor) -> Tensor:
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + self.dropout(y)
        return x + self.mlp(self.ln_2(x))


class ViTB16(T.Module):
    def __init__(self, num_classes: int = 1000, hidden: int = 768) -> None:
        super().__init__()
        self.hidden = hidden
        self.conv_proj = T.Conv2d(3, hidden, kernel_size=16, stride=16)
        self.class_token = T.Parameter(torch.zeros(1, 1, hidden))
        self.pos_embedding = T.Parameter(torch.empty(1, 197, hidden).normal_(std=0.02))
        self.layers = T.Sequential(*(EncoderBlock(hidden, 12, 3072) for _ in range(12)))
        self.ln = T.LayerNorm(hidden, eps=1e-6)
        self.head = T.Linear(hidden, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[0]
        x = self.conv_proj(x).reshape(n, self.hidden, -1).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1) + self.pos_embedding
        x = self.ln(self.layers(x))
        return self.head(x[:, 0])


def chain(depth: int, channels: int = 8) -> T.Module:
    """``bench_core.chain`` in torch.nn: 4 x (Conv2d 3x3 + ReLU), MaxPool2d(2), ConvTranspose2d(2, stride 2), repeated."""
    unit = [
        *[lambda: T.Conv2d(channels, channels, 3, padding=1), lambda: T.ReLU()] * 4,
        lambda: T.MaxPool2d(2),
        lambda: T.ConvTranspose2d(channels, channels, 2, stride=2),
    ]
    return T.Sequential(*(unit[i % len(unit)]() for i in range(depth)))
