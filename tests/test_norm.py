"""Normalization layers: what their errors say, and the corners the differential test does not draw
(``bias=False``, ``affine=False`` group norm, eps, empty ``normalized_shape``), each checked against torch.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import nn

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")


def _torch_accepts(layer: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> bool:
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(torch.nn, layer)(*args, **kwargs)(torch.empty(shape))
        except Exception:
            return False
    return True


def _ours_accepts(layer: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> bool:
    try:
        nn.Sequential(nn.Input(*shape), getattr(nn, layer)(*args, **kwargs))
    except (sc.ShapeError, ValueError):
        return False
    return True


def test_batchnorm_after_a_conv_with_other_channels_names_layer_sizes_and_fix() -> None:
    line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 32, 32), nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64))
    err = info.value
    assert err.position == 2 and err.kind == "channels"
    assert err.location is not None and err.location.endswith(f"test_norm.py:{line}")
    text = str(err)
    assert text.startswith("[2] BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)")
    assert "BatchNorm2d expects 64 channels (dim 1), got 32" in text
    assert "by [0] Conv2d(3, 32," in text  # how the 32 came about
    assert err.fixes[0] == "BatchNorm2d(32)"


def test_fix_keeps_the_non_default_arguments() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Conv1d(3, 16, 3), nn.InstanceNorm1d(8, affine=True, eps=1e-3))
    assert info.value.fixes == ["InstanceNorm1d(16, eps=0.001, affine=True)"]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(2, 6, 5), nn.GroupNorm(2, 4, bias=False))
    assert info.value.fixes == ["GroupNorm(2, 6, bias=False)"]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(2, 3, 5), nn.LayerNorm([4, 5], elementwise_affine=False))
    assert "dim -2 is 3, not 4" in str(info.value)
    assert info.value.fixes == ["LayerNorm((3, 5), elementwise_affine=False)"]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Linear(4, 6), nn.RMSNorm(4, eps=1e-6))
    assert info.value.fixes == ["RMSNorm(6, eps=1e-06)"]


def test_training_mode_rule_concrete_and_symbolic() -> None:
    with pytest.raises(sc.ShapeError, match="more than 1 value per channel when training"):
        nn.Sequential(nn.Input(1, 8), nn.BatchNorm1d(8))
    nn.Sequential(nn.Input(0, 8), nn.BatchNorm1d(8))  # an empty batch passes in torch too
    assert nn.Sequential(nn.Input("B", 8), nn.BatchNorm1d(8)).conditions == ["B >= 2"]
    assert nn.Sequential(nn.Input("B", 8, 7, 7), nn.BatchNorm2d(8)).conditions == []
    assert nn.Sequential(nn.Input("B", 8, "L"), nn.GroupNorm(8, 8)).conditions == ["B*L >= 2"]
    assert nn.Sequential(nn.Input("B", 8, "L"), nn.InstanceNorm1d(8)).conditions == ["L >= 2"]
    # a factor that may be 0 (a cropping pad) keeps 0 allowed: torch accepts a product of 0
    model = nn.Sequential(nn.Input(1, 8, "L"), nn.ZeroPad1d(-1), nn.InstanceNorm1d(8))
    assert model.conditions == ["L >= 2", "-6*L + L*L + 8 >= 0"]  # (L - 2)*(L - 4) >= 0: L - 2 != 1
    for length in range(1, 8):
        ours = all(eval(c, {}, {"L": length}) for c in model.conditions)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                torch.nn.Sequential(torch.nn.ZeroPad1d(-1), torch.nn.InstanceNorm1d(8))(torch.zeros(1, 8, length))
                theirs = True
            except (RuntimeError, ValueError):
                theirs = False
        assert ours == theirs, length


@pytest.mark.parametrize(
    ("layer", "args", "kwargs", "shape"),
    [
        ("BatchNorm2d", (4,), {"affine": False, "track_running_stats": False}, (2, 3, 2, 2)),  # no tensor of size 4
        ("BatchNorm2d", (4,), {"affine": False}, (2, 3, 2, 2)),
        ("BatchNorm1d", (3,), {"eps": 0.0}, (2, 3)),  # training mode
        ("InstanceNorm1d", (3,), {"eps": 0.0}, (2, 3, 2)),
        ("InstanceNorm2d", (4,), {}, (2, 3, 2, 2)),  # torch only warns
        ("InstanceNorm2d", (4,), {"track_running_stats": True}, (3, 2, 2)),
        ("InstanceNorm1d", (3,), {}, (3, 1)),
        ("GroupNorm", (2, 4), {"affine": False}, (2, 6, 3)),
        ("GroupNorm", (2, 4), {"affine": False}, (2, 5, 3)),
        ("GroupNorm", (2, 4), {}, (2, 6, 3)),
        ("GroupNorm", (4, 4), {}, (1, 4, 1)),
        ("GroupNorm", (2, 4), {}, (4,)),
        ("LayerNorm", ([],), {}, (2, 3)),
        ("LayerNorm", (4,), {"elementwise_affine": False}, (2, 3)),
        ("RMSNorm", ([2, 3],), {}, (3,)),
        ("RMSNorm", ([2, 3],), {}, (4, 2, 3)),
        ("LocalResponseNorm", (2,), {}, (3, 4)),
        ("LocalResponseNorm", (0,), {}, (2, 3, 4)),
    ],
)
def test_accepts_exactly_what_torch_accepts(
    layer: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]
) -> None:
    assert _ours_accepts(layer, args, kwargs, shape) == _torch_accepts(layer, args, kwargs, shape)


@pytest.mark.parametrize(
    ("layer", "args", "kwargs"),
    [
        ("BatchNorm1d", (5,), {"bias": False}),
        ("BatchNorm3d", (5,), {"momentum": None, "track_running_stats": False}),
        ("InstanceNorm3d", (5,), {"affine": True, "bias": False, "track_running_stats": True}),
        ("GroupNorm", (2, 6), {"bias": False}),
        ("GroupNorm", (3, 6), {"affine": False, "eps": 1e-3}),
        ("LayerNorm", ((2, 3),), {"bias": False}),
        ("LayerNorm", ([],), {}),
        ("RMSNorm", (7,), {"eps": 1e-6, "elementwise_affine": False}),
        ("LocalResponseNorm", (3,), {"alpha": 1, "k": 2}),
    ],
)
def test_counts_and_repr_equal_torch(layer: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    ours = getattr(nn, layer)(*args, **kwargs)
    with torch.device("meta"):
        theirs = getattr(torch.nn, layer)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters())
    assert ours.buffer_count() == sum(b.numel() for b in theirs.buffers())


def test_signatures_equal_torch() -> None:
    for name in nn.norm.__all__:
        ours = inspect.signature(getattr(nn, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
        assert [(p.name, p.kind, p.default) for p in ours.values()] == [
            (p.name, p.kind, p.default) for p in theirs.values()
        ], name


def test_unknown_leading_dims_stay_silent_where_dim_1_is_ambiguous() -> None:
    nn.Sequential(nn.Conv1d(3, 16, 3), nn.BatchNorm1d(8))  # (C, L) unbatched makes L the channels
    nn.Sequential(nn.Conv2d(3, 16, 3), nn.GroupNorm(4, 8))
    with pytest.raises(sc.ShapeError, match="expects 8 channels"):
        nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(8))
