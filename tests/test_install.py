"""The README's install as a user meets it: mypy and dmypy in another project find shapecheck, Python finds
nothing else of this repository, and the wheel holds exactly the package with its torch stubs.

``pip install -e .`` is setuptools' strict editable mode (``setup.cfg``): the package's files are linked
under ``build/`` and that directory is put on ``sys.path`` by a ``.pth`` file, which mypy follows (the
default editable install is an import hook mypy cannot see: ``import-not-found``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

USER_MODEL = """import torch.nn as tnn

from shapecheck import nn
from shapecheck.torch import Input

head = nn.Sequential(nn.Input("B", 512, 7, 7), nn.Flatten(), nn.Linear(512 * 7, 10))

cifar = tnn.Sequential(Input("B", 3, 32, 32), tnn.Conv2d(3, 16, 3), tnn.Flatten(), tnn.Linear(16 * 32 * 32, 10))
"""
EXPECTED = [
    "model.py:6: error: Linear expects 3584 input features, got 25088  [shape]",
    "model.py:8: error: Linear expects 16384 input features, got 14400  [shape]",
]


def user_environment() -> dict[str, str]:
    """The environment of a user's shell: nothing pointing into this repository."""
    return {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}


def shape_errors(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": error: " in line]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's project outside the repository: the README's mypy configuration and one model file."""
    project = tmp_path_factory.mktemp("user-project")
    (project / "pyproject.toml").write_text('[tool.mypy]\nplugins = ["shapecheck.mypy"]\n')
    (project / "model.py").write_text(USER_MODEL)
    return project


def test_plain_mypy_in_a_user_project_checks_shapecheck_and_torch_chains(project: Path) -> None:
    done = subprocess.run(
        [str(BIN / "mypy"), "model.py"], cwd=project, env=user_environment(), capture_output=True, text=True, timeout=600
    )
    assert "import-not-found" not in done.stdout, done.stdout
    assert shape_errors(done.stdout) == EXPECTED, done.stdout + done.stderr
    assert done.returncode == 1


@pytest.fixture
def daemon(project: Path, tmp_path: Path) -> Iterator[list[str]]:
    status = ["--status-file", str(tmp_path / "dmypy.json")]
    yield status
    subprocess.run([str(BIN / "dmypy"), *status, "stop"], cwd=project, capture_output=True, timeout=60)


def test_dmypy_in_a_user_project_checks_shapecheck_and_torch_chains(project: Path, daemon: list[str]) -> None:
    done = subprocess.run(
        [str(BIN / "dmypy"), *daemon, "run", "--timeout", "300", "--", "model.py"],
        cwd=project,
        env=user_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "import-not-found" not in done.stdout, done.stdout
    assert shape_errors(done.stdout) == EXPECTED, done.stdout + done.stderr


def test_python_sees_shapecheck_and_nothing_else_of_the_repository(project: Path) -> None:
    """The install exposes the package only: tests/, bench/ and examples/ do not become importable names,
    and the installed package has every file of the source tree (the strict editable install links the
    files present at install time: after adding a module, run the install command again).
    """
    code = (
        "import importlib.util, shapecheck; from pathlib import Path\n"
        "print([n for n in ('tests', 'bench', 'examples', 'stubs') if importlib.util.find_spec(n)])\n"
        "print(Path(shapecheck.__file__).parent)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=project, env=user_environment(), capture_output=True, text=True)
    exposed, installed = done.stdout.splitlines()
    assert exposed == "[]"
    missing = package_files(ROOT / "shapecheck") - package_files(Path(installed))
    assert not missing, f"the installed shapecheck lacks {sorted(missing)}: run the README's install command again"


def package_files(directory: Path) -> set[str]:
    """The files a shapecheck install must hold, as ``shapecheck/...`` paths."""
    found = {p for p in directory.rglob("*") if p.suffix in (".py", ".pyi") or p.name == "py.typed"}
    return {("shapecheck" / p.relative_to(directory)).as_posix() for p in found if "__pycache__" not in p.parts}


def test_the_wheel_holds_the_package_and_its_torch_stubs(tmp_path: Path) -> None:
    """``pip install .`` (a wheel, as the CI recipe installs it): the package's files and nothing else."""
    source = tmp_path / "source"
    junk = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT, source, ignore=junk)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob("shapecheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    metadata = {n for n in names if re.match(r"shapecheck-[^/]+\.dist-info/", n)}
    assert names - metadata == package_files(ROOT / "shapecheck")
    stubs = {"shapecheck/stubs/torch/__init__.pyi", "shapecheck/stubs/torch/nn/__init__.pyi", "shapecheck/stubs/torch/nn/functional.pyi"}
    assert stubs <= names and "shapecheck/py.typed" in names
