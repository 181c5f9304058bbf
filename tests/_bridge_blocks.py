"""Blocks that tests/test_bridge_source.py builds its models from: a custom module in another file
than the model, with a helper function and a constant imported from a third place (this file's own)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

POOL = 2


def downsample(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, POOL)


class ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int, norm: int | None = None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = nn.BatchNorm2d(norm or cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return downsample(F.relu(self.norm(self.conv(x))))
