"""``shapecheck check`` without mypy: every file through the forward interpreter (``shapecheck.static``).

Nothing is imported or run, and neither torch nor mypy is needed: the files are read, parsed and
evaluated abstractly. Each file's report says what was checked and where tracking was lost, so a
clean result is never mistaken for a file nobody analysed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from shapecheck.check import CheckError, Finding, Result
from shapecheck.static import FileReport, analyze_file

__all__ = ["python_files", "run_static"]

_SKIPPED_DIRS: Final = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "build", "dist"})


def python_files(paths: Sequence[str]) -> list[str]:
    """The ``.py`` files of ``paths`` (files as given; directories walked, hidden and virtualenv ones skipped)."""
    out: list[str] = []
    for p in paths:
        if not os.path.exists(p):
            raise CheckError(f"{p}: no such file or directory")
        if os.path.isfile(p):
            out.append(p)
            continue
        out.extend(sorted(_walk(Path(p))))
    return out


def _walk(root: Path) -> Iterator[str]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _SKIPPED_DIRS and not (Path(directory, d) / "pyvenv.cfg").exists())
        for name in files:
            if name.endswith((".py", ".pyi")):
                yield os.path.join(directory, name)


def run_static(paths: Sequence[str], progress: Callable[[str], None] = lambda _: None) -> Result:
    """Check ``paths`` with the forward interpreter; raise :class:`CheckError` for a path that does not exist."""
    files = python_files(paths)
    result = Result(files=len(files))
    for i, path in enumerate(files, 1):
        try:
            report = analyze_file(path)
        except OSError as err:
            report = FileReport(path, error=f"cannot be read: {err.strerror or err}")
        display = _display(path)
        report.path = display
        result.reports.append(report)
        result.findings.extend(
            Finding(display, f.line, f.column + 1, f.message, f.notes) for f in report.findings
        )
        if len(files) > 200 and i % 200 == 0:
            progress(f"shapecheck: checked {i}/{len(files)} files, {len(result.findings)} shape errors so far")
    result.findings.sort(key=lambda f: (f.path, f.line, f.column))
    return result


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return Path(path).as_posix()
    return Path(path if rel.startswith("..") else rel).as_posix()
