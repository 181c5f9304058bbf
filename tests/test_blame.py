"""Blame the producer (issue 12, item 6): when a layer's output disagrees with the layers after it and one edit of
that layer makes the whole model check, the error says so and offers that fix first. torch is the oracle:
the proposed fix runs, the model as written does not."""

from __future__ import annotations

import pytest

import shapecheck as sc
from shapecheck import nn

torch = pytest.importorskip("torch")


def dcgan(second: int = 256) -> list[nn.Module]:
    """DCGAN's generator; ``second`` is the out_channels of its second ConvTranspose2d (256 in the paper)."""
    return [
        nn.ConvTranspose2d(100, 512, 4, 1, 0, bias=False),
        nn.BatchNorm2d(512),
        nn.ReLU(True),
        nn.ConvTranspose2d(512, second, 4, 2, 1, bias=False),
        nn.BatchNorm2d(256),
        nn.ReLU(True),
        nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False),
        nn.BatchNorm2d(128),
        nn.ReLU(True),
        nn.ConvTranspose2d(128, 3, 4, 2, 1, bias=False),
        nn.Tanh(),
    ]


def test_the_producer_is_blamed_and_its_fix_comes_first() -> None:
    layers = dcgan(second=128)
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 100, 1, 1), *layers)
    err = info.value
    assert err.position == 4  # still reported where it fails
    assert err.cause == (
        "[3] ConvTranspose2d(512, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False) produces 128 channels; "
        "the next 2 layers expect 256"
    )
    assert err.fixes[0].startswith("ConvTranspose2d(512, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False) at [3] ConvTranspose2d (")
    assert err.fixes[1] == "BatchNorm2d(128)"
    assert "  cause: [3] ConvTranspose2d(512, 128" in str(err)
    assert layers[3].out_channels == 128  # the re-check left the model as it was
    fixed = sc.to_torch(nn.Sequential(nn.Input("B", 100, 1, 1), *dcgan()))
    assert tuple(fixed(torch.zeros(2, 100, 1, 1)).shape) == (2, 3, 32, 32)
    with pytest.raises(RuntimeError):  # as written, torch fails too
        torch.nn.Sequential(torch.nn.ConvTranspose2d(512, 128, 4, 2, 1), torch.nn.BatchNorm2d(256))(torch.zeros(2, 512, 4, 4))


def test_no_blame_when_the_consumer_is_the_odd_one_out() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 8, 8), nn.Conv2d(3, 64, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(64, 8, 3))
    assert info.value.cause is None
    assert info.value.fixes == ["BatchNorm2d(64)"]


def test_a_linear_producer_of_features() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 32), nn.Linear(32, 60), nn.ReLU(), nn.LayerNorm(64), nn.Linear(64, 10))
    assert info.value.cause == "[0] Linear(in_features=32, out_features=60, bias=True) produces 60 features; the next 2 layers expect 64"
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 32), nn.Linear(32, 60), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    assert info.value.cause == "[0] Linear(in_features=32, out_features=60, bias=True) produces 60 features; the next 2 layers expect 64"
    assert info.value.fixes[0].startswith("Linear(in_features=32, out_features=64, bias=True) at [0] Linear")
