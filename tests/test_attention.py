"""``MultiheadAttention``, the Transformer layers, ViT's tokens and ``vit_b_16`` against torch 2.13.

Random configurations are built with both libraries: constructor errors and parameter counts must
agree; random inputs run through torch on the meta device (self-attention: ``attn(x, x, x)``) must be
rejected by torch exactly when shapecheck rejects them, else give the picked output's shape; MACs
equal the matmuls ``FlopCounterMode`` sees (projections, ``Q K^T``, ``A V``). ``vit_b_16`` must equal
torchvision's published figures, and ViTs written in plain ``torch.nn`` as torchvision writes them.
"""

from __future__ import annotations

import inspect
import os
import random
import warnings
from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import shapecheck as sc
from shapecheck import models, nn
from shapecheck.models.vit import _vit
from tests import _reference

CASES = 300
META = {"device": "meta"}


def flops(module: torch.nn.Module, *args: Any, **kwargs: Any) -> int:
    with FlopCounterMode(display=False) as counter:
        module(*args, **kwargs)
    return int(counter.get_total_flops())


def attempt(factory: Any, *args: Any, **kwargs: Any) -> Any:
    """The object, or the exception raised building it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return factory(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - compared by the caller
        return err


# -- MultiheadAttention ------------------------------------------------------------------------


def draw_mha(rng: random.Random, valid: bool = True, self_attention: bool = False) -> dict[str, Any]:
    heads = rng.randint(1, 4)
    embed = heads * rng.randint(1, 4)
    kw: dict[str, Any] = {
        "embed_dim": embed,
        "num_heads": heads,
        "dropout": rng.choice([0.0, 0.1]),
        "bias": rng.random() < 0.7,
        "add_bias_kv": rng.random() < 0.3,
        "add_zero_attn": rng.random() < 0.3,
        "batch_first": rng.random() < 0.5,
    }
    if not self_attention:
        for arg in ("kdim", "vdim"):
            if rng.random() < 0.3:
                kw[arg] = rng.choice([embed, rng.randint(1, 9)])
    if not valid:
        fault = rng.choice(["divisible", "embed_dim", "num_heads"])
        if fault == "divisible":
            kw["num_heads"] = heads + 1 if embed % (heads + 1) else heads + 2
            if embed % kw["num_heads"] == 0:
                kw["embed_dim"] = embed + 1 if (embed + 1) % kw["num_heads"] else embed + 2
        else:
            kw[fault] = rng.choice([0, -2])
    return kw


def test_mha_parameters_match_torch() -> None:
    rng = random.Random(0)
    for _ in range(CASES):
        kw = draw_mha(rng)
        ours, theirs = nn.MultiheadAttention(**kw), torch.nn.MultiheadAttention(**kw, **META)
        assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters()), kw
        assert ours.buffer_count() == 0


def test_mha_invalid_arguments_are_rejected_as_torch() -> None:
    rng = random.Random(1)
    for _ in range(100):
        kw = draw_mha(rng, valid=False)
        ours, theirs = attempt(nn.MultiheadAttention, **kw), attempt(torch.nn.MultiheadAttention, **kw, **META)
        assert isinstance(theirs, Exception), kw
        assert isinstance(ours, ValueError) and "MultiheadAttention" in str(ours), (kw, ours)


def draw_sequence(rng: random.Random, features: int) -> tuple[int, ...]:
    rank = rng.choice([2, 3, 3, 3, 1, 4])
    last = features if rng.random() < 0.8 else features + rng.choice([-1, 1])
    return (*(rng.choice([0, 1, 2, 3, 5]) for _ in range(rank - 1)), last)


def torch_output(layer: Any, x: torch.Tensor, index: tuple[int, ...], **options: bool) -> tuple[int, ...] | None:
    try:
        out = layer(x, x, x, **options) if isinstance(layer, torch.nn.MultiheadAttention) else layer(x)
    except Exception:  # noqa: BLE001 - any failure is a rejection
        return None
    for i in index:
        out = out[i]
    return tuple(out.shape)


def test_mha_self_attention_matches_torch_on_random_inputs() -> None:
    rng = random.Random(2)
    accepted = rejected = 0
    for _ in range(CASES):
        kw = draw_mha(rng)
        shape = draw_sequence(rng, kw["embed_dim"])
        options = {k: rng.random() < 0.5 for k in ("need_weights", "average_attn_weights") if rng.random() < 0.5}
        index = (0,) if not options.get("need_weights", True) else (rng.choice([0, 1, -1]),)
        want = torch_output(torch.nn.MultiheadAttention(**kw, **META), torch.empty(shape, **META), index, **options)
        try:
            model = nn.Sequential(nn.Input(*shape), nn.Pick(nn.MultiheadAttention(**kw), *index, **options))
        except sc.ShapeError as err:
            assert want is None, (kw, shape, index, options, str(err))
            rejected += 1
            continue
        assert want == tuple(model.output_shape), (kw, shape, index, options, model.output_shape)
        accepted += 1
    assert accepted > 100 and rejected > 40


def test_mha_macs_count_projections_and_attention_matmuls() -> None:
    rng = random.Random(3)
    for _ in range(80):
        kw = draw_mha(rng, self_attention=True)
        length, batch = rng.randint(1, 6), rng.randint(1, 3)
        shape = rng.choice([(batch, length), (length, batch)]) if rng.random() < 0.8 else (length,)
        shape = (*shape, kw["embed_dim"])
        x = torch.empty(shape, **META)
        need = rng.random() < 0.5
        model = nn.Sequential(nn.Input(*shape), nn.Pick(nn.MultiheadAttention(**kw), 0, need_weights=need))
        assert 2 * sc.count_macs(model) == flops(torch.nn.MultiheadAttention(**kw, **META), x, x, x, need_weights=need), (kw, shape)


def test_mha_symbolic_macs() -> None:
    attn = nn.MultiheadAttention(64, 8, batch_first=True)
    model = nn.Sequential(nn.Input("B", "L", 64), nn.Pick(attn, 0))
    assert str(sc.count_macs(model)) == "128*B*L*(L + 128)"  # 4*L*E*E + 2*L*L*E per sequence
    weights = nn.Sequential(nn.Input("B", "L", 64), nn.Pick(attn, 1, average_attn_weights=False))
    assert str(weights.output_shape) == "(B, 8, L, L)"
    assert str(nn.Sequential(nn.Input("L", 64), nn.Pick(attn, 1)).output_shape) == "(L, L)"


def test_mha_errors() -> None:
    line = inspect.currentframe().f_lineno + 3  # type: ignore[union-attr]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "L", 48),
                      nn.Pick(nn.MultiheadAttention(64, 8, batch_first=True), 0))  # fmt: skip
    assert info.value.location == f"{os.path.relpath(__file__)}:{line}"
    assert info.value.kind == "features" and info.value.expected == "64" and info.value.actual == "48"
    with pytest.raises(sc.ShapeError, match="kdim=16") as info:
        nn.Sequential(nn.Input("B", "L", 64), nn.Pick(nn.MultiheadAttention(64, 8, kdim=16), 0))
    assert info.value.fixes[0].startswith("kdim=None")
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "L", 64), nn.MultiheadAttention(64, 8), nn.Linear(64, 2))
    assert info.value.kind == "tuple" and info.value.fixes[0].startswith("Pick(MultiheadAttention(64, 8), 0)")
    with pytest.raises(ValueError, match="None"):
        nn.Pick(nn.MultiheadAttention(64, 8), 1, need_weights=False)
    with pytest.raises(TypeError, match="must be a bool"):
        nn.Pick(nn.MultiheadAttention(64, 8), 0, need_weights=0)


# -- Transformer layers ------------------------------------------------------------------------


def draw_layer(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(shapecheck kwargs, torch kwargs)``: they differ only by the activation given as a module."""
    heads = rng.randint(1, 4)
    kw: dict[str, Any] = {
        "d_model": heads * rng.randint(1, 4),
        "nhead": heads,
        "dim_feedforward": rng.randint(1, 16),
        "dropout": rng.choice([0.0, 0.1]),
        "layer_norm_eps": rng.choice([1e-5, 1e-6]),
        "batch_first": rng.random() < 0.5,
        "norm_first": rng.random() < 0.5,
        "bias": rng.random() < 0.7,
    }
    activation = rng.choice(["relu", "gelu", "module", None])
    if activation is None:
        return kw, dict(kw)
    if activation == "module":
        return {**kw, "activation": nn.GELU()}, {**kw, "activation": torch.nn.GELU()}
    return {**kw, "activation": activation}, {**kw, "activation": activation}


def test_encoder_layer_parameters_shapes_and_macs_match_torch() -> None:
    rng = random.Random(4)
    accepted = rejected = 0
    for _ in range(150):
        ours_kw, torch_kw = draw_layer(rng)
        layer = nn.TransformerEncoderLayer(**ours_kw)
        theirs = torch.nn.TransformerEncoderLayer(**torch_kw, **META)
        assert layer.parameter_count() == sum(p.numel() for p in theirs.parameters()), ours_kw
        shape = draw_sequence(rng, ours_kw["d_model"])
        want = torch_output(theirs, torch.empty(shape, **META), ())
        try:
            model = nn.Sequential(nn.Input(*shape), layer)
        except sc.ShapeError as err:
            assert want is None, (ours_kw, shape, str(err))
            rejected += 1
            continue
        assert want == tuple(model.output_shape), (ours_kw, shape)
        assert 2 * sc.count_macs(model) == flops(theirs, torch.empty(shape, **META)), (ours_kw, shape)
        accepted += 1
    assert accepted > 60 and rejected > 20


def test_encoder_stacks_copies_and_norm() -> None:
    rng = random.Random(5)
    for _ in range(40):
        ours_kw, torch_kw = draw_layer(rng)
        n, norm = rng.randint(1, 3), rng.random() < 0.5
        d = ours_kw["d_model"]
        ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(**ours_kw), n, nn.LayerNorm(d) if norm else None)
        theirs = attempt(
            torch.nn.TransformerEncoder,
            torch.nn.TransformerEncoderLayer(**torch_kw, **META),
            n,
            torch.nn.LayerNorm(d, **META) if norm else None,
        )
        assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters()), (ours_kw, n, norm)
        shape = (2, 3, d)
        model = nn.Sequential(nn.Input(*shape), ours)
        assert tuple(model.output_shape) == tuple(theirs(torch.empty(shape, **META)).shape)
        assert 2 * sc.count_macs(model) == flops(theirs, torch.empty(shape, **META))
        assert model.steps[0].path == ("0.layers.0.norm1" if ours_kw["norm_first"] else "0.layers.0.self_attn")
        last = "dropout2" if ours_kw["norm_first"] else "norm2"
        assert model.steps[-1].path == ("0.norm" if norm else f"0.layers.{n - 1}.{last}")
    empty = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, **META), 0, enable_nested_tensor=False)
    with pytest.raises(IndexError):
        empty(torch.empty(3, 2, 8, **META))  # torch's forward reads layers[0]
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 0)


def test_encoder_errors_point_at_the_layer() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("S", "B", 32), nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4), 2))
    assert info.value.path == "0.layers.0.self_attn" and info.value.expected == "64"
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("S", "B", 32), nn.TransformerEncoderLayer(64, 4, norm_first=True))
    assert info.value.path == "0.norm1"
    with pytest.raises(ValueError, match="relu/gelu"):
        nn.TransformerEncoderLayer(64, 4, activation="tanh")


def test_decoder_layer_parameters_and_chain_error() -> None:
    rng = random.Random(6)
    for _ in range(60):
        ours_kw, torch_kw = draw_layer(rng)
        ours = nn.TransformerDecoderLayer(**ours_kw)
        theirs = torch.nn.TransformerDecoderLayer(**torch_kw, **META)
        assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters()), ours_kw
    with pytest.raises(sc.ShapeError, match="memory"):
        nn.Sequential(nn.Input(5, 2, 16), nn.TransformerDecoderLayer(16, 2))


# -- ViT ---------------------------------------------------------------------------------------


def test_class_token_and_positional_embedding() -> None:
    rng = random.Random(7)
    for _ in range(100):
        n, s, d = rng.randint(0, 3), rng.randint(0, 5), rng.randint(1, 6)
        dim, seq = (d if rng.random() < 0.8 else d + 1), (s + 1 if rng.random() < 0.8 else s + 2)
        token = torch.nn.Parameter(torch.empty(1, 1, dim, **META))
        pos = torch.nn.Parameter(torch.empty(1, seq, dim, **META))
        x = torch.empty(n, s, d, **META)
        want = attempt(lambda: tuple((torch.cat([token.expand(n, -1, -1), x], dim=1) + pos).shape))
        try:
            model = nn.Sequential(nn.Input(n, s, d), nn.ClassToken(dim), nn.PositionalEmbedding(seq, dim))
        except sc.ShapeError:
            assert isinstance(want, Exception) or (seq != s + 1 and want[1] == seq and s + 1 == 1), (n, s, d, dim, seq)
            continue
        assert want == tuple(model.output_shape), (n, s, d, dim, seq)
        assert sc.count_params(model) == token.numel() + pos.numel()
    with pytest.raises(sc.ShapeError, match="3D"):
        nn.Sequential(nn.Input(4, 8), nn.ClassToken(8))


def test_vit_b_16_equals_torchvision_published_figures() -> None:
    row = _reference.torchvision()["vit_b_16"]
    side = int(row["resolution"])
    model = models.vit_b_16(shape=(1, 3, side, side))
    assert tuple(model.output_shape) == (1, 1000)
    assert sc.count_params(model) == int(row["num_params"]) == 86_567_656
    macs = sc.count_macs(model)
    assert isinstance(macs, int) and f"{macs / 1e9:.3f}" == f"{float(row['gmacs']):.3f}" == "17.564"
    symbolic = models.vit_b_16()
    assert str(symbolic.output_shape) == "(B, 1000)" and sc.count_macs(symbolic, B=1) == macs
    assert int(row["min_size"]) == side  # torchvision asserts the image size: nothing smaller or larger
    for shape in [(1, 3, side - 1, side), (1, 3, side, side + 16), ("B", 3, "H", "W")]:
        with pytest.raises(ValueError, match="224x224"):
            models.vit_b_16(shape=shape)


def test_vit_on_another_image_size_fails_at_the_positional_embedding() -> None:
    layers = list(models.vit_b_16(shape=("B", 3, 224, 224)))
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, "H", "W"), *layers)
    assert info.value.path == "4.pos_embedding" and info.value.witness is not None


class TorchEncoderBlock(torch.nn.Module):
    """torchvision's ``EncoderBlock``."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int) -> None:
        super().__init__()
        self.ln_1 = torch.nn.LayerNorm(hidden_dim, eps=1e-6, **META)
        self.self_attention = torch.nn.MultiheadAttention(hidden_dim, num_heads, batch_first=True, **META)
        self.dropout = torch.nn.Dropout(0.0)
        self.ln_2 = torch.nn.LayerNorm(hidden_dim, eps=1e-6, **META)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(hidden_dim, mlp_dim, **META),
            torch.nn.GELU(),
            torch.nn.Dropout(0.0),
            torch.nn.Linear(mlp_dim, hidden_dim, **META),
            torch.nn.Dropout(0.0),
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class TorchViT(torch.nn.Module):
    """torchvision's ``VisionTransformer`` (no representation layer), in plain ``torch.nn`` on the meta device."""

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int, classes: int) -> None:
        super().__init__()
        self.image_size, self.patch_size, self.hidden_dim = image_size, patch_size, hidden_dim
        self.conv_proj = torch.nn.Conv2d(3, hidden_dim, patch_size, patch_size, **META)
        seq_length = (image_size // patch_size) ** 2 + 1
        self.class_token = torch.nn.Parameter(torch.zeros(1, 1, hidden_dim, **META))
        self.pos_embedding = torch.nn.Parameter(torch.empty(1, seq_length, hidden_dim, **META))
        self.layers = torch.nn.Sequential(*(TorchEncoderBlock(num_heads, hidden_dim, mlp_dim) for _ in range(num_layers)))
        self.ln = torch.nn.LayerNorm(hidden_dim, eps=1e-6, **META)
        self.head = torch.nn.Linear(hidden_dim, classes, **META)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        torch._assert(h == self.image_size and w == self.image_size, "wrong image size")
        x = self.conv_proj(x).reshape(n, self.hidden_dim, (h // self.patch_size) * (w // self.patch_size)).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1) + self.pos_embedding
        x = self.ln(self.layers(x))
        return self.head(x[:, 0])  # type: ignore[no-any-return]


@pytest.mark.parametrize("seed", range(8))
def test_vit_like_chains_equal_plain_torch(seed: int) -> None:
    rng = random.Random(seed)
    heads = rng.randint(1, 4)
    patch = rng.choice([2, 4, 8])
    config = (patch, rng.randint(0, 3), heads, heads * rng.randint(1, 6), rng.randint(1, 24), rng.randint(1, 10))
    image = patch * rng.randint(1, 4)
    batch = rng.randint(1, 3)
    ours = _vit(*config, image, (batch, 3, image, image))
    theirs = TorchViT(image, *config)
    x = torch.empty(batch, 3, image, image, **META)
    assert sc.count_params(ours) == sum(p.numel() for p in theirs.parameters())
    assert tuple(ours.output_shape) == tuple(theirs(x).shape)
    assert 2 * sc.count_macs(ours) == flops(theirs, x)


def test_vit_b_16_equals_plain_torch() -> None:
    theirs = TorchViT(224, 16, 12, 12, 768, 3072, 1000)
    ours = models.vit_b_16(shape=(1, 3, 224, 224))
    assert sc.count_params(ours) == sum(p.numel() for p in theirs.parameters())
    assert 2 * sc.count_macs(ours) == flops(theirs, torch.empty(1, 3, 224, 224, **META))
