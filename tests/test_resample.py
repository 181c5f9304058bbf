"""Resampling, Embedding, Unflatten and Bilinear: what their errors say, symbolic output sizes, and the
corners the differential test does not draw, each checked against torch 2.13.
"""

from __future__ import annotations

import random
import warnings
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import nn
from shapecheck.checker import Checker
from shapecheck.dims import as_dim, evaluate, is_unknown
from shapecheck.rules.resample import scaled_size

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")


def _torch(layer: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...], dtype: torch.dtype = torch.float32) -> tuple[int, ...] | None:
    """Torch's output shape on CPU (the real kernels), or None when it rejects the layer or the input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return tuple(getattr(torch.nn, layer)(*args, **kwargs)(torch.zeros(shape, dtype=dtype)).shape)
        except Exception:
            return None


def _ours(layer: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(nn.Sequential(nn.Input(*shape), getattr(nn, layer)(*args, **kwargs)).output_shape)  # type: ignore[arg-type]
    except (sc.ShapeError, ValueError, TypeError):
        return None


# -- error messages ------------------------------------------------------------------------------


def test_pixel_shuffle_on_channels_not_divisible_names_layer_rule_and_fix() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 16, 16), nn.Conv2d(3, 6, 3, padding=1), nn.PixelShuffle(2))
    err = info.value
    text = str(err)
    assert err.position == 1 and err.kind == "channels"
    assert text.startswith("[1] PixelShuffle(upscale_factor=2)")
    assert "divisible by upscale_factor**2 = 4, got 6" in text
    assert "by [0] Conv2d(3, 6," in text  # how the 6 came about
    assert err.fixes == ["make the channels a multiple of 4: 4 or 8 (the layer before)"]
    assert _torch("PixelShuffle", (2,), {}, (1, 6, 16, 16)) is None


def test_pixel_shuffle_on_symbolic_channels_gives_a_witness_torch_rejects() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "C", 8, 8), nn.PixelShuffle(3))
    err = info.value
    assert err.witness is not None and err.witness["C"] % 9
    assert "holds only when C - 9*(C//9) == 0" in str(err)
    assert _torch("PixelShuffle", (3,), {}, (1, err.witness["C"], 8, 8)) is None
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 36, 1), nn.PixelShuffle(3))
    assert str(model.output_shape) == "(B, 4, 3*H, 3*W)"


def test_pixel_unshuffle_names_the_axis_and_proposes_factors() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(1, 2, 8, 6), nn.PixelUnshuffle(4))
    text = str(info.value)
    assert "PixelUnshuffle(4) needs the width (dim -1) divisible by downscale_factor 4, got 6" in text
    assert info.value.fixes[0] == "PixelUnshuffle(2)"
    model = nn.Sequential(nn.Input("B", 2, "H", "W"), nn.Upsample(scale_factor=4), nn.PixelUnshuffle(2))
    assert str(model.output_shape) == "(B, 8, 2*H, 2*W)"


def test_channel_shuffle_needs_groups_dividing_channels() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(2, 6, 5), nn.ChannelShuffle(4))
    assert "ChannelShuffle(4) needs channels (dim 1) divisible by groups 4, got 6" in str(info.value)
    assert info.value.fixes == ["ChannelShuffle(3)", "ChannelShuffle(2)"]


def test_upsample_rank_and_argument_errors() -> None:
    with pytest.raises(sc.ShapeError, match=r"Upsample in mode 'bilinear' expects a 4D input \(N, C, \*spatial\), got a 3D input"):
        nn.Sequential(nn.Input(1, 2, 8), nn.Upsample(scale_factor=2, mode="bilinear"))
    with pytest.raises(sc.ShapeError, match=r"size has 2 entries but the input \(1, 2, 8\) has 1 spatial dims"):
        nn.Sequential(nn.Input(1, 2, 8), nn.Upsample(size=(4, 4)))
    with pytest.raises(sc.ShapeError, match=r"output W would be 0, needs >= 1"):
        nn.Sequential(nn.Input(1, 2, 3), nn.Upsample(scale_factor=0.3))
    for kwargs in ({"size": 4, "scale_factor": 2}, {}, {"scale_factor": 2, "align_corners": True}, {"scale_factor": 2, "mode": "cubic"}):
        with pytest.raises(ValueError):
            nn.Upsample(**kwargs)  # type: ignore[arg-type]
        assert _torch("Upsample", (), kwargs, (1, 2, 4, 4)) is None


def test_unflatten_product_error_and_fix() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3136), nn.Unflatten(1, (64, 7, 8)))
    assert "Unflatten: sizes [64, 7, 8] don't multiply up to the size of dim 1 (3136)" in str(info.value)
    assert info.value.fixes == ["Unflatten(1, (56, 7, 8))"]
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Flatten(), nn.Unflatten(-1, (3, -1)))
    assert str(model.output_shape) == "(B, 3, H*W)"
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "L"), nn.Unflatten(1, (4, -1)))
    assert info.value.witness is not None and info.value.witness["L"] % 4


def test_bilinear_counts_parameters_and_refuses_a_chain() -> None:
    for args in ((3, 4, 5), (3, 4, 5, False), (2, 0, 7)):
        ours = nn.Bilinear(*args)  # type: ignore[arg-type]
        theirs = torch.nn.Bilinear(*args, device="meta")  # type: ignore[arg-type]
        assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters())
        assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError):
        nn.Bilinear(0, 3, 4)
    with pytest.raises(sc.ShapeError, match="Bilinear needs two inputs") as info:
        nn.Sequential(nn.Input("B", 3), nn.Bilinear(3, 4, 5))
    assert info.value.fixes[1].startswith("Linear(3, 5)")


# -- symbolic output sizes -----------------------------------------------------------------------


def test_scaled_size_is_torch_double_math_or_unknown() -> None:
    """``int(h * scale)`` exactly, for every drawn h, or an unknown dim: never a wrong value."""
    rng = random.Random(0)
    h = as_dim("H")
    scales = [2.0, 0.5, 1.5, 0.3, 1.7, 2.5, 0.7, 1 / 3, 0.1, 1.1, 7.3, -0.5, 0.0]
    scales += [round(rng.uniform(0.01, 8), rng.randint(1, 3)) for _ in range(40)] + [rng.uniform(0.01, 8) for _ in range(10)]
    exact = 0
    for s in scales:
        out = scaled_size(h, s)
        assert out is not None
        if is_unknown(out):
            continue
        exact += 1
        for v in [*range(2000), *(rng.randint(1, 10**7) for _ in range(2000))]:
            assert evaluate(out, {"H": v}) == int(float(v) * s), (s, v, out)
    assert exact >= 45
    assert is_unknown(scaled_size(h, 0.7))  # int(90 * 0.7) is 62, not 63: no exact fraction
    assert str(scaled_size(h, 0.3)) == "(3*H)//10"


@pytest.mark.parametrize("scale", [1.5, 0.3, 0.7])
def test_symbolic_upsample_agrees_with_torch_for_every_size(scale: float) -> None:
    model = nn.Sequential(nn.Input("B", 2, "L"), nn.Upsample(scale_factor=scale, mode="linear"))
    out = model.output_shape[-1]
    least = min(v for v in range(1, 50) if int(v * scale) >= 1)
    assert model.conditions == ([f"L >= {least}"] if least > 1 else [])
    for v in range(1, 40):
        theirs = _torch("Upsample", (), {"scale_factor": scale, "mode": "linear"}, (1, 2, v))
        assert (theirs is not None) == (v >= least), v
        if theirs is not None and not is_unknown(out):
            assert evaluate(out, {"L": v}) == theirs[-1]


# -- corners against torch -----------------------------------------------------------------------

_CORNERS: list[tuple[str, tuple[Any, ...], dict[str, Any], tuple[int, ...]]] = [
    ("Upsample", (), {"scale_factor": 2}, (0, 3, 4, 4)),  # batch 0 is fine on CPU
    ("Upsample", (), {"scale_factor": 2}, (2, 0, 4, 4)),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, (2, 3, 4, 0)),
    ("Upsample", (), {"size": 0, "mode": "area"}, (2, 3, 4, 4)),  # area allows an empty output
    ("Upsample", (), {"size": 3, "mode": "area"}, (2, 0, 4, 4)),
    ("Upsample", (), {"size": 3, "mode": "area"}, (2, 0, 4, 4, 4)),
    ("Upsample", (), {"size": 3, "mode": "area"}, (2, 3, 0, 4)),
    ("Upsample", (), {"scale_factor": (0.0, 2.0), "mode": "area"}, (1, 1, 4, 4)),
    ("Upsample", (), {"scale_factor": (-0.5,), "mode": "area"}, (1, 1, 1)),
    ("Upsample", (), {"scale_factor": (-0.5,), "mode": "area"}, (1, 1, 2)),
    ("Upsample", (), {"scale_factor": 0}, (1, 1, 4)),  # torch: a falsy scale is no scale
    ("Upsample", (), {"size": 3, "scale_factor": 0}, (1, 1, 4)),
    ("Upsample", (), {"size": [3, 5]}, (1, 1, 4, 4)),
    ("Upsample", (), {"size": (3, 5), "mode": "trilinear"}, (1, 1, 4, 4, 4)),
    ("Upsample", (), {"scale_factor": 2}, (1, 1, 2, 2, 2, 2)),
    ("Upsample", (), {"scale_factor": 1e300}, (1, 1, 2)),
    ("Upsample", (), {"scale_factor": 2, "mode": "lanczos"}, (1, 1, 2, 2)),
    ("Upsample", (), {"scale_factor": 2, "recompute_scale_factor": True}, (1, 1, 3)),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}, (1, 1, 3)),
    ("UpsamplingBilinear2d", (), {"size": 5}, (1, 1, 3, 3)),
    ("PixelShuffle", (2,), {}, (4, 2, 2)),
    ("PixelShuffle", (2,), {}, (1, 1, 8, 2, 2)),
    ("PixelShuffle", (2,), {}, (8, 2)),
    ("PixelShuffle", (0,), {}, (4, 2, 2)),
    ("PixelShuffle", (2,), {}, (1, 4, 0, 2)),
    ("PixelUnshuffle", (2,), {}, (1, 4, 4)),
    ("PixelUnshuffle", (-1,), {}, (1, 4, 4)),
    ("ChannelShuffle", (2,), {}, (4, 2)),
    ("ChannelShuffle", (2,), {}, (1, 4, 0)),
    ("ChannelShuffle", (0,), {}, (1, 4, 2)),
    ("Unflatten", (0, (2, 2)), {}, ()),
    ("Unflatten", (1, (2, 0)), {}, (4, 0)),
    ("Unflatten", (0, (0, -1)), {}, (0, 4)),
    ("Unflatten", (0, (2, -1, -1)), {}, (4,)),
    ("Unflatten", (0, ()), {}, (4,)),
    ("Unflatten", (-3, (2, 2)), {}, (2, 4)),
]


@pytest.mark.parametrize(("layer", "args", "kwargs", "shape"), _CORNERS, ids=lambda v: str(v))
def test_corners_agree_with_torch(layer: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    assert _ours(layer, args, kwargs, shape) == _torch(layer, args, kwargs, shape)


def test_embedding_shapes_counts_and_arguments_match_torch() -> None:
    for shape in [(3,), (0,), (2, 3, 4)]:
        assert _ours("Embedding", (5, 3), {}, shape) == _torch("Embedding", (5, 3), {}, shape, torch.long)
    assert nn.Embedding(5, 3).infer(sc.Shape(()), Checker()) == _torch("Embedding", (5, 3), {}, (), torch.long) == (3,)
    cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((5, 3), {"padding_idx": -5}),
        ((5, 3), {"padding_idx": 4, "max_norm": 1.0, "norm_type": 1.0, "scale_grad_by_freq": True, "sparse": True}),
        ((0, 0), {}),
        ((7, 2), {"_freeze": True, "norm_type": 2}),
    ]
    for args, kwargs in cases:
        theirs = torch.nn.Embedding(*args, **kwargs, device="meta")
        ours = nn.Embedding(*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters())
    assert repr(nn.Embedding(4, 2, _weight=torch.zeros(4, 2))) == "Embedding(4, 2)"
    for args, kwargs in [((5, 3), {"padding_idx": 5}), ((5, 3), {"padding_idx": -6}), ((0, 3), {"padding_idx": 0}), ((5, -1), {}), ((4, 2), {"_weight": torch.zeros(2, 4)})]:
        with pytest.raises((TypeError, ValueError)):
            nn.Embedding(*args, **kwargs)
        with pytest.raises(Exception):
            torch.nn.Embedding(*args, **kwargs)
