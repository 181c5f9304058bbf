"""The corpus of real model files with injected shape bugs, confirmed by torch (the differential oracle).

Every original builds and runs on its inputs and on its other input sizes; every bugged copy fails, at
construction or in forward, with the error torch (or Python, for an unpacking) raises, at lines its
``lines`` accept (the statement torch's traceback ends at in the file, and the line that built the torch
layer that raised); a bug marked unsatisfiable fails on every input size the original accepts, and a
satisfiable one runs on its witness.
The data itself is checked too: each ``old`` line matches exactly once, each ``lines`` entry is inside its
file, and every file is a standalone torch(+einops) module with its origin and license stated.
"""

from __future__ import annotations

import ast
import contextlib
import io
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from tests.corpus import edits, harness
from tests.corpus.cases import BUGS, MODELS, Bug, Model

CORPUS = edits.CORPUS
FILES = sorted(p.name for p in CORPUS.glob("*.py") if p.name not in {"cases.py", "edits.py", "harness.py", "__init__.py"})
SHAPE_ERRORS = (RuntimeError, ValueError, IndexError, AssertionError)  # EinopsError is a RuntimeError

pytestmark = pytest.mark.filterwarnings("ignore")


def _model_id(model: Model) -> str:
    return f"{Path(model.file).stem}:{model.name}:{model.inputs}"


@pytest.mark.parametrize("model", MODELS, ids=_model_id)
def test_original_runs_on_all_its_inputs(model: Model) -> None:
    failed = [str(o) for o in harness.outcomes(model, None, (model.inputs, *model.others)) if not o.ok]
    assert not failed, f"{model.file}:{model.name} (original) failed:\n" + "\n".join(failed)


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.id)
def test_bug_breaks_the_model_as_marked(bug: Bug) -> None:
    model = bug.model
    sizes = (model.inputs, *model.others) if bug.unsatisfiable else (model.inputs,)
    if bug.witness is not None:
        sizes = (*sizes, bug.witness)
    results = list(harness.outcomes(model, bug, sizes))
    first = results[0]
    assert not first.ok, f"{bug.id}: the bugged model runs on {model.inputs}"
    assert isinstance(first.error, SHAPE_ERRORS), f"{bug.id}: not a shape failure: {first}"
    if first.stage == "load":
        pytest.fail(f"{bug.id}: the bugged file does not even load: {first}")
    assert first.where <= set(bug.lines), f"{bug.id}: torch locates the failure at {sorted(first.where)}"
    if bug.unsatisfiable:
        ran = [o.inputs for o in results if o.ok]
        assert not ran, f"{bug.id} is marked unsatisfiable but runs on {ran}"
        assert all(isinstance(o.error, SHAPE_ERRORS) for o in results), [str(o) for o in results]
    else:
        witness = results[-1]
        assert witness.ok, f"{bug.id} is marked satisfiable but fails on its witness: {witness}"


def _own_test(file: str, bug: Bug | None = None) -> BaseException | None:
    """Run the file's own ``test()`` (the model on the size the file states), printing silenced: None if it ran."""
    module = harness.load(file, bug)
    try:
        with contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            module.test()
    except Exception as error:  # noqa: BLE001 - whatever torch raised
        return error
    return None


STATED_FILES = sorted(f for f in FILES if "\ndef test():" in (CORPUS / f).read_text())


@pytest.mark.parametrize("file", STATED_FILES)
def test_a_files_own_test_function_runs(file: str) -> None:
    assert _own_test(file) is None


@pytest.mark.parametrize("bug", [b for b in BUGS if not b.unsatisfiable and b.model.file in STATED_FILES], ids=lambda b: b.id)
def test_stated_marks_the_satisfiable_bugs_the_files_own_test_fails_on(bug: Bug) -> None:
    error = _own_test(bug.model.file, bug)
    assert (error is not None) == bug.stated, f"{bug.id}: stated={bug.stated}, but the file's test() gives {error!r}"
    assert error is None or isinstance(error, SHAPE_ERRORS), repr(error)


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.id)
def test_bug_data_is_consistent(bug: Bug) -> None:
    text = edits.source(bug.model.file)
    hits = edits.matching_lines(text, bug.old)
    assert len(hits) == 1, f"{bug.id}: `old` matches lines {hits}"
    assert edits.normalised(bug.new) != edits.normalised(bug.old)
    bugged = edits.source(bug.model.file, bug)
    assert bugged.count("\n") == text.count("\n"), "a bug replaces one line by one line"
    compile(bugged, bug.model.file, "exec")
    total = text.count("\n") + 1
    assert all(1 <= n <= total for n in bug.lines), f"{bug.id}: lines {bug.lines} outside 1..{total}"
    assert hits[0] in bug.lines, f"{bug.id}: the edited line {hits[0]} is not among the acceptable lines"
    assert bug.id.startswith(Path(bug.model.file).stem + ".")
    assert bug.model in MODELS
    assert (bug.witness is None) == bug.unsatisfiable, f"{bug.id}: a witness goes with satisfiable bugs only"
    assert bug.witness != bug.model.inputs
    assert bug.note
    assert not (bug.stated and bug.unsatisfiable), f"{bug.id}: stated is for satisfiable bugs"


def test_corpus_is_large_and_every_file_is_used() -> None:
    assert len(FILES) >= 24
    assert len(BUGS) >= 50
    assert len({b.id for b in BUGS}) == len(BUGS), "bug ids are unique"
    per_file = Counter(b.model.file for b in BUGS)
    assert {m.file for m in MODELS} == set(FILES)
    assert all(per_file[f] >= 2 for f in FILES), per_file
    assert any(not b.unsatisfiable for b in BUGS) and any(b.unsatisfiable for b in BUGS)


@pytest.mark.parametrize("file", FILES)
def test_corpus_file_is_standalone_with_origin_and_license(file: str) -> None:
    text = (CORPUS / file).read_text()
    head = text.split("\n")[:3]
    assert head[0].startswith("# shapecheck test corpus:")
    assert head[1].startswith("# Origin: https://github.com/")
    license_file = head[2].split("(tests/corpus/")[1].rstrip(")")
    assert (CORPUS / license_file).is_file()
    roots = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{file}: relative import"
            roots.add((node.module or "").split(".")[0])
    outside = roots - {"torch", "einops", "__future__"} - set(sys.stdlib_module_names)
    assert not outside, f"{file} imports {outside}"
    readme = (CORPUS / "README.md").read_text()
    assert f"`{file}`" in readme, f"{file} has no row in tests/corpus/README.md"
