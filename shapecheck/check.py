"""``shapecheck check``: mypy with the shapecheck plugin, whatever the project's own mypy configuration.

The project's configuration (found as mypy finds it, or given) is copied to a temporary file with
``shapecheck.mypy`` added to its plugins; mypy runs through ``mypy.api`` and only its ``[shape]``
errors are kept, each with the notes mypy prints under it (the layer, the derivation, the fix).
"""

from __future__ import annotations

import configparser
import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapecheck import _stubs

if TYPE_CHECKING:
    from shapecheck.static import FileReport

__all__ = ["CheckError", "Finding", "Result", "find_config", "run"]

PLUGIN = "shapecheck.mypy"
BATCH = 100
"""Files per mypy run when a tree is large: progress is reported between runs (the cache is shared)."""

_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|note): (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$"
)
_FLAGS = [
    "--show-column-numbers",
    "--show-error-codes",
    "--show-absolute-path",
    "--hide-error-context",
    "--no-pretty",
    "--no-color-output",
    "--no-error-summary",
]
_DIR_VARIABLES = ("${MYPY_CONFIG_FILE_DIR}", "$MYPY_CONFIG_FILE_DIR")


class CheckError(Exception):
    """mypy could not check the files (a bad configuration, a syntax error, a crash): exit status 2."""


@dataclass(frozen=True)
class Finding:
    """One ``[shape]`` error: where (1-based line and column) and what, with mypy's notes under it."""

    path: str
    line: int
    column: int
    message: str
    notes: tuple[str, ...] = ()


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    config: str | None = None
    reports: list[FileReport] = field(default_factory=list)
    """Per file, what the forward interpreter followed (empty when mypy checked the files)."""


def run(
    paths: Sequence[str],
    *,
    config_file: str | None = None,
    cache_dir: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Result:
    """Check ``paths`` (files or directories) with the plugin; raise :class:`CheckError` if mypy cannot."""
    for p in paths:
        if not os.path.exists(p):
            raise CheckError(f"{p}: no such file or directory")
    source = config_file if config_file is not None else find_config()
    if source is not None and not os.path.isfile(source):
        raise CheckError(f"{source}: no such configuration file")
    if config_file is not None and not _is_mypy_config(config_file, shared=True):
        raise CheckError(f"{config_file}: no mypy settings in it (a [mypy] section, or [tool.mypy] in TOML)")
    cache = cache_dir or os.path.join(os.environ.get("MYPY_CACHE_DIR", ".mypy_cache"), "shapecheck")
    with tempfile.TemporaryDirectory(prefix="shapecheck-") as tmp:
        config = write_config(source, Path(tmp))
        args = ["--config-file", str(config), "--cache-dir", cache, *_FLAGS]
        files = _sources(args, paths)
        result = Result(files=len(files), config=source)
        batches = [list(paths)] if len(files) <= BATCH else [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
        seen: set[Finding] = set()
        done = 0
        for batch in batches:
            for finding in _mypy([*args, *batch]):
                if finding not in seen:
                    seen.add(finding)
                    result.findings.append(finding)
            done += len(batch) if len(batches) > 1 else len(files)
            if len(batches) > 1:
                progress(f"shapecheck: checked {done}/{len(files)} files, {len(result.findings)} shape errors so far")
    result.findings.sort(key=lambda f: (f.path, f.line, f.column))
    return result


def find_config() -> str | None:
    """The configuration file mypy would read from here: the first of mypy's names (a ``pyproject.toml``
    with ``[tool.mypy]``, a ``setup.cfg`` with ``[mypy]``) up to the repository root, then the user's.
    """
    from mypy import defaults

    directory = os.path.abspath(os.getcwd())
    while True:
        for name in [*defaults.CONFIG_NAMES, *defaults.SHARED_CONFIG_NAMES]:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and _is_mypy_config(candidate, shared=name in defaults.SHARED_CONFIG_NAMES):
                return os.path.relpath(candidate)
        if any(os.path.exists(os.path.join(directory, vcs)) for vcs in (".git", ".hg")):
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return next((f for f in defaults.USER_CONFIG_FILES if os.path.isfile(f)), None)


def _is_mypy_config(path: str, shared: bool) -> bool:
    if path.endswith(".toml"):
        return "mypy" in _read_toml(path).get("tool", {})
    return not shared or _read_ini(path).has_section("mypy")


def write_config(source: str | None, directory: Path) -> Path:
    """A copy of the mypy configuration ``source`` (or none) with the plugin enabled, in ``directory``.

    Paths written relative to the original file (``$MYPY_CONFIG_FILE_DIR``) keep pointing there. Where
    torch is not importable, shapecheck's torch stubs join the end of ``mypy_path``, so torch files get
    the same findings as with torch.
    """
    here = os.path.dirname(os.path.abspath(source)) if source else os.getcwd()
    try:
        extra = _stubs.mypy_path()
    except OSError as err:
        raise CheckError(f"cannot write shapecheck's torch stubs (torch is not installed): {err}") from None
    if source is not None and source.endswith(".toml"):
        table: dict[str, Any] = dict(_read_toml(source).get("tool", {}).get("mypy", {}))
        table = {k: _expand(v, here) for k, v in table.items()}
        table["plugins"] = _with_plugin(_as_list(table.get("plugins", [])))
        if extra:
            table["mypy_path"] = [*_as_list(table.get("mypy_path", [])), *extra]
        target = directory / "pyproject.toml"
        target.write_text(_toml_document(table))
        return target
    parser = _read_ini(source) if source is not None else configparser.RawConfigParser()
    for section in parser.sections():
        if section != "mypy" and not section.startswith("mypy-"):
            parser.remove_section(section)
        else:
            for key, value in parser.items(section):
                parser.set(section, key, _expand(value, here))
    if not parser.has_section("mypy"):
        parser.add_section("mypy")
    plugins = _as_list(parser.get("mypy", "plugins", fallback=""))
    parser.set("mypy", "plugins", ", ".join(_with_plugin(plugins)))
    if extra:
        paths = _as_list(parser.get("mypy", "mypy_path", fallback=""))
        parser.set("mypy", "mypy_path", ", ".join([*paths, *extra]))
    target = directory / "mypy.ini"
    with target.open("w") as f:
        parser.write(f)
    return target


def _read_ini(path: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path)
    except (configparser.Error, UnicodeDecodeError) as err:
        problem = str(err).splitlines()[0].rstrip(".")
        line = getattr(err, "lineno", None)
        where = f" at line {line}" if line and "line" not in problem else ""
        raise CheckError(f"{path}: not a mypy configuration (INI, or TOML named *.toml): {problem}{where}") from None
    return parser


def _read_toml(path: str) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise CheckError(f"{path}: {err}") from None


def _expand(value: Any, here: str) -> Any:
    if isinstance(value, str):
        for variable in _DIR_VARIABLES:
            value = value.replace(variable, here)
        return value
    if isinstance(value, list):
        return [_expand(v, here) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, here) for k, v in value.items()}
    return value


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[,\n]", value) if p.strip()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _with_plugin(plugins: list[str]) -> list[str]:
    return plugins if PLUGIN in plugins else [*plugins, PLUGIN]


def _toml_document(table: Mapping[str, Any]) -> str:
    """``[tool.mypy]`` and its ``[[tool.mypy.overrides]]`` as TOML (strings, numbers, booleans, lists)."""
    lines = ["[tool.mypy]"]
    overrides = table.get("overrides", [])
    lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if k != "overrides"]
    for override in overrides if isinstance(overrides, list) else []:
        lines += ["", "[[tool.mypy.overrides]]", *(f"{k} = {_toml_value(v)}" for k, v in override.items())]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def _sources(args: list[str], paths: Sequence[str]) -> list[str]:
    """The files mypy would check for ``paths`` (its own discovery: packages, ``exclude``)."""
    from mypy.main import process_options

    out, err = io.StringIO(), io.StringIO()
    try:
        with _quiet_environment():
            sources, _ = process_options([*args, *paths], stdout=out, stderr=err)
    except SystemExit:
        raise CheckError((err.getvalue() or out.getvalue()).strip() or "mypy rejected the arguments") from None
    return [s.path for s in sources if s.path is not None]


def _mypy(args: list[str]) -> Iterator[Finding]:
    from mypy import api

    with _quiet_environment():
        stdout, stderr, status = api.run(args)
    if status not in (0, 1) or "INTERNAL ERROR" in stdout + stderr:
        raise CheckError("mypy could not check the files:\n" + (stdout + stderr).strip())
    current: tuple[str, int, int, str] | None = None
    notes: list[str] = []
    for text in stdout.splitlines():
        m = _LINE.match(text)
        if m is None:
            continue
        where = (_display_path(m["path"]), int(m["line"]), int(m["col"]))
        if m["severity"] == "note" and current is not None and current[:3] == where:
            notes.append(m["message"])
            continue
        if current is not None:
            yield Finding(*current, tuple(notes))
        current, notes = ((*where, m["message"]), []) if m["severity"] == "error" and m["code"] == "shape" else (None, [])
    if current is not None:
        yield Finding(*current, tuple(notes))


@contextlib.contextmanager
def _quiet_environment() -> Iterator[None]:
    """mypy reads ``MYPY_FORCE_COLOR`` and writes ``MYPY_CONFIG_FILE_DIR``: keep the caller's environment as it was."""
    saved = {k: os.environ.get(k) for k in ("MYPY_CONFIG_FILE_DIR", "MYPY_FORCE_COLOR")}
    os.environ.pop("MYPY_FORCE_COLOR", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _display_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it, with ``/`` separators."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return Path(path).as_posix()
    return Path(path if rel.startswith("..") else rel).as_posix()
