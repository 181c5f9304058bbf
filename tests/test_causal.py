"""Causal attention and masks (issue 12, item 3): ``is_causal`` carried into torch (never silently dropped),
and the shapes of ``attn_mask``/``key_padding_mask`` checked as torch checks them. torch is the oracle."""

from __future__ import annotations

from typing import Any

import pytest

import shapecheck as sc
from shapecheck import nn

pytest.importorskip("torch")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def _is_causal(net: Any, length: int = 6, width: int = 16) -> bool:
    """Whether each output position depends only on the positions up to it (checked on random inputs)."""
    net.eval()
    torch.manual_seed(0)
    x = torch.randn(2, length, width)
    changed = x.clone()
    changed[:, length // 2 :] = torch.randn(2, length - length // 2, width)
    with torch.no_grad():
        a, b = net(x), net(changed)
    cut = length // 2
    return bool(torch.allclose(a[:, :cut], b[:, :cut], atol=1e-5)) and not torch.allclose(a[:, cut:], b[:, cut:])


@pytest.mark.parametrize("norm_first", [False, True])
def test_a_causal_encoder_layer_stays_causal_in_torch(norm_first: bool) -> None:
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True, norm_first=norm_first, is_causal=True)
    assert "is_causal=True" in repr(layer)
    model = nn.Sequential(nn.Input("B", "T", 16), layer)
    assert _is_causal(sc.to_torch(model))
    plain = nn.Sequential(nn.Input("B", "T", 16), nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True))
    assert not _is_causal(sc.to_torch(plain))


def test_causal_self_attention_in_a_chain_stays_causal_in_torch() -> None:
    attention = nn.Pick(nn.MultiheadAttention(16, 2, batch_first=True), 0, need_weights=False, is_causal=True)
    assert _is_causal(sc.to_torch(nn.Sequential(nn.Input("B", "T", 16), attention)))


def test_a_causal_stack_of_encoder_layers_stays_causal() -> None:
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True, is_causal=True)
    assert _is_causal(sc.to_torch(nn.Sequential(nn.Input("B", "T", 16), nn.TransformerEncoder(layer, 2))))


def test_is_causal_is_a_bool() -> None:
    with pytest.raises(TypeError, match="is_causal must be a bool"):
        nn.TransformerEncoderLayer(16, 2, is_causal="yes")  # type: ignore[arg-type]


# -- mask shapes, in a forward read by from_torch ---------------------------------------------------


class Attending(torch.nn.Module):
    """Self-attention on ``x`` with a mask passed as the keyword ``mask_name``."""

    mask_name = "attn_mask"

    def __init__(self) -> None:
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x: Any, mask: Any) -> Any:
        return self.attn(x, x, x, **{self.mask_name: mask})[0]


class Masked(Attending):
    pass


class Padded(Attending):
    mask_name = "key_padding_mask"


class Sdpa(torch.nn.Module):
    def forward(self, q: Any, k: Any, mask: Any) -> Any:
        return F.scaled_dot_product_attention(q, k, k, attn_mask=mask)


@pytest.mark.parametrize(
    "module, shapes, message",
    [
        (Masked, [(4, 5, 16), (5, 6)], "The shape of the 2D attn_mask is (5, 6), but should be (5, 5)"),
        (Masked, [(4, 5, 16), (4, 5, 5)], "The shape of the 3D attn_mask is (4, 5, 5), but should be (8, 5, 5)"),
        (Padded, [(4, 5, 16), (4, 6)], "expected key_padding_mask of shape (4, 5), got (4, 6)"),
        (Sdpa, [(2, 4, 5, 8), (2, 4, 7, 8), (3, 1, 5, 7)], "do not broadcast"),
    ],
)
def test_a_wrong_mask_is_an_error_where_torch_fails(module: type, shapes: list[tuple[int, ...]], message: str) -> None:
    with pytest.raises((RuntimeError, AssertionError)):  # torch asserts the key_padding_mask's shape
        module()(*(torch.zeros(*s) for s in shapes))
    with pytest.raises(sc.ShapeError) as info:
        sc.from_torch(module(), shapes)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "module, shapes",
    [
        (Masked, ["B T 16", "T T"]),
        (Masked, [(4, 5, 16), (8, 5, 5)]),
        (Padded, ["B T 16", "B T"]),
        (Sdpa, ["B 4 L 8", "B 4 S 8", "L S"]),
    ],
)
def test_a_right_mask_checks(module: type, shapes: list[Any]) -> None:
    sc.from_torch(module(), shapes)
