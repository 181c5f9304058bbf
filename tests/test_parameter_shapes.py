"""``parameter_shapes()`` and ``buffer_shapes()`` against torch 2.13: one source of truth for a layer's tensors.

Every layer that holds tensors must give torch's ``named_parameters(recurse=False)`` and
``named_buffers(recurse=False)``: the same names, in the same order, of the same shapes, for random
configurations of each family (drawn by the generators of the differential, recurrent and attention
tests) and for the odd cases named below. The whole tree, walked as torch walks it, gives torch's
``named_parameters()``; the counts are the products of those shapes. The forward interpreter reads the
same shapes for ``self.conv.weight``, ``self.bn.running_mean``, ``self.lstm.weight_hh_l0`` used in code.
"""

from __future__ import annotations

import random
import warnings
from math import prod
from pathlib import Path
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import nn
from shapecheck.cli import main
from tests._generate import generate_case
from tests.test_attention import draw_layer, draw_mha
from tests.test_recurrent import draw_config
from tests.test_static_ops import assert_agree

Named = list[tuple[str, tuple[int, ...]]]


def theirs_own(module: torch.nn.Module, buffers: bool = False) -> Named:
    tensors = module.named_buffers(recurse=False) if buffers else module.named_parameters(recurse=False)
    return [(name, tuple(t.shape)) for name, t in tensors]


def ours_own(layer: nn.Module, buffers: bool = False) -> Named:
    return list((layer.buffer_shapes() if buffers else layer.parameter_shapes()).items())


def ours_tree(layer: nn.Module, prefix: str = "") -> Named:
    """The tree's parameters as torch's ``named_parameters()`` lists them: a module's own, then each child's."""
    out = [(prefix + name, shape) for name, shape in layer.parameter_shapes().items()]
    for name, child in layer.children():
        out += ours_tree(child, f"{prefix}{name}.")
    return out


def meta(factory: Any, *args: Any, **kwargs: Any) -> Any:
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factory(*args, **kwargs)


def assert_same(ours: nn.Module, theirs: torch.nn.Module, what: object) -> None:
    """Own parameters and buffers, the whole tree's parameters, and the counts equal torch's."""
    assert ours_own(ours) == theirs_own(theirs), what
    assert ours_own(ours, buffers=True) == theirs_own(theirs, buffers=True), what
    assert ours_tree(ours) == [(name, tuple(p.shape)) for name, p in theirs.named_parameters()], what
    assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters()), what
    assert ours.buffer_count() == sum(b.numel() for b in theirs.buffers()), what


ODD_CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("Conv2d", (6, 4, 3), {"groups": 2, "bias": False}),
    ("Conv1d", (True, 3, 2), {}),
    ("ConvTranspose3d", (4, 6, (1, 2, 3)), {"groups": 2}),
    ("ConvTranspose1d", (3, True, 2), {"bias": False}),
    ("Linear", (5, 3), {"bias": False}),
    ("Bilinear", (3, 4, 5), {}),
    ("Bilinear", (3, 4, 5), {"bias": False}),
    ("Embedding", (10, 3), {"padding_idx": -1}),
    ("BatchNorm1d", (4,), {"bias": False}),
    ("BatchNorm2d", (4,), {"affine": False}),
    ("BatchNorm3d", (4,), {"track_running_stats": False}),
    ("InstanceNorm2d", (4,), {"affine": True, "track_running_stats": True}),
    ("GroupNorm", (2, 4), {"bias": False}),
    ("GroupNorm", (2, 4), {"affine": False}),
    ("LayerNorm", ((2, 3),), {}),
    ("LayerNorm", ([2, 3],), {"bias": False}),
    ("LayerNorm", (4,), {"elementwise_affine": False}),
    ("LayerNorm", ([],), {}),
    ("RMSNorm", ((2, 3),), {}),
    ("RMSNorm", (4,), {"elementwise_affine": False}),
    ("PReLU", (), {}),
    ("PReLU", (5,), {}),
    ("PReLU", (), {"num_parameters": ()}),
    ("LSTM", (3, 5), {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("GRU", (3, 4), {"num_layers": 3, "bidirectional": True, "bias": False}),
    ("RNN", (2, 3), {"nonlinearity": "relu"}),
    ("MultiheadAttention", (8, 2), {"kdim": 3, "vdim": 5, "add_bias_kv": True, "add_zero_attn": True}),
    ("MultiheadAttention", (8, 2), {"kdim": 8, "vdim": 3, "bias": False}),
    ("MultiheadAttention", (8, 2), {"bias": False, "add_bias_kv": True}),
    ("TransformerEncoderLayer", (8, 2, 16), {"norm_first": True}),
    ("TransformerDecoderLayer", (8, 2, 16), {"bias": False}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), ODD_CASES, ids=[f"{n}{a}{k}" for n, a, k in ODD_CASES])
def test_odd_configurations_equal_torch(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert_same(getattr(nn, name)(*args, **kwargs), meta(getattr(torch.nn, name), *args, **kwargs), (name, args, kwargs))


def test_layers_of_generated_chains_equal_torch() -> None:
    """Every layer the differential test draws (convolutions with groups and bool channels, norms with and
    without affine and statistics, LayerNorm over tuples, Embedding, PReLU, ...), built by both libraries."""
    held: dict[str, int] = {}
    for seed in range(400):
        for spec in generate_case(seed).layers:
            try:
                ours = spec.build(nn)
                theirs = meta(spec.build, torch.nn)
            except Exception:  # noqa: BLE001 - constructor errors are the differential test's
                continue
            assert_same(ours, theirs, spec)
            if ours.parameter_shapes() or ours.buffer_shapes():
                held[spec.name] = held.get(spec.name, 0) + 1
    families = ("Conv", "ConvTranspose", "Linear", "BatchNorm", "InstanceNorm", "GroupNorm", "LayerNorm", "RMSNorm", "PReLU", "Embedding")
    missing = [f for f in families if not any(name.rstrip("123d") == f for name in held)]
    assert not missing, f"no layer with tensors drawn for {missing}: {held}"


def test_recurrent_layers_equal_torch() -> None:
    rng = random.Random(11)
    for _ in range(200):
        kind, kw = draw_config(rng)
        assert_same(getattr(nn, kind)(**kw), meta(getattr(torch.nn, kind), **kw), (kind, kw))


def test_attention_equals_torch_with_its_out_proj_as_a_child() -> None:
    rng = random.Random(12)
    for _ in range(200):
        kw = draw_mha(rng)
        assert_same(nn.MultiheadAttention(**kw), meta(torch.nn.MultiheadAttention, **kw), kw)


def test_transformer_layers_equal_torch() -> None:
    rng = random.Random(13)
    for _ in range(60):
        ours_kw, torch_kw = draw_layer(rng)
        assert_same(nn.TransformerEncoderLayer(**ours_kw), meta(torch.nn.TransformerEncoderLayer, **torch_kw), ours_kw)
        assert_same(nn.TransformerDecoderLayer(**ours_kw), meta(torch.nn.TransformerDecoderLayer, **torch_kw), ours_kw)
        n, d = rng.randint(1, 3), ours_kw["d_model"]
        ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(**ours_kw), n, nn.LayerNorm(d))
        layer = meta(torch.nn.TransformerEncoderLayer, **torch_kw)
        assert_same(ours, meta(torch.nn.TransformerEncoder, layer, n, meta(torch.nn.LayerNorm, d), enable_nested_tensor=False), (ours_kw, n))


@pytest.mark.parametrize(
    "layer",
    [nn.Scale(96, 1, 1), nn.Scale(), nn.ClassToken(7), nn.PositionalEmbedding(5, 7), nn.ParameterTensor(1, 4, 3), nn.BufferTensor(2, 3)],
    ids=repr,
)
def test_layers_without_a_torch_class_equal_their_torch_module(layer: nn.Module) -> None:
    """shapecheck's own layers hold the tensors of the torch modules ``to_torch`` makes of them."""
    assert_same(layer, sc.to_torch(layer), layer)


def test_counts_are_the_products_of_the_shapes() -> None:
    for name, args, kwargs in ODD_CASES:
        layer = getattr(nn, name)(*args, **kwargs)
        own = sum(prod(shape) for _, shape in ours_tree(layer))
        assert layer.parameter_count() == own, name
        assert layer.buffer_count() == sum(prod(shape) for shape in layer.buffer_shapes().values()), name


def test_any_weight_ties_and_counts_once() -> None:
    """``weight`` is ``parameter_shapes()["weight"]``: a convolution's ties as torch's does, counted once."""
    first, second = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1, bias=False)
    second.weight = first.weight
    model = nn.Sequential(nn.Input("B", 4, 8, 8), first, nn.ReLU(), second)
    module = sc.to_torch(model)
    assert module[2].weight is module[0].weight
    assert sc.count_params(model) == sum(p.numel() for p in module.parameters()) == 4 * 4 * 9 + 4
    assert [r.params for r in sc.summary(model).rows] == [4 * 4 * 9 + 4, 0, 0]
    with pytest.raises(ValueError, match=r"Conv2d.weight has shape \(4, 4, 3, 3\); Linear.weight has shape \(4, 36\)"):
        second.weight = nn.Linear(36, 4).weight
    with pytest.raises(AttributeError, match="LayerNorm has no weight"):
        nn.LayerNorm(4, elementwise_affine=False).weight = nn.LayerNorm(4).weight


def test_attention_out_proj_is_a_part_not_the_first_layer_of_a_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A chain without ``Input`` has its input implied by its first layer, never by a part that layer holds."""
    (tmp_path / "enc.py").write_text("from shapecheck import nn\nenc = nn.Sequential(nn.TransformerEncoderLayer(8, 2, 16), nn.Linear(8, 3))\n")
    assert main(["summary", f"{tmp_path / 'enc.py'}:enc"]) != 0
    assert "enc declares no Input" in capsys.readouterr().err
    assert main(["summary", f"{tmp_path / 'enc.py'}:enc", "--input", "B", "5", "8"]) == 0
    assert f"Total params:          {sum(p.numel() for p in sc.to_torch(nn.TransformerEncoderLayer(8, 2, 16)).parameters()) + 27:,}" in capsys.readouterr().out


# -- the forward interpreter reads the same shapes ------------------------------------------------
LAYER_TENSORS = """
class Net(nn.Module):
    def __init__(self, channels=8, groups=1, norm=8):
        super().__init__()
        self.conv = nn.Conv2d(4, channels, 3, groups=groups)
        self.up = nn.ConvTranspose2d(channels, 6, 2, groups=2)
        self.bn = nn.BatchNorm2d(norm)
        self.ln = nn.LayerNorm((5, 5))
        self.lstm = nn.LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=3)
        self.attn = nn.MultiheadAttention(8, 2, kdim=3, add_bias_kv=True)

    def forward(self, x, out):
        x = self.conv(x)
        if out == "scaled":
            return x * self.bn.weight[None, :, None, None] + self.bn.bias[None, :, None, None]
        if out == "centred":
            return (x - self.bn.running_mean.view(1, -1, 1, 1)) / self.bn.running_var.view(1, -1, 1, 1)
        if out == "filters":
            return torch.zeros(self.conv.weight.shape[0], *self.conv.weight.shape[1:])
        if out == "up":
            return self.up.weight.new_zeros(self.up.weight.shape).sum(1, keepdim=True) + self.up.bias.view(1, -1, 1, 1)
        if out == "ln":
            return x[:, :, :5, :5] * self.ln.weight + self.ln.bias
        if out == "lstm":
            return self.lstm.weight_ih_l1_reverse @ self.lstm.weight_hr_l0.t()
        return self.attn.k_proj_weight @ torch.randn(3, 2) + self.attn.bias_k.view(-1, 1)
---
"""


@pytest.mark.parametrize("out", ["scaled", "centred", "filters", "up", "ln", "lstm", "attention"])
def test_layer_tensors_used_in_forward_agree_with_torch(out: str) -> None:
    calls = [f'return Net()(torch.randn(2, 4, 7, 7), "{out}")']
    if out in ("scaled", "centred", "filters"):
        calls.append(f'return Net(channels=12, groups=2, norm=12)(torch.randn(2, 4, 7, 7), "{out}")')
    if out in ("scaled", "centred"):
        calls.append(f'return Net(norm=6)(torch.randn(2, 4, 7, 7), "{out}")')  # 8 channels against a norm of 6: torch fails
    assert_agree([LAYER_TENSORS + call for call in calls])
