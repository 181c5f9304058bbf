"""``nn.Transformer``, ``nn.TransformerDecoder``, ``TransformerDecoderLayer(tgt, memory)`` and
``F.multi_head_attention_forward`` in the forward interpreter (``static.prelude``, ``static.multi_input``,
``static.tensor_ops``), and ``copy.deepcopy`` of a layer: shapes, errors and parameter counts against torch."""

from __future__ import annotations

import pytest

from shapecheck.static import analyze_source
from shapecheck.static.model import build_model

torch = pytest.importorskip("torch")

SOURCE = """\
import copy
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, memory_features=32):
        super().__init__()
        self.memory = nn.Linear(16, memory_features)
        self.model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=2, num_decoder_layers=1,
                                    dim_feedforward=64, batch_first=True)
        self.cross = nn.TransformerDecoderLayer(32, 4, 64, batch_first=True)
        self.heads = nn.ModuleList([copy.deepcopy(nn.Linear(32, 32)) for _ in range(3)])

    def forward(self, src, tgt):
        out = self.model(self.memory(src), tgt)
        out = self.cross(out, self.memory(src))
        for head in self.heads:
            out = head(out)
        return out
"""


def run_torch(source: str, *shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    namespace: dict[str, object] = {}
    exec(compile(source, "model.py", "exec"), namespace)  # noqa: S102 - the test's own source
    net = namespace["Net"]().eval()  # type: ignore[operator]
    try:
        with torch.no_grad():
            return tuple(net(*(torch.randn(*s) for s in shapes)).shape)
    except (RuntimeError, AssertionError):  # F.multi_head_attention_forward asserts its arguments
        return None


def torch_params(source: str) -> int:
    namespace: dict[str, object] = {}
    exec(compile(source, "model.py", "exec"), namespace)  # noqa: S102 - the test's own source
    return sum(p.numel() for p in namespace["Net"]().parameters())  # type: ignore[operator]


def test_shapes_and_counts_are_torchs() -> None:
    model = build_model(SOURCE, "model.py", "Net()", [(2, 7, 16), (2, 5, 32)])
    assert tuple(model.output_shape) == run_torch(SOURCE, (2, 7, 16), (2, 5, 32)) == (2, 5, 32)
    assert model.params == torch_params(SOURCE)


def test_memory_of_other_features_is_an_error_at_the_call() -> None:
    bad = SOURCE.replace("memory_features=32", "memory_features=24")
    assert run_torch(bad, (2, 7, 16), (2, 5, 32)) is None
    report = analyze_source(bad, "model.py")
    assert [f.line for f in report.findings] == [16]
    assert report.findings[0].message == "MultiheadAttention expects embed_dim=32 features, got 24"
    assert report.findings[0].notes[0].endswith("(inside torch.nn)")


POOL = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, embed=16, out=8):
        super().__init__()
        self.pre = nn.Conv2d(16, 16, 1)
        self.q = nn.Linear(embed, embed)
        self.k = nn.Linear(embed, embed)
        self.v = nn.Linear(embed, embed)
        self.c = nn.Linear(embed, out)

    def forward(self, x):
        x = self.pre(x).flatten(2).permute(2, 0, 1)
        x, _ = F.multi_head_attention_forward(
            query=x, key=x, value=x, embed_dim_to_check=16, num_heads=2,
            q_proj_weight=self.q.weight, k_proj_weight=self.k.weight, v_proj_weight=self.v.weight,
            in_proj_weight=None, in_proj_bias=torch.cat([self.q.bias, self.k.bias, self.v.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
            out_proj_weight=self.c.weight, out_proj_bias=self.c.bias,
            use_separate_proj_weight=True, training=False, need_weights=False)
        return x
"""


def test_multi_head_attention_forward_with_its_weights() -> None:
    model = build_model(POOL, "model.py", "Net()", [(2, 16, 3, 5)])
    assert tuple(model.output_shape) == run_torch(POOL, (2, 16, 3, 5)) == (15, 2, 8)
    bad = POOL.replace("embed_dim_to_check=16", "embed_dim_to_check=12")
    assert run_torch(bad, (2, 16, 3, 5)) is None
    assert [f.message for f in analyze_source(bad, "model.py").findings] == ["was expecting embedding dimension of 12, but got 16"]
