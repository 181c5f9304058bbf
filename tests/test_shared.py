"""Shared modules and tensors used directly (issue 12, items 4 and 5): a layer used twice and a tied weight count
once, as torch's ``parameters()``; ``nn.Parameter``/buffers added by broadcasting are checked and counted.
torch is the oracle: every count is compared with the converted model's."""

from __future__ import annotations

import pytest

import shapecheck as sc
from shapecheck import nn

torch = pytest.importorskip("torch")


def torch_params(model: nn.Module) -> int:
    return sum(p.numel() for p in sc.to_torch(model).parameters())


def gpt2_small() -> tuple[nn.Sequential, nn.Linear]:
    wte = nn.Embedding(50257, 768)
    lm_head = nn.Linear(768, 50257, bias=False)
    lm_head.weight = wte.weight  # as GPT-2 ties them in torch
    blocks = [
        nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.1, activation="gelu", batch_first=True, norm_first=True, is_causal=True)
        for _ in range(12)
    ]
    model = nn.Sequential(
        nn.Input("B", "T", where="T <= 1024"),
        nn.Add(wte, nn.Sequential(nn.Arange(1), nn.Embedding(1024, 768))),
        nn.Dropout(0.1),
        *blocks,
        nn.LayerNorm(768),
        lm_head,
    )
    return model, lm_head


def test_gpt2_small_with_tied_embeddings_has_torchs_count() -> None:
    model, _ = gpt2_small()
    assert str(model.output_shape) == "(B, T, 50257)"
    assert sc.count_params(model) == 124_439_808
    net = sc.to_torch(model)
    assert sum(p.numel() for p in net.parameters()) == 124_439_808
    assert net[-1].weight is net[0].get_submodule("0").weight
    assert tuple(net(torch.zeros(2, 7, dtype=torch.long)).shape) == (2, 7, 50257)


def test_the_summary_counts_a_tied_weight_once() -> None:
    model, _ = gpt2_small()
    table = sc.summary(model)
    assert table.params == 124_439_808
    assert sum(r.params for r in table.rows) == 124_439_808
    assert table.rows[-1].params == 0  # lm_head: its weight is wte's
    assert "Input conditions:      T <= 1024" in str(table)


def test_a_layer_used_twice_counts_once_and_is_one_torch_module() -> None:
    shared = nn.Linear(8, 8)
    model = nn.Sequential(nn.Input("B", 8), shared, nn.ReLU(), shared)
    assert sc.count_params(model) == 72 == torch_params(model)
    assert [r.params for r in sc.summary(model).rows] == [72, 0, 0]


def test_a_transformer_encoder_still_counts_each_of_its_copies() -> None:
    layer = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
    model = nn.Sequential(nn.Input("B", "T", 16), nn.TransformerEncoder(layer, 3))
    assert sc.count_params(model) == 3 * sc.count_params(layer) == torch_params(model)


def test_a_tie_needs_equal_shapes() -> None:
    head = nn.Linear(768, 100, bias=False)
    with pytest.raises(ValueError, match=r"Linear.weight has shape \(100, 768\); Embedding.weight has shape \(50257, 768\)"):
        head.weight = nn.Embedding(50257, 768).weight
    with pytest.raises(AttributeError, match="ReLU has no weight"):
        nn.ReLU().weight = head.weight


# -- nn.Parameter and buffers used directly ------------------------------------------------------


def test_a_positional_parameter_is_checked_by_broadcasting_and_counted() -> None:
    model = nn.Sequential(nn.Input("B", 197, 768), nn.Add(nn.Identity(), nn.ParameterTensor(1, 197, 768)))
    assert str(model.output_shape) == "(B, 197, 768)"
    assert sc.count_params(model) == 151_296 == torch_params(model)
    assert tuple(sc.to_torch(model)(torch.zeros(2, 197, 768)).shape) == (2, 197, 768)


def test_a_wrongly_shaped_parameter_is_refused_as_torch_refuses_it() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 197, 768), nn.Add(nn.Identity(), nn.ParameterTensor(1, 196, 768)))
    assert "do not broadcast at dim 1: branch 0 has 197, branch 1 has 196" in str(info.value)
    with pytest.raises(RuntimeError, match="must match the size"):
        torch.zeros(2, 197, 768) + torch.nn.Parameter(torch.zeros(1, 196, 768))


def test_a_buffer_is_counted_as_a_buffer() -> None:
    model = nn.Sequential(nn.Input("B", 4, 8), nn.Mul(nn.Identity(), nn.BufferTensor(4, 1)))
    assert (sc.count_params(model), sc.count_buffers(model)) == (0, 4)
    net = sc.to_torch(model)
    assert sum(b.numel() for b in net.buffers()) == 4 and not list(net.parameters())
