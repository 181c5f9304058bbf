"""Deciding checks on dims, and the input conditions a model collects on its way.

Named dims are rigid: a check passes only if it holds for every value the input conditions allow.
A difference in normal form is reported only with a counterexample (see ``dims.find_witness``);
anything that depends on an undeclared dim is left alone: silence beats a false positive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shapecheck.dims import (
    Condition,
    Dim,
    Symbol,
    as_dim,
    content,
    divide_exact,
    dominates,
    evaluate,
    find_witness,
    is_monotone,
    is_nondecreasing,
    is_unknown,
    least_value,
    relaxed,
    symbols_of,
)
from shapecheck.errors import RuleError

__all__ = ["Checker", "describe_condition", "oriented"]


def _text(what: str, args: tuple[object, ...]) -> str:
    """A check's message: ``what``, or with ``args`` a ``str.format`` template filled in only when the
    check fails (as ``logging`` defers its formatting: checks run once per layer per walk and pass)."""
    return what.format(*args) if args else what


class Checker:
    """Decides equalities and lower bounds on dims; records the symbolic ones as input conditions.

    ``lower`` maps a symbol to its least allowed value (``H >= 32``), ``upper`` to its greatest, as an
    ``Input`` declares it (``T <= 1024``); ``others`` holds conditions that do not reduce to one symbol.
    Rules call :meth:`equal` and :meth:`at_least`.
    """

    __slots__ = ("lower", "upper", "others")

    def __init__(self) -> None:
        self.lower: dict[str, int] = {}
        self.upper: dict[str, int] = {}
        self.others: dict[object, Condition] = {}

    def assume(self, conditions: Sequence[Condition]) -> None:
        """Take declared bounds as given: ``c*s >= b`` narrows ``s``'s range, anything else joins the conditions."""
        for e, b in conditions:
            single = _scaled_symbol(e)
            if single is None:
                self.others.setdefault((e.key() if not isinstance(e, int) else e, b), (e, b))
                continue
            name, c = single
            if c > 0:
                self.lower[name] = max(self.lower.get(name, 1), -(-b // c))
            else:
                self.upper[name] = min(self.upper.get(name, b // c), b // c)

    def conditions(self) -> list[Condition]:
        out: list[Condition] = [(as_dim(n), b) for n, b in self.lower.items()]
        out.extend((-as_dim(n), -b) for n, b in self.upper.items())
        out.extend(self._independent())
        return out

    def describe(self) -> list[str]:
        """The input conditions, readable: ``['H >= 32', 'T <= 1024', 'W >= 32']``."""
        bounds = [(n, 0, f"{n} >= {b}") for n, b in self.lower.items() if b > 1]
        bounds.extend((n, 1, f"{n} <= {b}") for n, b in self.upper.items())
        out = [text for _, _, text in sorted(bounds)]
        out.extend(describe_condition(e, b) for e, b in self._independent())
        return out

    def implied(self, d: Dim, bound: int) -> bool:
        """True when ``d >= bound`` follows from the symbols' bounds: ``d`` (or its floors' bounds, :func:`relaxed`)
        non-decreasing in each, at the least values; or ``d`` non-increasing in its single symbol, at that
        symbol's greatest value."""
        least = {s.name: self.lower.get(s.name, 1) for s in symbols_of(d)}
        if is_nondecreasing(d, least) and evaluate(d, least) >= bound:
            return True
        loose = relaxed(d)  # floors replaced by their bounds: a lower bound that may be non-decreasing
        if loose is not None and is_nondecreasing(loose[0], least) and evaluate(loose[0], least) >= loose[1] * bound:
            return True
        most = {n: self.upper[n] for n in least if n in self.upper}
        return len(least) == len(most) == 1 and is_nondecreasing(-d, least) and evaluate(d, most) >= bound

    def _independent(self) -> list[Condition]:
        """The multi-symbol conditions that neither the lower bounds nor another of them imply
        (``e1 >= b1`` implies ``e2 >= b2`` when ``b1 >= b2`` and ``e2 >= e1`` everywhere)."""
        kept: list[Condition] = []
        for e, b in self.others.values():
            if self.implied(e, b) or any(self._stronger(k, (e, b)) for k in kept):
                continue
            kept = [k for k in kept if not self._stronger((e, b), k)]
            kept.append((e, b))
        return kept

    def _stronger(self, a: Condition, b: Condition) -> bool:
        """Whether condition ``a`` implies condition ``b`` for every input the lower bounds allow."""
        (ea, ba), (eb, bb) = a, b
        return ba >= bb and dominates(eb, ea, self.lower)

    def at_least(self, d: Dim, bound: int, what: str, *args: object, index: int | None = None, fixes: Sequence[str] = ()) -> None:
        """Require ``d >= bound``: an error if ``d`` is an int below it, an input condition if symbolic."""
        if isinstance(d, int):
            if d < bound:
                raise RuleError(_text(what, args), expected=f">= {bound}", actual=d, index=index, fixes=fixes, kind="size")
            return
        if is_unknown(d):
            return
        syms = symbols_of(d)
        if len(syms) == 1 and is_monotone(d):
            name = next(iter(syms)).name
            current = self.lower.get(name, 1)
            if evaluate(d, {name: current}) >= bound:  # monotone: the current lower bound already implies it
                return
            least = least_value(d, name, bound)
            most = self.upper.get(name)
            if least is None or most is not None and least > most:
                never = None if least is None else f"it needs {name} >= {least}, but the input declares {name} <= {most}"
                raise RuleError(_text(what, args), expected=f">= {bound}", actual=d, index=index, fixes=fixes, kind="size", never=never)
            self.lower[name] = least
            return
        if not self.implied(d, bound):
            self.others.setdefault((d.key(), bound), (d, bound))

    def equal(
        self,
        actual: Dim,
        expected: Dim,
        what: str,
        *args: object,
        index: int | None = None,
        fixes: Sequence[str] = (),
        kind: str = "shape",
    ) -> None:
        """Require ``actual == expected`` for every allowed value of the symbols."""
        if actual == expected:
            return
        if isinstance(actual, int) and isinstance(expected, int):
            raise RuleError(_text(what, args), expected=expected, actual=actual, index=index, fixes=fixes, kind=kind)
        if is_unknown(actual) or is_unknown(expected):
            return
        witness = find_witness([(actual, expected)], self.conditions(), self.lower, self.upper)
        if witness is None:
            return
        raise RuleError(
            _text(what, args),
            expected=expected,
            actual=actual,
            index=index,
            fixes=fixes,
            holds_when=_holds_when(actual, expected),
            witness=witness,
            kind=kind,
        )


def oriented(e: Dim, bound: int) -> tuple[Dim, str, int]:
    """The condition ``e >= bound`` as ``(left, op, right)``: ``(T + S, "<=", 1024)`` when every coefficient of ``e`` is negative."""
    if not isinstance(e, int) and all(c < 0 for _, c in e.terms):
        return -e, "<=", -bound
    return e, ">=", bound


def describe_condition(e: Dim, bound: int) -> str:
    """``(e, bound)`` as text: ``H + W >= 64``, ``T <= 1024``."""
    return "{} {} {}".format(*oriented(e, bound))


def _scaled_symbol(e: Dim) -> tuple[str, int] | None:
    """``(name, c)`` when ``e`` is ``c*name``, else None."""
    if isinstance(e, int) or is_unknown(e) or e.const or len(e.terms) != 1:
        return None
    mono, c = e.terms[0]
    if len(mono) != 1 or not isinstance(mono[0], Symbol):
        return None
    return mono[0].name, c


def _holds_when(actual: Dim, expected: Dim) -> str:
    """``512*(H//32)*(W//32)`` vs ``25088`` -> ``(H//32)*(W//32) == 49``: the common factor cancelled."""
    if isinstance(expected, int) and not isinstance(actual, int):
        g = content(actual)
        rest = expected - actual.const
        texts = [f"{divide_exact(actual - actual.const, g)} == {rest // g}" if g > 1 and rest % g == 0 else f"{actual - actual.const} == {rest}"]
        whole = math.gcd(g, actual.const)  # or the whole of ``actual`` over its common factor: (h - 7)*(w - 7) == 25
        if whole > 1 and expected % whole == 0:
            texts.append(f"{divide_exact(actual, whole)} == {expected // whole}")
        return min(texts, key=len)
    return f"{actual} == {expected}"
