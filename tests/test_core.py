"""Sequential, Input, the checker's decisions and what errors say."""

from __future__ import annotations

import inspect

import pytest

import shapecheck as sc
from shapecheck import nn


def _vgg_trunk() -> list[nn.Module]:
    layers: list[nn.Module] = []
    c = 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            assert isinstance(v, int)
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return layers


def test_output_shape_is_tuple_like() -> None:
    model = nn.Sequential(nn.Input(8, 3, 224, 224), *_vgg_trunk(), nn.Flatten(), nn.Linear(25088, 1000))
    assert tuple(model.output_shape) == (8, 1000)
    assert model.output_shape == (8, 1000)
    assert tuple(model.input_shape) == (8, 3, 224, 224)
    assert len(model) == 33 and isinstance(model[0], nn.Conv2d)


def test_cifar_mistake_is_located_derived_and_fixed() -> None:
    trunk = _vgg_trunk()
    line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    bad = nn.Linear(512 * 7 * 7, 4096)
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 32, 32), *trunk, nn.Flatten(), bad)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.position == 32 and err.path == "32"
    assert err.location is not None and err.location.endswith(f"test_core.py:{line}")
    text = str(err)
    assert "[32] Linear(in_features=25088, out_features=4096, bias=True)" in text
    assert "expects 25088 input features, got 512" in text
    assert "512 = 512*1*1 by [31] Flatten" in text and "(B, 512, 1, 1)" in text
    assert "Linear(512, 4096)" in text
    assert "AdaptiveAvgPool2d((7, 7)) before [31] Flatten" in text
    assert "an input of 224x224" in text


def test_symbolic_mismatch_states_the_condition_and_a_counterexample() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, "H", "W"), *_vgg_trunk(), nn.Flatten(), nn.Linear(25088, 10))
    err = info.value
    assert err.actual == "512*(H//32)*(W//32)"
    assert err.holds_when == "(H//32)*(W//32) == 49"
    assert err.witness is not None
    assert 512 * (err.witness["H"] // 32) * (err.witness["W"] // 32) != 25088


def test_symbolic_model_records_input_conditions() -> None:
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), *_vgg_trunk(), nn.Flatten())
    assert model.conditions == ["H >= 32", "W >= 32"]
    assert str(model.output_shape) == "(B, 512*(H//32)*(W//32))"
    unpadded = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 7))
    assert unpadded.conditions == ["H >= 7", "W >= 7"]
    assert str(unpadded.output_shape) == "(B, 8, H - 6, W - 6)"


def test_concrete_input_too_small_is_an_error() -> None:
    with pytest.raises(sc.ShapeError, match="Conv2d") as info:
        nn.Sequential(nn.Input(1, 3, 5, 5), nn.Conv2d(3, 8, 7))
    assert info.value.position == 0


def test_chain_without_input_checks_neighbours_and_stays_silent_otherwise() -> None:
    with pytest.raises(sc.ShapeError, match="expects 32 input channels, got 64"):
        nn.Sequential(nn.Conv2d(3, 64, 3), nn.ReLU(), nn.Conv2d(32, 64, 3))
    model = nn.Sequential(nn.Conv2d(3, 64, 3), nn.Flatten(), nn.Linear(12345, 10))  # unknown spatial size: silent
    assert str(model.output_shape) == "(...)" or model.output_shape.prefix
    with pytest.raises(sc.ShapeError, match="expects 12345 input features"):
        model.with_input("B", 3, 32, 32)
    checked = nn.Sequential(nn.Conv2d(3, 64, 3), nn.Flatten(), nn.Linear(64 * 30 * 30, 10)).with_input("B", 3, 32, 32)
    assert tuple(checked.output_shape)[1:] == (10,)


def test_nested_sequential_paths() -> None:
    from collections import OrderedDict

    model = nn.Sequential(
        OrderedDict(
            features=nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()),
            head=nn.Sequential(nn.Flatten(), nn.Linear(8 * 6 * 6, 10)),
        )
    ).with_input("B", 3, 8, 8)
    assert [s.path for s in model.steps] == ["features.0", "features.1", "head.0", "head.1"]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(
            OrderedDict(features=nn.Sequential(nn.Conv2d(3, 8, 3)), head=nn.Sequential(nn.Flatten(), nn.Linear(7, 10)))
        ).with_input("B", 3, 8, 8)
    assert info.value.path == "head.1" and info.value.position == 2


def test_counts_fold_over_the_chain() -> None:
    model = nn.Sequential(nn.Input("B", 3, 224, 224), *_vgg_trunk(), nn.Flatten(), nn.Linear(25088, 4096))
    assert sc.count_params(model) == 14714688 + 102764544
    macs = sc.count_macs(model)
    assert str(macs).endswith("*B")
    assert sc.count_macs(model, B=2) == 2 * sc.count_macs(model, B=1)  # type: ignore[operator]
    with pytest.raises(ValueError, match="cannot bind H"):
        sc.count_macs(model, H=3)
    with pytest.raises(ValueError, match="needs the input shape"):
        sc.count_macs(nn.Sequential(nn.Linear(3, 4)))


def test_summary_renders_totals_and_conditions() -> None:
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), *_vgg_trunk())
    text = str(sc.summary(model, B=1))
    assert "Total params:          14,714,688" in text
    assert "H >= 32, W >= 32" in text
    assert "(1, 512, H//32, W//32)" in text


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ValueError, match="Conv2d: kernel_size must be positive, got 0"):
        nn.Conv2d(3, 8, 0)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="padding should be at most half"):
        nn.MaxPool2d(2, padding=2)
    with pytest.raises(TypeError, match="must be a shapecheck.nn layer"):
        nn.Sequential(nn.ReLU(), 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="symbol name"):
        nn.Input(1.5)  # type: ignore[arg-type]


def test_input_in_the_middle_asserts() -> None:
    nn.Sequential(nn.Input("B", 3, 8, 8), nn.Conv2d(3, 4, 1), nn.Input("B", 4, 8, 8))
    with pytest.raises(sc.ShapeError, match="dim 1"):
        nn.Sequential(nn.Input("B", 3, 8, 8), nn.Conv2d(3, 4, 1), nn.Input("B", 5, 8, 8))


def test_linear_on_an_unflattened_map_proposes_flatten_first() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 32, 32), nn.Conv2d(3, 8, 3), nn.Linear(8 * 30 * 30, 10))
    err = info.value
    assert (err.expected, err.actual) == ("7200", "30")
    assert err.fixes == ["Flatten() before it: (B, 8, 30, 30) flattens to (B, 7200)"]  # not Linear(30, 10) over W
    with pytest.raises(sc.ShapeError) as info:  # a sequence (B, 4, 8): a Linear over the last dim may be meant
        nn.Sequential(nn.Input("B", 4, 8), nn.Linear(32, 10))
    assert info.value.fixes == ["Flatten() before it: (B, 4, 8) flattens to (B, 32)", "Linear(8, 10)"]


def test_kernel_larger_than_the_padded_input_reads_as_sizes() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(1, 3, 5, 9), nn.Conv2d(3, 16, (3, 7), padding=(0, 0)), nn.Conv2d(16, 4, 7, padding=1))
    err = info.value
    assert err.position == 1
    assert "input H 3 padded by 2 is smaller than the kernel (7)" in str(err)
    assert (err.expected, err.actual) == (">= 7", "5")


def test_summary_depth_totals_blocks() -> None:
    from shapecheck import models

    model = models.resnet50(shape=(1, 3, 224, 224))
    flat, blocks = sc.summary(model), sc.summary(model, depth=2)
    assert len(flat.rows) == len(model.steps) and len(blocks.rows) == 4 + 16 + 3
    block = next(r for r in blocks.rows if r.path == "layer3.0")
    inside = [r for r in flat.rows if r.path.startswith("layer3.0.")]
    assert (block.position, block.last) == (inside[0].position, inside[-1].position)
    assert block.params == sum(r.params for r in inside) == sc.count_params(model.children()[6][1][0])  # type: ignore[index]
    assert block.output == inside[-1].output == (1, 1024, 14, 14)
    assert sum(r.params for r in blocks.rows) == blocks.params == 25_557_032
    assert sum(r.macs for r in blocks.rows) == blocks.macs  # type: ignore[misc]
    assert "[83-94] Sequential (12 layers)" in str(blocks)
    with pytest.raises(ValueError, match="depth must be a positive int"):
        sc.summary(model, depth=0)


def test_bindings_must_meet_the_input_conditions_and_decide_them() -> None:
    from shapecheck import models

    model = models.vgg16()
    assert model.conditions == ["H >= 32", "W >= 32"]
    with pytest.raises(ValueError, match=r"cannot bind B=1, H=16, W=224: the model's input must satisfy H >= 32"):
        sc.count_macs(model, B=1, H=16, W=224)
    assert sc.summary(model, B=1, H=224, W=224).conditions == []
    assert sc.summary(model, H=64).conditions == ["W >= 32"]
    assert sc.count_macs(model, B=1, H=224, W=224) == 15_470_264_320


def test_every_public_name_loads_on_first_use() -> None:
    """``shapecheck`` imports its names lazily (the mypy plugin must not pay for them): each one in
    ``__all__`` resolves, to the object its home module defines, and is listed by ``dir``."""
    import importlib

    names = set(sc.__all__) - {"__version__"}
    assert names == set(sc._HOMES) and names <= set(dir(sc))
    for name in sorted(names - {"to_torch", "from_torch"}):  # those import torch: tested in test_bridge
        home = sc._HOMES[name]
        expected = importlib.import_module(f"{home}.{name}") if home == "shapecheck" else getattr(importlib.import_module(home), name)
        assert getattr(sc, name) is expected
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sc.nope  # noqa: B018
