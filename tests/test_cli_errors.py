"""The ``shapecheck`` command on the mistakes users make, run as they run it (the console script, a file of theirs).

The exit status means one thing: 0 all is well, 1 shape findings, 2 could not run. A file that raises,
exits, crashes or hangs is reported with its own file and line, never with shapecheck's internals.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shapecheck import _isolate
from shapecheck.cli import main

SHAPECHECK = str(Path(sys.executable).with_name("shapecheck"))
GOOD = "from shapecheck import nn\nmodel = nn.Sequential(nn.Input('B', 8), nn.Linear(8, 4), nn.ReLU())\n"


def shapecheck(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHAPECHECK, *argv], cwd=cwd, capture_output=True, text=True, timeout=120)


def file(tmp_path: Path, name: str, source: str) -> str:
    (tmp_path / name).write_text(source)
    return name


def line_of(tmp_path: Path, name: str, text: str) -> int:
    return next(i for i, line in enumerate((tmp_path / name).read_text().splitlines(), 1) if text in line)


def no_internals(stderr: str) -> None:
    """Nothing of shapecheck's machinery or the import system in what the user reads."""
    assert "shapecheck/" not in stderr and "<frozen" not in stderr and "importlib" not in stderr, stderr


# -- the user's file does not run: exit 2, with the user's file and line ---------------------------------


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("from shapecheck import nn\ndef f(:\n    pass\n", ["def f(:", "^", "SyntaxError: invalid syntax"]),
        ("from shapecheck import nn\nimport no_such_package_here\n", ["ModuleNotFoundError: No module named 'no_such_package_here'"]),
        ("from shapecheck import nn\nweights = open('weights.pt').read()\n", ["FileNotFoundError", "weights.pt"]),
    ],
    ids=["syntax", "import", "exception"],
)
def test_a_file_that_fails_to_import_exits_2_with_its_line(tmp_path: Path, source: str, shown: list[str]) -> None:
    name = file(tmp_path, "model.py", source)
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 2, done.stderr
    assert f'File "model.py", line 2' in done.stderr
    for text in shown:
        assert text in done.stderr
    assert done.stderr.rstrip().endswith("shapecheck summary: importing model.py failed (the error above): nothing was checked")
    assert done.stdout == ""
    no_internals(done.stderr)


def test_an_exception_in_a_model_function_exits_2_and_the_other_models_are_summarized(tmp_path: Path) -> None:
    name = file(
        tmp_path,
        "models.py",
        "from shapecheck import nn\n"
        "print('loading config')\n"
        "def config():\n"
        "    return {'width': 8}['depth']\n"
        "def broken() -> nn.Sequential:\n"
        "    return nn.Sequential(nn.Input('B', 8), nn.Linear(8, config()))\n"
        "def fine() -> nn.Sequential:\n"
        "    return nn.Sequential(nn.Input('B', 8), nn.Linear(8, 2))\n",
    )
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 2
    assert 'File "models.py", line 6, in broken\n' in done.stderr and 'File "models.py", line 4, in config\n' in done.stderr
    assert "KeyError: 'depth'" in done.stderr
    assert "shapecheck summary: building broken() failed (the error above): broken() was not checked" in done.stderr
    no_internals(done.stderr)
    # what the file printed comes first, and the model that builds is still summarized
    assert done.stdout.startswith("loading config\nbroken() from models.py\n\nfine() from models.py\n")
    assert "Total params:          18" in done.stdout


def test_arguments_a_layer_refuses_exit_1_and_a_python_error_among_them_exits_2(tmp_path: Path) -> None:
    """The model's own mistakes are findings (1), told at the user's line; Python errors are not (2)."""
    name = file(
        tmp_path,
        "model.py",
        "from shapecheck import nn\n"
        "def make() -> nn.Sequential:\n"
        "    return nn.Sequential(\n"
        "        nn.Input('B', 3, 32, 32),\n"
        "        nn.Conv2d(3, 16, 0),\n"
        "    )\n",
    )
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 1, done.stderr
    assert 'File "model.py", line 5, in make\n' in done.stderr
    assert done.stderr.rstrip().endswith("ValueError: Conv2d: kernel_size must be positive, got 0")
    no_internals(done.stderr)
    (tmp_path / name).write_text((tmp_path / name).read_text().replace("nn.Conv2d(3, 16, 0)", "nn.Conv2d(3, 16, int('3x3'))"))
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 2
    assert "ValueError: invalid literal for int() with base 10: '3x3'" in done.stderr


def test_sys_exit_in_the_file_exits_2_not_0(tmp_path: Path) -> None:
    name = file(tmp_path, "train.py", GOOD + "import sys\nsys.exit(0)\n")
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 2
    assert 'File "train.py", line 4, in <module>\n    sys.exit(0)\nSystemExit: 0\n' in done.stderr
    assert "shapecheck summary: sys.exit(0) was called while importing train.py: nothing was checked" in done.stderr
    assert 'belongs under if __name__ == "__main__":' in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("source", "stage"),
    [
        (GOOD + "import os\nos._exit(0)\n", "importing train.py"),
        ("import os\nfrom shapecheck import nn\ndef model() -> nn.Sequential:\n    os._exit(0)\n", "building model()"),
    ],
    ids=["import", "function"],
)
def test_os_exit_in_the_file_exits_2_naming_the_stage(tmp_path: Path, source: str, stage: str) -> None:
    name = file(tmp_path, "train.py", source)
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"shapecheck summary: could not run train.py: its process exited with status 0 while {stage}; nothing was checked\n"
    )
    assert 'code that ends the process (os._exit) belongs under if __name__ == "__main__":' in done.stderr
    drawn = shapecheck(tmp_path, "diagram", name, "-o", "model.svg")
    assert drawn.returncode == 2 and "its process exited with status 0" in drawn.stderr
    assert not (tmp_path / "model.svg").exists()


def test_a_crash_in_the_file_exits_2(tmp_path: Path) -> None:
    name = file(tmp_path, "native.py", GOOD + "import ctypes\nctypes.string_at(0)\n")
    done = shapecheck(tmp_path, "summary", name)
    assert done.returncode == 2
    assert done.stderr.startswith("shapecheck summary: could not run native.py: its process was ended by signal SIGSEGV")
    assert "while importing native.py" in done.stderr


def test_a_file_that_never_returns_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    name = file(tmp_path, "serve.py", GOOD + "while True:\n    pass\n")
    done = shapecheck(tmp_path, "summary", name, "--timeout", "1")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "shapecheck summary: could not run serve.py: its process was still running after 1 s while importing serve.py"
    )
    assert "allow more time with --timeout SECONDS" in done.stderr
    drawn = shapecheck(tmp_path, "diagram", name, "-o", "serve.svg", "--timeout", "0.5")
    assert drawn.returncode == 2 and "still running after 0.5 s" in drawn.stderr


def test_help_says_the_file_is_run_and_what_the_exit_status_means(tmp_path: Path) -> None:
    for command in ("summary", "diagram"):
        done = shapecheck(tmp_path, command, "--help")
        text = " ".join(done.stdout.split())
        assert done.returncode == 0
        assert "FILE is imported and run" in text and "--timeout SECONDS" in text and "(default 60; 0 for no limit)" in text
        assert "exit status: 0 all is well, 1 shape errors found, 2 could not run" in text


# -- arguments and output files: exit 2 with a message, no traceback -----------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "model.py", "--input", "B", "x", "-1", "2.5"], "--input takes sizes (ints >= 0), symbols (names such as B or H) and expressions of them (16*h), got '-1'"),
        (["summary", "model.py", "--input", "B", "8.5"], "got '8.5'"),
        (["summary", "model.py", "--bind", "B=0"], "--bind takes SYMBOL=N (a positive int), got 'B=0'"),
        (["summary", "model.py", "--timeout", "soon"], "argument --timeout: takes a number of seconds (0 for no limit), got 'soon'"),
        (["summary", "model.py", "--timeout", "-1"], "got '-1'"),
        (["diagram", "model.py", "-o", "nodir/model.svg"], "-o nodir/model.svg: no such directory 'nodir'"),
        (["diagram", "model.py", "-o", "."], "-o .: is a directory, not a file"),
        (["check", "model.py", "-o", "nodir/report.txt"], "-o nodir/report.txt: no such directory 'nodir'"),
        (["check", "--mypy", "model.py", "--config-file", "setup.py"], "setup.py: not a mypy configuration (INI, or TOML named *.toml)"),
        (["check", "--mypy", "model.py", "--config-file", "tox.ini"], "tox.ini: no mypy settings in it (a [mypy] section, or [tool.mypy] in TOML)"),
    ],
    ids=["input-negative", "input-fraction", "bind-zero", "timeout-word", "timeout-negative", "diagram-no-dir",
         "diagram-a-dir", "check-no-dir", "config-not-ini", "config-without-mypy"],
)  # fmt: skip
def test_bad_arguments_exit_2_with_a_message(tmp_path: Path, argv: list[str], message: str) -> None:
    file(tmp_path, "model.py", GOOD)
    file(tmp_path, "setup.py", "from setuptools import setup\nsetup()\n")
    file(tmp_path, "tox.ini", "[tox]\nenvlist = py311\n")
    done = shapecheck(tmp_path, *argv)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.svg"))


def test_a_binding_the_model_excludes_exits_2(tmp_path: Path) -> None:
    name = file(tmp_path, "model.py", "from shapecheck import nn\nmodel = nn.Sequential(nn.Input('B', 3, 'H', 'W'), nn.MaxPool2d(4))\n")
    done = shapecheck(tmp_path, "summary", name, "--bind", "H=2", "W=8")
    assert done.returncode == 2
    assert "shapecheck summary: --bind: cannot bind H=2, W=8: the model's input must satisfy H >= 4" in done.stderr
    assert "Traceback" not in done.stderr


# -- standard output read by a pipe that closes (| head -1) ---------------------------------------------


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    layers = ", ".join("nn.Linear(64, 64)" for _ in range(3000))  # a table larger than a pipe's buffer (64 KiB)
    name = file(tmp_path, "deep.py", f"from shapecheck import nn\nmodel = nn.Sequential(nn.Input('B', 64), {layers})\n")
    done = subprocess.run(["sh", "-c", f"'{SHAPECHECK}' summary {name} | head -1"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (done.stdout, done.stderr) == ("model from deep.py\n", "")
    read, write = os.pipe()
    os.close(read)  # a reader gone before anything is written, as in `shapecheck ... | true`
    with os.fdopen(write, "wb") as closed:
        done = subprocess.run([SHAPECHECK, "summary", name], cwd=tmp_path, stdout=closed, stderr=subprocess.PIPE, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (141, "")  # 128 + SIGPIPE, the status a shell shows for `yes | true`


# -- without fork (Windows): the child is spawned ----------------------------------------------------------


def test_spawned_child_reports_as_a_forked_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_isolate.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.chdir(tmp_path)
    good = file(tmp_path, "good.py", GOOD)
    assert main(["summary", good]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("model from good.py\n") and "Total params:          36" in out
    exits = file(tmp_path, "exits.py", GOOD + "import os\nos._exit(0)\n")
    assert main(["summary", exits]) == 2
    assert "its process exited with status 0 while importing exits.py" in capsys.readouterr().err
