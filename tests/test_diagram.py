"""``shapecheck diagram``: the SVG is well-formed, has a box per layer of the walk, shapes on the edges,
branches side by side, no overlapping boxes, and the failing layer in red when the model does not build.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

import shapecheck as sc
from shapecheck import ShapeError, nn
from shapecheck.cli import main
from shapecheck.diagram import Drawing
from shapecheck.models import googlenet, resnet18

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
RED = "#dc2626"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def layers(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "layer" in g.get("class", "").split()]


def pending(root: ET.Element) -> list[ET.Element]:
    """The merges the walk never reached (it failed in one of their branches)."""
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "pending"]


def texts(g: ET.Element) -> list[str]:
    return [t.text or "" for t in g.iter(f"{SVG}text")]


def disjoint(boxes: dict[str | None, tuple[float, float, float, float]]) -> None:
    for (a, (ax, ay, aw, ah)), (b, (bx, by, bw, bh)) in itertools.combinations(boxes.items(), 2):
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)


def rect(g: ET.Element) -> tuple[float, float, float, float]:
    r = g.find(f"{SVG}rect")
    assert r is not None
    return float(r.get("x", 0)), float(r.get("y", 0)), float(r.get("width", 0)), float(r.get("height", 0))


def shapes(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == "shape"]


def built(make: object) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        make()  # type: ignore[operator]
    return info.value


def test_resnet18_one_box_per_layer_and_shapes_on_edges() -> None:
    model = resnet18()
    root = parse(Drawing.of(model, "resnet18()", {"B": 1, "H": 224, "W": 224}).svg())
    boxes = layers(root)
    assert len(boxes) == len(model.steps)
    assert [g.get("data-path") for g in boxes] == [s.path for s in model.steps]
    assert not [g for g in boxes if "failed" in g.get("class", "")]
    labels = shapes(root)
    for shape in ("(1, 3, 224, 224)", "(1, 64, 112, 112)", "(1, 64, 56, 56)", "(1, 512, 7, 7)", "(1, 512)", "(1, 1000)"):
        assert shape in labels
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Add(2 branches)" in texts and "Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)" in texts
    assert "conv1 · 9,408 params" in texts and "fc · 513,000 params" in texts
    frames = {g.get("data-path") for g in root.iter(f"{SVG}g") if g.get("class") == "block"}
    assert {"layer1", "layer1.0", "layer4.1"} <= frames
    assert root.get("height") and float(root.get("height", 0)) > 3000


@pytest.mark.parametrize("make", [resnet18, googlenet])
def test_no_two_boxes_overlap_and_branches_sit_side_by_side(make: object) -> None:
    model = make()  # type: ignore[operator]
    root = parse(Drawing.of(model, "m", {"B": 1, "H": 224, "W": 224}).svg())
    boxes = {g.get("data-path"): rect(g) for g in layers(root)}
    disjoint(boxes)
    width = float(root.get("width", 0))
    assert all(0 <= x and x + w <= width for x, _, w, _ in boxes.values())
    if make is resnet18:  # the downsampling shortcut to the right of the main path, at the same height
        main, shortcut = boxes["layer2.0.residual.0.conv1"], boxes["layer2.0.residual.1.0"]
        assert shortcut[0] > main[0] + main[2] and shortcut[1] == main[1]
        merge = boxes["layer2.0.residual"]
        assert merge[1] > boxes["layer2.0.residual.0.bn2"][1]
    else:  # the four branches of an inception block in one row
        tops = {boxes[p][1] for p in ("inception3a.branch1.conv", "inception3a.branch2.0.conv", "inception3a.branch3.0.conv", "inception3a.branch4.0")}
        assert len(tops) == 1


def test_failure_drawn_up_to_the_failing_layer_in_red() -> None:
    def cifar() -> nn.Sequential:
        return nn.Sequential(
            nn.Input("B", 3, 32, 32), nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 16 * 16, 10), nn.Linear(5, 2)
        )

    err = built(cifar)
    drawing = Drawing.of_failure(err, "cifar()")
    root = parse(drawing.svg())
    boxes = layers(root)
    assert len(boxes) == 6  # five layers that fit, then the failing one; nothing after it
    failed = [g for g in boxes if "failed" in g.get("class", "").split()]
    assert failed == [boxes[-1]]
    r = failed[0].find(f"{SVG}rect")
    assert r is not None and r.get("stroke") == RED
    texts = [t.text for t in failed[0].iter(f"{SVG}text")]
    assert texts[0] == "Linear(5, 2)" and "Linear expects 5 input features, got 10" in texts
    assert "fix: Linear(10, 2)" in texts
    red_edges = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edge" and p.get("stroke") == RED]
    assert len(red_edges) == 1
    assert "(B, 10)" in shapes(root)
    assert drawing.failure is err


def test_failure_at_a_merge_keeps_the_branches() -> None:
    err = built(lambda: nn.Sequential(nn.Input("B", 3, 8, 8), nn.Add(nn.Conv2d(3, 8, 3), nn.Conv2d(3, 8, 1))))
    root = parse(Drawing.of_failure(err, "add").svg())
    boxes = layers(root)
    assert [g.get("data-path") for g in boxes] == ["0.0", "0.1", "0"]
    assert "failed" in boxes[-1].get("class", "")
    x0, y0, _, _ = rect(boxes[0])
    x1, y1, _, _ = rect(boxes[1])
    assert y0 == y1 and x1 > x0  # the two branches side by side above the failed Add
    assert {"(B, 8, 6, 6)", "(B, 8, 8, 8)"} <= set(shapes(root))


def test_cli_diagram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    svg, html = tmp_path / "resnet.svg", tmp_path / "resnet.html"
    args = ["shapecheck.models:resnet18", "--bind", "B=1", "H=224", "W=224"]
    assert main(["diagram", *args, "-o", str(svg)]) == 0
    assert len(layers(parse(svg.read_text()))) == len(resnet18().steps)
    assert main(["diagram", *args, "-o", str(html)]) == 0
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    bug = tmp_path / "bug.svg"
    assert main(["diagram", "examples/cifar_vgg_bug.py:cifar_vgg16", "-o", str(bug)]) == 1
    err = capsys.readouterr().err
    assert "shapecheck.ShapeError: [32] Linear" in err and "up to the failing one (in red)" in err
    boxes = layers(parse(bug.read_text()))
    assert len(boxes) == 33 and "failed" in boxes[-1].get("class", "")
    assert main(["diagram", "examples/cifar_vgg_bug.py", "-o", str(bug)]) == 2  # three models: name one
    assert main(["diagram", *args[:1], "--bind", "Q=1", "-o", str(svg)]) == 2


def test_failure_in_a_branch_closes_the_combinators_around_it() -> None:
    """Failing in branch 0 of three: that branch drawn, the merge not reached (dashed, no layer), no edge out of the failure."""
    err = built(
        lambda: nn.Sequential(
            nn.Input("B", 3, 32, 32),
            nn.Conv2d(3, 8, 3, padding=1),
            nn.Concat(nn.Sequential(nn.Conv2d(8, 8, 1), nn.MaxPool2d(64)), nn.Conv2d(8, 8, 3, padding=1), nn.MaxPool2d(3, 1, 1)),
            nn.ReLU(),
        )
    )
    root = parse(Drawing.of_failure(err, "m").svg())
    assert [g.get("data-path") for g in layers(root)] == ["0", "1.0.0", "1.0.1"]  # the branches after it not walked
    [merge] = pending(root)
    assert merge.get("data-path") == "1" and "failed" not in (merge.get("class") or "")
    assert texts(merge) == ["Concat(3 branches, dim=1)", "1", "not reached: the walk stopped in branch 0", "branches 1-2 not walked"]
    failed = rect(layers(root)[-1])
    assert rect(merge)[1] > failed[1] + failed[3]
    edges = [p.get("d", "") for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]
    assert not [d for d in edges if d.endswith(f",{rect(merge)[1]:.1f}")]  # nothing flows into the merge not reached


def _example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_example_{name}", ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


UNET_FAILS = """import sys
sys.path.insert(0, {examples!r})
from unet import unet
model = unet("B", 1, "H", "W")  # the skip has H//8 rows, the upsampled path 2*(H//16)
"""


def test_cli_draws_a_model_that_fails_while_the_file_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The padded U-Net fails at module level: drawn up to its innermost Concat, each level's skip beside its down path."""
    script = tmp_path / "failunet.py"
    script.write_text(UNET_FAILS.format(examples=str(ROOT / "examples")))
    svg = tmp_path / "f.svg"
    assert main(["diagram", str(script), "--bind", "B=1", "H=24", "W=24", "-o", str(svg)]) == 1
    err = capsys.readouterr().err
    assert f'File "{script}", line 4, in <module>' in err and "\nshapecheck.ShapeError: [29] Concat(2 branches, dim=1)" in err
    assert f'File "{ROOT / "shapecheck"}' not in err  # no frames of shapecheck's machinery
    root = parse(svg.read_text())
    boxes = layers(root)
    assert err.rstrip().endswith(f"wrote {svg}: {len(boxes)} layers, up to the failing one (in red)")
    failed = [g for g in boxes if "failed" in g.get("class", "").split()]
    assert failed == [boxes[-1]]
    red = failed[0].find(f"{SVG}rect")
    assert red is not None and red.get("stroke") == RED
    assert texts(failed[0])[0] == "Concat(2 branches, dim=1)"
    assert "Concat: sizes must match except in dim 1, but at dim 2 branch 0" in " ".join(texts(failed[0]))
    # every level's Concat(Identity(), down): the skip beside the down path's first layer, the merge below both
    at = {g.get("data-path") or "": rect(g) for g in [*boxes, *pending(root)]}
    concats = [texts(g)[1].removesuffix(".0") for g in boxes if texts(g)[0] == "Identity()"]
    assert len(concats) == 4 and {g.get("data-path") for g in pending(root)} == set(concats[:-1])
    assert failed[0].get("data-path") == concats[-1]
    for path in concats:
        skip, down, merge = at[f"{path}.0"], at[f"{path}.1.0"], at[path]
        assert skip[1] == down[1] and skip[0] + skip[2] < down[0], path
        inside = [y + h for p, (_, y, _, h) in at.items() if p.startswith(f"{path}.")]
        assert merge[1] > max(inside), path
    disjoint(dict(at))
    assert all(0 <= x and x + w <= float(root.get("width", 0)) for x, _, w, _ in at.values())
    # torch, running the same U-Net on 24x24, fails at the same Concat, between the two shapes drawn into it
    torch = pytest.importorskip("torch")
    unet = _example("unet")
    net = sc.to_torch(nn.Sequential(unet.double_conv(1, 64, 1), unet.level(64, 4, 1), nn.Conv2d(64, 2, 1)))
    with pytest.raises(RuntimeError, match="Sizes of tensors must match") as info:
        net(torch.zeros(1, 1, 24, 24))
    m = re.search(r"Expected size (\d+) but got size (\d+)", str(info.value))
    assert m is not None
    assert {f"(1, 512, {m[1]}, {m[1]})", f"(1, 512, {m[2]}, {m[2]})"} <= set(shapes(root))
    html = tmp_path / "f.html"
    assert main(["diagram", str(script), "-o", str(html)]) == 1
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1 and 'class="layer failed"' in page


def test_cli_a_file_that_fails_otherwise_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "broken.py"
    script.write_text("from shapecheck import nn\nmodel = nn.Sequential(nn.Input('B', 3), nn.Linear(3, 2))\nconfig = {}['depth']\n")
    svg = tmp_path / "broken.svg"
    assert main(["diagram", str(script), "-o", str(svg)]) == 2
    err = capsys.readouterr().err
    assert f'File "{script}", line 3, in <module>' in err and "\nKeyError: 'depth'" in err
    assert f"shapecheck diagram: importing {script} failed (the error above): nothing was checked" in err
    assert f"shapecheck diagram: {svg} not written: no model was built to draw" in err
    assert not svg.exists()


def test_cli_names_the_models_to_draw_as_targets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    svg = tmp_path / "bug.svg"
    assert main(["diagram", "examples/cifar_vgg_bug.py", "-o", str(svg)]) == 2
    err = capsys.readouterr().err
    assert "(models found: examples/cifar_vgg_bug.py:cifar_vgg16, examples/cifar_vgg_bug.py:fixed_cifar_vgg16, " in err
    assert main(["diagram", "examples/cifar_vgg_bug.py:cifar_vgg16()", "-o", str(svg)]) == 1  # as summary lists it
    assert main(["diagram", "examples/cifar_vgg_bug.py:cifar_vgg16", "--bind", "Q=1", "-o", str(svg)]) == 2
    err = capsys.readouterr().err
    assert "shapecheck diagram: --bind: cannot bind Q: the model's input (B, 3, 32, 32) has symbols B" in err and "internal error" not in err
