"""Without torch: torch files get the same findings as with torch, from ``shapecheck check`` (the forward
interpreter, and ``--mypy``) and from plain mypy with the stubs ``shapecheck stubs`` names; without the
stubs the plugin says what goes unchecked.

The venv without torch is this one minus torch: ``python -m venv --without-pip`` whose site-packages
links every entry of this one but torch's. (``.ci/run`` also installs ``.[mypy]`` into a real venv and
compares its ``shapecheck check`` with this venv's.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from shapecheck._stubs import PACKAGED

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "mypy_cases"
TORCH_FILES = sorted(p.name for p in CASES.glob("*.py") if re.search(r"^(import|from) torch\b", p.read_text(), re.M))
_TORCH_DISTRIBUTION = ("torch", "torchgen", "functorch")


@pytest.fixture(scope="module")
def no_torch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a venv holding everything this one holds but torch."""
    venv = tmp_path_factory.mktemp("no-torch") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(python), "-c", where], capture_output=True, text=True, check=True).stdout.strip())
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.split("-")[0] not in _TORCH_DISTRIBUTION:
            (site / entry.name).symlink_to(entry)
    probe = "import importlib.util, shapecheck, mypy; print(importlib.util.find_spec('torch'))"
    assert subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout == "None\n"
    return python


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's project holding the torch case files, with the plugin in its mypy configuration."""
    project = tmp_path_factory.mktemp("project")
    for name in TORCH_FILES:
        shutil.copy(CASES / name, project / name)
    (project / "mypy.ini").write_text("[mypy]\nplugins = shapecheck.mypy\n")
    return project


def run(python: Path | str, args: list[str], project: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """``python args`` in ``project``, the shell's environment with nothing pointing into this repository,
    and a private cache (``shapecheck stubs`` writes under ``$XDG_CACHE_HOME``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    env |= {"XDG_CACHE_HOME": str(project / "xdg-cache"), **environ}
    return subprocess.run([str(python), *args], cwd=project, env=env, capture_output=True, text=True, timeout=600)


ENGINES = {"interpreter": [], "mypy": ["--mypy"]}


def check(python: Path | str, project: Path, engine: str, cache: str) -> subprocess.CompletedProcess[str]:
    args = ["check", *ENGINES[engine], "--format", "json", "--cache-dir", cache, *TORCH_FILES]
    return run(python, ["-m", "shapecheck", *args], project)


@pytest.fixture(scope="module")
def with_torch(project: Path) -> dict[str, dict[str, object]]:
    """``shapecheck check``'s report on the torch files where torch is installed, per engine."""
    reports = {}
    for engine in ENGINES:
        done = check(sys.executable, project, engine, f"cache-torch-{engine}")
        assert done.returncode == 1, done.stderr
        reports[engine] = json.loads(done.stdout)
    return reports


def marked_files() -> set[str]:
    """The torch case files with a mistake (an ``# E:`` comment)."""
    return {name for name in TORCH_FILES if re.search(r"#\s*E\b", (CASES / name).read_text())}


@pytest.mark.parametrize("engine", ENGINES)
def test_check_without_torch_finds_what_it_finds_with_torch(
    no_torch: Path, project: Path, with_torch: dict[str, dict[str, object]], engine: str
) -> None:
    done = check(no_torch, project, engine, f"cache-no-torch-{engine}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert json.loads(done.stdout) == with_torch[engine]
    findings = with_torch[engine]["findings"]
    assert isinstance(findings, list)
    assert marked_files() <= {f["path"] for f in findings}


def test_plain_mypy_with_shapecheck_stubs_finds_the_same(no_torch: Path, project: Path, with_torch: dict[str, dict[str, object]]) -> None:
    """The README's recipe for mypy without torch: ``MYPYPATH="$(shapecheck stubs)" mypy ...``."""
    printed = run(no_torch, ["-m", "shapecheck", "stubs"], project)
    assert printed.returncode == 0, printed.stderr
    stubs = Path(printed.stdout.strip())
    assert (stubs / "torch" / "nn" / "__init__.pyi").read_text() == (PACKAGED / "torch" / "nn" / "__init__.pyi").read_text()
    done = run(no_torch, ["-m", "mypy", "--show-column-numbers", "--no-error-summary", *TORCH_FILES], project, MYPYPATH=str(stubs))
    assert "import-not-found" not in done.stdout and "shapecheck.mypy:" not in done.stderr, done.stdout + done.stderr
    errors = sorted(line for line in done.stdout.splitlines() if ": error: " in line)
    findings = with_torch["mypy"]["findings"]
    assert isinstance(findings, list)
    assert errors == sorted(f"{f['path']}:{f['line']}:{f['column']}: error: {f['message']}  [shape]" for f in findings)


def test_shapecheck_stubs_prints_nothing_where_torch_is_installed(project: Path) -> None:
    done = run(sys.executable, ["-m", "shapecheck", "stubs"], project)
    assert (done.returncode, done.stdout) == (0, "")
    assert "torch is installed" in done.stderr


FACTORY = """import torch.nn as nn


def make() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(4, 8, 3))
"""


def test_plugin_says_once_when_torch_code_goes_unchecked(no_torch: Path, project: Path) -> None:
    """A chain in a function (no class, no module-level model) is checked through torch's types only:
    without torch and its stubs mypy says nothing (torch's import errors silenced), and the plugin says why."""
    (project / "factory.py").write_text(FACTORY)
    config = project / "silenced.ini"
    config.write_text("[mypy]\nplugins = shapecheck.mypy\nignore_missing_imports = True\n")
    args = ["-m", "mypy", "--config-file", str(config), "--no-incremental", "factory.py", *TORCH_FILES]
    done = run(no_torch, args, project)
    notes = [line for line in done.stderr.splitlines() if line.startswith("shapecheck.mypy:")]
    assert len(notes) == 1, done.stderr
    assert re.match(r"shapecheck\.mypy: \w+\.py:\d+ imports torch, which is not installed here", notes[0])
    assert 'MYPYPATH="$(shapecheck stubs)"' in notes[0]
    assert "factory.py" not in done.stdout
    stubs = run(no_torch, ["-m", "shapecheck", "stubs"], project).stdout.strip()
    quiet = run(no_torch, args, project, MYPYPATH=stubs)
    assert "shapecheck.mypy:" not in quiet.stderr
    assert "factory.py:5: error: Conv2d expects 4 input channels, got 8  [shape]" in quiet.stdout, quiet.stdout


def test_an_unwritable_cache_is_a_clear_error(no_torch: Path, project: Path) -> None:
    """The stubs are copied under ``$XDG_CACHE_HOME``: when that cannot be written, both commands say so (exit 2)."""
    blocked = project / "not-a-directory"
    blocked.write_text("")
    commands = {"stubs": ["stubs"], "check": ["check", "--mypy", *TORCH_FILES]}
    messages = {"stubs": "shapecheck stubs: cannot write the stubs: ", "check": "shapecheck check: cannot write shapecheck's torch stubs"}
    for name, args in commands.items():
        done = run(no_torch, ["-m", "shapecheck", *args], project, XDG_CACHE_HOME=str(blocked))
        assert done.returncode == 2 and done.stderr.startswith(messages[name]), done.stderr
        assert "Traceback" not in done.stderr
