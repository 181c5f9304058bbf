"""Combinators with named branches, ``Concat({"branch1": ..., "pool": ...}, dim=1)``, from the user's side.

torch is the oracle: the mistake shapecheck reports makes the equivalent torch model raise, the names
shapecheck refuses torch refuses too, and ``to_torch`` gives modules whose state_dict keys are
shapecheck's paths. Named and positional spellings of the same model check and count alike.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import shapecheck as sc
from shapecheck import nn
from shapecheck.bridge import _modules
from shapecheck.diagram import Drawing
from shapecheck.nn._names import MODULE_ATTRIBUTES
from shapecheck.static import analyze_source
from tests.test_mypy_plugin import run_mypy

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

T = torch.nn
SVG = "{http://www.w3.org/2000/svg}"


def inception(channels: int, reduce_in: int) -> nn.Concat:
    """A user's helper: three named branches; ``reduce_in`` is branch2's first conv's input (right: ``channels``)."""
    return nn.Concat(
        {
            "branch1": nn.Conv2d(channels, 8, 1),
            "branch2": nn.Sequential(nn.Conv2d(reduce_in, 4, 1), nn.Conv2d(4, 8, 3, padding=1)),
            "pool": nn.MaxPool2d(3, 1, 1),
        },
        dim=1,
    )


def net(reduce_in: int = 16) -> nn.Sequential:
    return nn.Sequential({"input": nn.Input("B", 3, 32, 32), "stem": nn.Conv2d(3, 16, 3, padding=1), "inception": inception(16, reduce_in)})


class TorchInception(T.Module):
    """``inception`` as a torch user writes it."""

    def __init__(self, channels: int, reduce_in: int) -> None:
        super().__init__()
        self.branch1 = T.Conv2d(channels, 8, 1)
        self.branch2 = T.Sequential(T.Conv2d(reduce_in, 4, 1), T.Conv2d(4, 8, 3, padding=1))
        self.pool = T.MaxPool2d(3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.pool(x)], 1)


def torch_net(reduce_in: int = 16) -> T.Module:
    return T.Sequential(OrderedDict(stem=T.Conv2d(3, 16, 3, padding=1), inception=TorchInception(16, reduce_in)))


def test_a_mistake_inside_a_named_branch_is_located_by_its_names() -> None:
    with pytest.raises(sc.ShapeError) as info:
        net(reduce_in=32)
    err = info.value
    lines = str(err).splitlines()
    assert lines[0] == "[2] Conv2d(32, 4, kernel_size=(1, 1), stride=(1, 1)) (path inception.branch2.0)"
    assert "(in inception at " in lines[1]  # the helper's call line first, then the line inside it
    assert "  Conv2d expects 32 input channels, got 16" in lines
    assert "  fix: Conv2d(16, 4, kernel_size=(1, 1), stride=(1, 1))" in lines
    with pytest.raises(RuntimeError, match="expected input.* to have 32 channels, but got 16"):
        torch_net(reduce_in=32)(torch.zeros(2, 3, 32, 32))
    fixed = net()
    assert tuple(torch_net()(torch.zeros(2, 3, 32, 32)).shape) == fixed.output_shape.bind({"B": 2}).dims


def test_a_disagreement_between_named_branches_names_each_branch() -> None:
    def bad() -> nn.Sequential:
        return nn.Sequential(nn.Input("B", 16, 32, 32), nn.Concat({"branch1": nn.Conv2d(16, 8, 1), "branch2": nn.Conv2d(16, 8, 3)}))

    with pytest.raises(sc.ShapeError) as info:
        bad()
    assert info.value.problem == (
        "Concat: sizes must match except in dim 1, but at dim 2 branch 'branch1' has 32, branch 'branch2' has 30 "
        "(branch 'branch1' (0.branch1) gives (B, 8, 32, 32); branch 'branch2' (0.branch2) gives (B, 8, 30, 30))"
    )
    x = torch.zeros(1, 16, 32, 32)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 1"):
        torch.cat([T.Conv2d(16, 8, 1)(x), T.Conv2d(16, 8, 3)(x)], 1)
    drawing = Drawing.of_failure(info.value, "bad()")  # the named branches still drawn side by side
    boxes = [g for g in ET.fromstring(drawing.svg()).iter(f"{SVG}g") if "layer" in g.get("class", "").split()]
    assert [g.get("data-path") for g in boxes] == ["0.branch1", "0.branch2", "0"]


def _spellings() -> list[tuple[Callable[..., nn.Module], Callable[..., nn.Module]]]:
    """Pairs (named, positional) of the same model."""

    def concat(named: bool) -> nn.Module:
        parts = {"skip": nn.Conv2d(8, 4, 1), "up": nn.Sequential(nn.Conv2d(8, 4, 3), nn.Conv2d(4, 4, 3))}
        return nn.Concat(parts, dim=1, crop=True) if named else nn.Concat(*parts.values(), dim=1, crop=True)

    def add(named: bool) -> nn.Module:
        parts = {"main": nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)), "shortcut": nn.Identity()}
        return nn.Add(parts) if named else nn.Add(*parts.values())

    def mul(named: bool) -> nn.Module:
        parts = {"x": nn.Identity(), "gate": nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(8, 8, 1), nn.Sigmoid())}
        return nn.Mul(parts) if named else nn.Mul(*parts.values())

    return [(lambda f=f: f(True), lambda f=f: f(False)) for f in (concat, add, mul)]  # type: ignore[misc]


@pytest.mark.parametrize("make_named, make_positional", _spellings())
def test_named_and_positional_branches_check_and_count_alike(make_named: Callable[[], nn.Module], make_positional: Callable[[], nn.Module]) -> None:
    named = nn.Sequential(nn.Input("B", 8, "H", "W"), make_named())
    positional = nn.Sequential(nn.Input("B", 8, "H", "W"), make_positional())
    assert [s.output for s in named.steps] == [s.output for s in positional.steps]
    assert named.conditions == positional.conditions
    assert sc.count_params(named) == sc.count_params(positional)
    assert sc.count_macs(named) == sc.count_macs(positional)
    assert sc.count_memory(named) == sc.count_memory(positional)
    names = dict(named[0].children())
    assert [s.path.split(".")[1] if "." in s.path else None for s in positional.steps] == [
        str(list(names).index(s.path.split(".")[1])) if "." in s.path else None for s in named.steps
    ]
    x = torch.randn(2, 8, 16, 16)
    converted, plain = sc.to_torch(named).eval(), sc.to_torch(positional).eval()
    plain.load_state_dict(dict(zip(plain.state_dict(), converted.state_dict().values())))
    assert torch.equal(converted(x), plain(x))
    assert tuple(converted(x).shape) == named.output_shape.bind({"B": 2, "H": 16, "W": 16}).dims


def test_to_torch_children_carry_the_names_and_from_torch_keeps_them() -> None:
    model = net()
    converted = sc.to_torch(model)
    weighted = {s.path for s in model.steps if s.layer.parameter_count()}
    assert {key.rpartition(".")[0] for key in converted.state_dict()} == weighted
    assert "inception.branch2.0.weight" in converted.state_dict()
    assert "(branch2): Sequential(" in repr(converted) and "(pool): MaxPool2d(" in repr(model)
    back = sc.from_torch(converted, ("B", 3, 32, 32))
    assert repr(back) == repr(model)
    assert [s.path for s in back.steps] == [s.path for s in model.steps]
    cropped = nn.Sequential(nn.Input("B", 8, 16, 16), nn.Concat({"skip": nn.Identity(), "up": nn.Conv2d(8, 8, 3)}, crop=True))
    assert repr(sc.from_torch(sc.to_torch(cropped), ("B", 8, 16, 16))) == repr(cropped)


def test_summary_rows_use_the_names() -> None:
    rows = str(sc.summary(net()))
    for path in ("inception.branch1", "inception.branch2.0", "inception.branch2.1", "inception.pool"):
        assert f" {path} " in rows


def test_module_attributes_are_torchs() -> None:
    assert {n for n in dir(T.Module()) if not n.startswith("_")} == MODULE_ATTRIBUTES


@pytest.mark.parametrize("name", [1, "", "a.b", "training", "forward", "state_dict", "dim", "crop"])
def test_names_torch_refuses_are_refused_with_the_reason(name: object) -> None:
    with pytest.raises((TypeError, KeyError)):  # the oracle: torch's add_module, or the attribute Concat sets
        _modules.Concat(OrderedDict([(name, T.Identity())]), 1, False)
    with pytest.raises((TypeError, ValueError), match=f"Concat: (names must be strings|the name {name!r})"):
        nn.Concat({name: nn.Identity()})  # type: ignore[dict-item]
    if name not in ("dim", "crop"):  # Sequential has no such attributes: torch takes them, so does shapecheck
        with pytest.raises((TypeError, KeyError)):
            T.Sequential(OrderedDict([(name, T.Identity())]))
        with pytest.raises((TypeError, ValueError), match="Sequential: "):
            nn.Sequential({name: nn.Identity()})  # type: ignore[dict-item]
    else:
        T.Sequential(OrderedDict([(name, T.Identity())]))
        nn.Sequential({name: nn.Identity()})  # type: ignore[dict-item]


def test_names_torch_takes_are_taken() -> None:
    for name in ("1x1", "_private", "pool", "append"):
        _modules.Add(OrderedDict([(name, T.Identity()), ("other", T.Identity())]))
        nn.Add({name: nn.Identity(), "other": nn.Identity()})
    with pytest.raises(KeyError):
        T.Sequential(OrderedDict(append=T.Identity()))
    with pytest.raises(ValueError, match="Sequential: the name 'append' is an attribute of the torch module"):
        nn.Sequential({"append": nn.Identity()})


def test_a_mapping_beside_other_branches_is_refused() -> None:
    with pytest.raises(TypeError, match="Concat: branch 0 is a mapping; layers given by name are one mapping, the only positional argument"):
        nn.Concat({"a": nn.Identity()}, nn.Identity())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Add: branch 'b' must be a shapecheck.nn layer, got int 3"):
        nn.Add({"a": nn.Identity(), "b": 3})  # type: ignore[dict-item]


SOURCE = """\
from collections import OrderedDict
from shapecheck import nn

good = nn.Sequential(nn.Input("B", 16, 32, 32), nn.Concat({"a": nn.Conv2d(16, 8, 1), "b": nn.Identity()}, dim=1))
bad = nn.Sequential(nn.Input("B", 16, 32, 32), nn.Concat({"a": nn.Conv2d(16, 8, 1), "b": nn.Sequential(nn.Conv2d(32, 4, 1))}))
residual = nn.Sequential(nn.Input("B", 16, 32, 32), nn.Add(OrderedDict([("main", nn.Conv2d(16, 16, 3)), ("skip", nn.Identity())])))
"""


def test_the_mypy_plugin_reads_named_branches(tmp_path: Path) -> None:
    path = tmp_path / "named.py"
    path.write_text(SOURCE + "reveal_type(good)\n")
    run = run_mypy([path], tmp_path)
    errors = {(e.line, e.column): e.message for e in run.errors("named.py")}
    lines = SOURCE.splitlines()
    assert errors == {  # at the failing branch's call; mypy's columns count from 1
        (5, lines[4].index("nn.Conv2d(32") + 1): "Conv2d expects 32 input channels, got 16",
        (6, lines[5].index("nn.Add(") + 1): "Add: the branches' outputs do not broadcast at dim 2: branch 'main' has 30, branch 'skip' has 32 "
        "(branch 'main' (0.main) gives (B, 16, 30, 30); branch 'skip' (0.skip) gives (B, 16, 32, 32))",
    }
    assert "in [1] Conv2d(32, 4, kernel_size=(1, 1), stride=(1, 1)) (path 0.b.0)" in run.notes("named.py", 5)
    assert "(B, 16, 32, 32) -> (B, 24, 32, 32)" in " ".join(run.notes("named.py", 7))


def test_shapecheck_check_reads_named_branches() -> None:
    report = analyze_source(textwrap.dedent(SOURCE), "named.py")
    found = [(f.line, f.message) for f in report.findings]
    assert (5, "Conv2d expects 32 input channels, got 16") in found
    assert any(line == 6 and "branch 'main' has 30, branch 'skip' has 32" in message for line, message in found)
    assert len(found) == 2
