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
from shapecheck.nn.module import Input
from shapecheck.static import FileReport, analyze_file
from shapecheck.static.analysis import Entry

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


def split_entry(target: str) -> tuple[str, str | None]:
    """``"vit.py:ViT(dim=64)"`` -> ``("vit.py", "ViT(dim=64)")``; a plain path has no entry."""
    if os.path.exists(target):
        return target, None
    path, sep, entry = target.partition(".py:")
    return (path + ".py", entry) if sep and entry else (target, None)


def configured_entries(start: str = ".") -> dict[str, list[Entry]]:
    """The models ``[tool.shapecheck] models`` names in the nearest ``pyproject.toml``, by file (resolved), for
    ``check`` to build besides those the files build themselves: ``"vit.py:ViT(dim=64)"``, or a table that
    also gives the input, ``{model = "net.py:Net(10)", input = "B 3 32 32"}`` (a list of them for a forward
    of several tensors)."""
    import tomllib

    directory = Path(start).resolve()
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                table = tomllib.loads(candidate.read_text()).get("tool", {}).get("shapecheck", {})
            except tomllib.TOMLDecodeError as err:
                raise CheckError(f"{candidate}: {err}") from None
            models = table.get("models", [])
            if not isinstance(models, list):
                raise CheckError(f"{candidate}: [tool.shapecheck] models must be a list such as {_EXAMPLE}")
            out: dict[str, list[Entry]] = {}
            for model in models:
                path, entry = _configured(model, f"{candidate}: [tool.shapecheck] models")
                out.setdefault(str((folder / path).resolve()), []).append(entry)
            return out
        if (folder / ".git").exists():
            break
    return {}


_EXAMPLE: Final = '["vit.py:ViT(dim=64)", {model = "net.py:Net(10)", input = "B 3 32 32"}]'


def _configured(model: object, where: str) -> tuple[str, Entry]:
    """One item of ``models``: its file, and the expression to build (with the input shapes, when given)."""
    target, given = (model, None) if isinstance(model, str) else (model.get("model"), model.get("input")) if isinstance(model, dict) else (None, None)
    if not isinstance(target, str) or isinstance(model, dict) and not set(model) <= {"model", "input"}:
        raise CheckError(f"{where}: {model!r} is not a string or a table of model and input, as in {_EXAMPLE}")
    path, entry = split_entry(target)
    if entry is None:
        raise CheckError(f"{where}: {target!r} is not FILE.py:EXPRESSION")
    if given is None:
        return path, entry
    shapes = [given] if isinstance(given, str) else given
    if not isinstance(shapes, list) or not shapes or not all(isinstance(s, str) for s in shapes):
        raise CheckError(f"{where}: the input of {target!r} must be a shape such as \"B 3 32 32\" or a list of them, got {given!r}")
    dims = [tuple(int(d) if d.isdigit() else d for d in shape.split()) for shape in shapes]
    for shape in dims:
        try:
            Input(*shape)
        except (TypeError, ValueError) as err:
            raise CheckError(f"{where}: the input of {target!r}: {err}") from None
    return path, (entry, dims)


def run_static(paths: Sequence[str], progress: Callable[[str], None] = lambda _: None) -> Result:
    """Check ``paths`` with the forward interpreter; raise :class:`CheckError` for a path that does not exist.

    A path may name models to build besides those the file builds: ``vit.py:ViT(image_size=32, dim=64)``
    (an expression of the file's names), as may ``[tool.shapecheck] models`` in ``pyproject.toml``."""
    entries = configured_entries()
    plain: list[str] = []
    for target in paths:
        path, entry = split_entry(target)
        plain.append(path)
        if entry is not None:
            entries.setdefault(str(Path(path).resolve()), []).append(entry)
    files = python_files(plain)
    result = Result(files=len(files))
    for i, path in enumerate(files, 1):
        try:
            report = analyze_file(path, entries.get(str(Path(path).resolve()), []))
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
