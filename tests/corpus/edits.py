"""Bugged copies of the corpus files, in memory: no torch needed (the static tests and the benchmark use them)."""

from __future__ import annotations

from pathlib import Path

from tests.corpus.cases import Bug, Call, Model

__all__ = ["CORPUS", "apply", "expression", "matching_lines", "normalised", "source"]

CORPUS = Path(__file__).parent


def normalised(line: str) -> str:
    """A line with its whitespace runs collapsed: how ``Bug.old`` is matched."""
    return " ".join(line.split())


def matching_lines(text: str, old: str) -> list[int]:
    """1-based numbers of the lines of text that equal old, whitespace-insensitively."""
    want = normalised(old)
    return [n for n, line in enumerate(text.split("\n"), 1) if normalised(line) == want]


def apply(text: str, bug: Bug) -> str:
    """The text with the one line matching ``bug.old`` replaced by ``bug.new`` at the same indentation."""
    hits = matching_lines(text, bug.old)
    if len(hits) != 1:
        raise ValueError(f"{bug.id}: `old` matches {len(hits)} lines of {bug.model.file}, not exactly one")
    lines = text.split("\n")
    line = lines[hits[0] - 1]
    lines[hits[0] - 1] = line[: len(line) - len(line.lstrip())] + bug.new.strip()
    return "\n".join(lines)


def source(file: str, bug: Bug | None = None) -> str:
    """The corpus file's text, with bug applied when given."""
    text = (CORPUS / file).read_text()
    return text if bug is None else apply(text, bug)


def expression(model: Model) -> str:
    """The model as a Python expression of the file's names: ``GPT(GPTConfig(n_head=4))``, ``resnet18()``."""
    return _call(model.name, model.args, model.kwargs)


def _call(name: str, args: tuple[object, ...], kwargs: dict[str, object]) -> str:
    parts = [_literal(a) for a in args] + [f"{k}={_literal(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _literal(value: object) -> str:
    return _call(value.name, value.args, value.kwargs) if isinstance(value, Call) else repr(value)
