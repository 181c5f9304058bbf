"""``nn.Transformer``, ``nn.TransformerDecoder`` and ``TransformerDecoderLayer(tgt, memory)`` in the forward
interpreter (``static.prelude``, ``static.multi_input``), and ``copy.deepcopy`` of a layer: shapes,
errors and parameter counts against torch."""

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
    except RuntimeError:
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
