"""A rule's formula with numbers filled in: the formulas of the rules' docstrings (the ````...```` spans,
written in the rule's parameter names) rendered for one layer, for derivations and hovers.

The docstring is the single statement of the formula; tests evaluate each against its rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Final

__all__ = ["formula", "formulas"]

_SPAN: Final = re.compile(r"``(.+?)``")
_PROD: Final = re.compile(r"prod\((\w+)\)")
_NAME: Final = re.compile(r"\b[A-Za-z_]\w*\b")
_ATOM: Final = re.compile(r"-?\w+")


@cache
def formulas(rule: Callable[..., object]) -> tuple[str, ...]:
    """The ````...```` spans of ``rule``'s docstring, in order."""
    return tuple(_SPAN.findall(rule.__doc__ or ""))


def formula(rule: Callable[..., object], which: int = 0, **values: object) -> str:
    """Formula ``which`` of ``rule``'s docstring with each parameter named in ``values`` replaced by its
    value: ``prod(kernel)`` of a tuple as ``7*7``, an expression in parentheses unless it opens a sum."""
    text = _PROD.sub(lambda m: _product(values.get(m.group(1)), m.group(0)), formulas(rule)[which])
    return _NAME.sub(lambda m: _value(text, m, values), text)


def _product(value: object, default: str) -> str:
    return "*".join(str(v) for v in value) if isinstance(value, tuple) else default


def _value(text: str, m: re.Match[str], values: dict[str, object]) -> str:
    if m.group() not in values:
        return m.group()
    value = str(values[m.group()])
    before, after = text[: m.start()].rstrip(), text[m.end() :]
    opens_sum = before.endswith("(") and (after.startswith((" +", " -", ")")))
    return value if _ATOM.fullmatch(value) or opens_sum else f"({value})"

