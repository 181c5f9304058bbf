"""The benchmark's models in plain ``torch.nn``, as torchvision writes them (torchvision itself is not installed).

VGG16 and ResNet-50 are the test suite's torch references; ViT-B/16 follows ``torchvision.models``;
``chain`` mirrors ``bench_core.chain``. Used by ``run_all.py`` for the meta-device and torchinfo rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import Tensor
from torch import nn as T

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_counts import CFGS, vgg  # noqa: E402
from tests.test_zoo import ResNet  # noqa: E402



def vgg16() -> T.Module:
    """torchvision's VGG16: the reference the counting tests build (tests/test_counts.py)."""
    return vgg(T, CFGS["vgg16"], batch_norm=False)  # type: ignore[no-any-return]


def ResNet50() -> T.Module:
    """torchvision's ResNet-50: the reference the zoo tests build (tests/test_zoo.py)."""
    return ResNet([3, 4, 6, 3])


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
