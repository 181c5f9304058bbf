"""The corpus models counted and imported, with torch as the oracle (issue 11):

* ``shapecheck summary --static FILE:MODEL`` (``static.model.build_model``, nothing run) counts the
  parameters torch counts, ``sum(p.numel() for p in model.parameters())``, for every model whose
  constructor the interpreter follows (when the forward is not followed, the count is still given);
* ``from_torch`` imports every corpus model built by torch and gives the output shape torch's forward
  gives on the model's inputs.

A model not there yet is marked ``xfail(strict=True)`` with the reason (``NOT_COUNTED``,
``NOT_IMPORTED``): when it starts to pass, the mark must go.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.corpus.cases import MODELS, Model
from tests.corpus.edits import CORPUS, expression, source

torch = pytest.importorskip("torch")
harness = pytest.importorskip("tests.corpus.harness")

NOT_COUNTED: dict[str, str] = {}
NOT_IMPORTED: dict[str, str] = {}


def marked(reasons: dict[str, str]) -> list[Any]:
    out = []
    for model in MODELS:
        text = expression(model)
        why = next((r for k, r in reasons.items() if text.startswith(k)), None)
        marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
        out.append(pytest.param(model, id=f"{model.file}:{text}", marks=marks))
    return out


def torch_model(model: Model) -> Any:
    return harness.build(model, harness.load(model.file))


@pytest.mark.parametrize("model", marked(NOT_COUNTED))
def test_static_summary_counts_the_parameters_torch_counts(model: Model) -> None:
    from shapecheck.static.model import ModelError, build_model

    want = sum(p.numel() for p in torch_model(model).parameters())
    try:
        got = build_model(source(model.file), model.file, expression(model)).params
    except ModelError as err:
        assert err.params is not None, str(err)
        got = err.params
    assert got == want


def test_the_summary_command_prints_the_count() -> None:
    model = next(m for m in MODELS if m.name == "densenet121")
    target = f"{CORPUS / model.file}:{expression(model)}"
    out = subprocess.run([sys.executable, "-m", "shapecheck", "summary", "--static", target], capture_output=True, text=True, check=False)
    want = sum(p.numel() for p in torch_model(model).parameters())
    assert f"{want:,}" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("model", marked(NOT_IMPORTED))
def test_from_torch_imports_the_model_with_torchs_output_shape(model: Model) -> None:
    from shapecheck.bridge.from_torch import from_torch

    net = torch_model(model)
    shapes = list(model.inputs)
    imported = from_torch(net, shapes[0] if len(shapes) == 1 else shapes)
    with torch.no_grad():
        out = net(*harness.tensors(model, model.inputs))
    first = out[0] if isinstance(out, tuple) else out  # an LSTM's (output, (h, c))
    assert tuple(imported.output_shape) == tuple(first.shape)
