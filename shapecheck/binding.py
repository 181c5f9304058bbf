"""A call's arguments bound to a contract's inputs, as Python binds them to the called function's parameters."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Arguments", "signature_of"]

_MISSING: Any = object()


def signature_of(fn: Callable[..., Any]) -> inspect.Signature | None:
    """``fn``'s parameters (a torch module's are its ``forward``'s); None when Python cannot tell (a builtin)."""
    target = getattr(fn, "forward", fn) if not inspect.isroutine(fn) else fn
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):
        return None


class _Slot:
    """Where a contract input is found: the parameter it binds to (an index into it when it is ``*args``), its
    position in a call that passes it by position, and for ``*args`` the name ``**kwargs`` may hold it by."""

    __slots__ = ("name", "parameter", "star", "position", "keyword")

    def __init__(self, name: str, parameter: str, star: int | None, position: int | None, keyword: str | None) -> None:
        self.name, self.parameter, self.star, self.position, self.keyword = name, parameter, star, position, keyword


class Arguments:
    """The contract's inputs in a call to a function of ``signature``, bound as Python binds them.

    A call passing them all by position takes a fast path (``args[i]``); any other call is bound by
    ``inspect.Signature.bind``, so keywords and defaults count, and a call Python would refuse raises
    Python's TypeError. Without a signature the contract's own names are the parameters.
    """

    def __init__(self, signature: inspect.Signature | None, names: Sequence[str], owner: str) -> None:
        P = inspect.Parameter
        self.owner = owner
        self.signature = signature or inspect.Signature([P(n, P.POSITIONAL_OR_KEYWORD) for n in names])
        params = list(self.signature.parameters.values())
        positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
        star = next((p.name for p in params if p.kind is P.VAR_POSITIONAL), None)
        self.starstar = next((p.name for p in params if p.kind is P.VAR_KEYWORD), None)
        named = {p.name: p for p in params if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)}
        if all(n in named for n in names):
            at = {p.name: i for i, p in enumerate(positional)}
            self.slots = [_Slot(n, n, None, at.get(n), None) for n in names]
        else:
            skip = 1 if positional and positional[0].name in ("self", "cls") else 0
            free = positional[skip:]
            if len(names) > len(free) and star is None:
                raise TypeError(
                    f"guard: {owner}{self.signature} takes {len(free)} argument{'s' * (len(free) != 1)}, "
                    f"the contract {len(names)} ({', '.join(names)})"
                )
            self.slots = [
                _Slot(n, free[i].name, None, skip + i, None)
                if i < len(free)
                else _Slot(n, star or "", i - len(free), len(positional) + i - len(free), n if self.starstar else None)
                for i, n in enumerate(names)
            ]
        # a call without keywords and with least <= len(args) <= most has the inputs at args[positions]
        positions = [s.position for s in self.slots]
        self.positions = tuple(p or 0 for p in positions)
        self.least = sys.maxsize if None in positions else max(self.positions, default=-1) + 1
        self.most = len(positional) if star is None else sys.maxsize

    def values(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Sequence[Any]:
        """The inputs' values in the call ``(*args, **kwargs)``."""
        if not kwargs and self.least <= len(args) <= self.most:
            return [args[i] for i in self.positions]
        return self.bind(args, kwargs)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Sequence[Any]:
        """The inputs' values bound by ``inspect.Signature.bind``: keywords, defaults, Python's TypeError."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{self.owner}() {err}") from None
        bound.apply_defaults()
        arguments = bound.arguments
        out = []
        for slot in self.slots:
            value = arguments.get(slot.parameter, _MISSING)
            if slot.star is not None:
                value = value[slot.star] if slot.star < len(value) else _MISSING
                if value is _MISSING and slot.keyword is not None and self.starstar is not None:
                    value = arguments[self.starstar].get(slot.keyword, _MISSING)
            if value is _MISSING:
                raise TypeError(f"{self.owner}() missing the argument {slot.name!r} of its shape contract")
            out.append(value)
        return out
