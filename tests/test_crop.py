"""Crops (issue 12, item 2): ``CenterCrop`` to a target and ``Concat(..., crop=True)`` to match a skip, as
U-Net crops; torch is the oracle (``to_torch`` gives the same shapes, and fails where shapecheck refuses)."""

from __future__ import annotations

import pytest

import shapecheck as sc
from shapecheck import nn

torch = pytest.importorskip("torch")


def test_center_crop_to_a_target() -> None:
    model = nn.Sequential(nn.Input("B", 3, 68, 70), nn.CenterCrop(64, 64))
    assert model.output_shape == (model.output_shape[0], 3, 64, 64)
    x = torch.arange(68 * 70, dtype=torch.float).reshape(1, 1, 68, 70).expand(2, 3, 68, 70)
    y = sc.to_torch(model)(x)
    assert tuple(y.shape) == (2, 3, 64, 64) and torch.equal(y, x[..., 2:66, 3:67])


def test_a_symbolic_crop_and_its_condition() -> None:
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.CenterCrop("H - 4", 32))
    assert str(model.output_shape) == "(B, 3, H - 4, 32)"
    assert model.conditions == ["H >= 5", "W >= 32"]
    assert tuple(sc.to_torch(model)(torch.zeros(1, 3, 10, 40)).shape) == (1, 3, 6, 32)


def test_a_crop_larger_than_its_input_is_refused() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 60, 60), nn.CenterCrop(64, 64))
    assert "CenterCrop: cannot crop 60 to 64" in str(info.value)


def test_concat_crops_the_skip_to_the_upsampled_path() -> None:
    up = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.ConvTranspose2d(8, 4, 2, stride=2))
    model = nn.Sequential(nn.Input("B", 4, "H", "W"), nn.Concat(nn.Identity(), up, crop=True))
    assert str(model.output_shape) == "(B, 8, 2*(H//2) - 4, 2*(W//2) - 4)"
    assert model.conditions == ["H >= 6", "W >= 6"]  # the skip is always large enough: no condition of its own
    net = sc.to_torch(model)
    for h, w in [(6, 6), (17, 24)]:
        assert tuple(net(torch.zeros(1, 4, h, w)).shape) == (1, 8, 2 * (h // 2) - 4, 2 * (w // 2) - 4)
    with pytest.raises(sc.ShapeError, match="Concat: sizes must match except in dim 1"):
        nn.Sequential(nn.Input("B", 4, "H", "W"), nn.Concat(nn.Identity(), up))
