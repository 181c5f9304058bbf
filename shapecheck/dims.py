"""Symbolic dimensions: integer polynomials over symbols and floor divisions, in a normal form.

A dimension (``Dim``) is a plain ``int`` or an :class:`Expr`. An ``Expr`` is a sum of integer
multiples of monomials plus a constant; a monomial is a product of atoms; an atom is a
:class:`Symbol` (``H``) or a :class:`Floor` (``(H + 1)//2``). Construction always normalises:

* ``floor(p/k)`` splits off every multiple of ``k``: ``(H + 3)//2 == (H + 1)//2 + 1``;
* common factors cancel: ``(2*H + 2)//4 == (H + 1)//2``;
* nested floors fold: ``((p//a) + c)//b == (p + c*a)//(a*b)``, so five 2x2 pools give ``H//32``;
* an expression without symbols is an ``int``.

Equal normal forms are equal functions. The converse does not always hold
(``H//2 + (H + 1)//2`` is ``H``), so a difference in form is only reported as a mismatch together
with a witness: values of the symbols under which the two really differ (:func:`find_witness`).
Expression size is bounded by the layer arithmetic, not by depth: checking stays linear.
"""

from __future__ import annotations

import ast
import itertools
import math
import random
from collections.abc import Iterable, Mapping
from typing import Final, Union

__all__ = [
    "Dim",
    "DimLike",
    "Expr",
    "Floor",
    "Symbol",
    "as_dim",
    "ceil_div",
    "content",
    "divide_exact",
    "dominates",
    "evaluate",
    "factored",
    "find_witness",
    "floor_div",
    "format_dim",
    "is_monotone",
    "is_nondecreasing",
    "is_unknown",
    "least_value",
    "parse_conditions",
    "relaxed",
    "substitute",
    "symbols_of",
    "unknown",
]

_Key = tuple[object, ...]


class Symbol:
    """A named dimension. ``unknown`` symbols stand for sizes nobody declared: checks on them stay silent."""

    __slots__ = ("name", "unknown", "_key")

    def __init__(self, name: str, unknown: bool = False) -> None:
        self.name = name
        self.unknown = unknown
        self._key: _Key = (int(unknown), name)

    def key(self) -> _Key:
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __str__(self) -> str:
        return "?" if self.unknown else self.name

    __repr__ = __str__


class Floor:
    """``num // den`` with ``den >= 2``, ``num`` non-constant with coefficients in ``[0, den)``."""

    __slots__ = ("num", "den", "_key", "_hash")

    def __init__(self, num: Expr, den: int) -> None:
        self.num = num
        self.den = den
        self._key: _Key = (2, num.key(), den)
        self._hash = hash(self._key)  # the key nests: hash it once, not at every dict lookup

    def key(self) -> _Key:
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Floor) and self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        num = self.num
        inner = str(num)
        if len(num.terms) > 1 or num.const or num.terms[0][1] != 1 or len(num.terms[0][0]) > 1:
            inner = f"({inner})"
        return f"{inner}//{self.den}"


Atom = Union[Symbol, Floor]
Monomial = tuple[Atom, ...]


def _mono_key(mono: Monomial) -> _Key:
    return tuple(a.key() for a in mono)


class Expr:
    """``sum(coeff * monomial) + const`` in normal form; immutable and hashable.

    Arithmetic with ints and other expressions returns a ``Dim`` (an ``int`` when symbols cancel).
    The comparison key is computed on first use: most intermediate results are never compared.
    """

    __slots__ = ("terms", "const", "_key", "_hash", "_symbols")

    def __init__(self, terms: tuple[tuple[Monomial, int], ...], const: int) -> None:
        self.terms = terms
        self.const = const
        self._key: _Key | None = None
        self._hash = 0
        self._symbols: frozenset[Symbol] | None = None

    def key(self) -> _Key:
        if self._key is None:
            self._key = (tuple((_mono_key(m), c) for m, c in self.terms), self.const)
            self._hash = hash(self._key)
        return self._key

    # -- comparisons -------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Expr):
            return self is other or self.key() == other.key()
        return False  # an Expr is never an int: normal form turns constants into ints

    def __hash__(self) -> int:
        self.key()
        return self._hash

    # -- arithmetic --------------------------------------------------------------------------
    def __add__(self, other: DimLike) -> Dim:
        return _add(self, as_dim(other))

    __radd__ = __add__

    def __sub__(self, other: DimLike) -> Dim:
        return _add(self, _scale(as_dim(other), -1))

    def __rsub__(self, other: DimLike) -> Dim:
        return _add(as_dim(other), _scale(self, -1))

    def __neg__(self) -> Dim:
        return _scale(self, -1)

    def __mul__(self, other: DimLike) -> Dim:
        return _mul(self, as_dim(other))

    __rmul__ = __mul__

    def __floordiv__(self, other: int) -> Dim:
        return floor_div(self, other)

    # -- printing ----------------------------------------------------------------------------
    def __str__(self) -> str:
        """Python syntax, as a product where that is shorter (:func:`factored`)."""
        return factored(self)

    def expanded(self) -> str:
        """The sum of terms in normal-form order: ``-48*(H//4) + 16*(H//4)*(W//4) - 48*(W//4) + 144``."""
        parts: list[str] = []
        for mono, coeff in self.terms:
            body = "*".join(_atom_str(a, len(mono) > 1 or abs(coeff) != 1) for a in mono)
            if coeff == 1:
                text = body
            elif coeff == -1:
                # a leading -H//2 would read as (-H)//2 in Python: -(H//2)
                text = f"-({body})" if not parts and len(mono) == 1 and isinstance(mono[0], Floor) else f"-{body}"
            else:
                text = f"{coeff}*{body}"
            parts.append(text)
        if self.const:
            parts.append(str(self.const))
        out = parts[0]
        for p in parts[1:]:
            out += f" - {p[1:]}" if p.startswith("-") else f" + {p}"
        return out

    def __repr__(self) -> str:
        return f"Expr({self})"

    def symbols(self) -> frozenset[Symbol]:
        if self._symbols is None:
            found: set[Symbol] = set()
            for mono, _ in self.terms:
                for atom in mono:
                    if isinstance(atom, Symbol):
                        found.add(atom)
                    else:
                        found |= atom.num.symbols()
            self._symbols = frozenset(found)
        return self._symbols


Dim = Union[int, Expr]
DimLike = Union[int, str, Expr]


def _atom_str(atom: Atom, in_product: bool) -> str:
    text = str(atom)
    return f"({text})" if in_product and isinstance(atom, Floor) else text


def _make(acc: Mapping[Monomial, int], const: int) -> Dim:
    items = [(m, c) for m, c in acc.items() if c]
    if not items:
        return const
    if len(items) > 1:
        items.sort(key=lambda mc: _mono_key(mc[0]))
    return Expr(tuple(items), const)


def _parts(d: Dim) -> tuple[tuple[tuple[Monomial, int], ...], int]:
    return ((), d) if isinstance(d, int) else (d.terms, d.const)


def _add(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int):
        if isinstance(b, int):
            return a + b
        a, b = b, a  # addition commutes: the expression first
    if isinstance(a, _Unknown):
        return a
    if isinstance(b, int):  # a constant only shifts the constant term
        return Expr(a.terms, a.const + b) if b else a
    if isinstance(b, _Unknown):
        return b
    ta, ca = _parts(a)
    tb, cb = _parts(b)
    acc: dict[Monomial, int] = dict(ta)
    for m, c in tb:
        acc[m] = acc.get(m, 0) + c
    return _make(acc, ca + cb)


def _scale(a: Dim, k: int) -> Dim:
    if isinstance(a, int):
        return a * k
    if isinstance(a, _Unknown):
        return a
    if k == 0:
        return 0
    return Expr(tuple((m, c * k) for m, c in a.terms), a.const * k)


def _mul(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int):
        return _scale(b, a)
    if isinstance(b, int):
        return _scale(a, b)
    if isinstance(a, _Unknown):
        return a
    if isinstance(b, _Unknown):
        return b
    ta, ca = _parts(a)
    tb, cb = _parts(b)
    acc: dict[Monomial, int] = {}
    for m1, c1 in ta:
        for m2, c2 in tb:
            mono = tuple(sorted(m1 + m2, key=lambda at: at.key()))
            acc[mono] = acc.get(mono, 0) + c1 * c2
        if cb:
            acc[m1] = acc.get(m1, 0) + c1 * cb
    if ca:
        for m2, c2 in tb:
            acc[m2] = acc.get(m2, 0) + ca * c2
    return _make(acc, ca * cb)


def floor_div(a: DimLike, k: int) -> Dim:
    """``a // k`` for a positive int ``k``, normalised (see the module docstring)."""
    if type(a) is int and type(k) is int and k > 0:  # the common case, concrete sizes
        return a // k
    if not isinstance(k, int) or isinstance(k, bool) or k <= 0:
        raise ValueError(f"can only divide a dimension by a positive int, got {k!r}")
    d = as_dim(a)
    if k == 1 or isinstance(d, (int, _Unknown)):
        return d // k if isinstance(d, int) else d
    quotient: dict[Monomial, int] = {}
    rest: dict[Monomial, int] = {}
    for m, c in d.terms:
        q, r = divmod(c, k)
        quotient[m] = q
        rest[m] = r
    qc, rc = divmod(d.const, k)
    whole = _make(quotient, qc)
    rest_items = {m: c for m, c in rest.items() if c}
    if not rest_items:
        return whole
    g = math.gcd(k, rc, *rest_items.values())
    den = k // g
    rest_items = {m: c // g for m, c in rest_items.items()}
    rc //= g
    num = _make(rest_items, rc)
    assert isinstance(num, Expr)
    if len(num.terms) == 1:
        mono, coeff = num.terms[0]
        if coeff == 1 and len(mono) == 1 and isinstance(mono[0], Floor):
            inner = mono[0]  # ((p // a) + c) // b == (p + c*a) // (a*b)
            return _add(whole, floor_div(_add(inner.num, inner.den * num.const), inner.den * den))
    return _add(whole, Expr((((Floor(num, den),), 1),), 0))


def ceil_div(a: DimLike, k: int) -> Dim:
    """``ceil(a / k) == (a + k - 1) // k`` for a positive int ``k``."""
    return floor_div(_add(as_dim(a), k - 1), k)


def as_dim(x: DimLike) -> Dim:
    """An int, a symbol name (``"B"``) or an ``Expr`` as a ``Dim``."""
    if type(x) is int or isinstance(x, Expr):  # already a Dim (a bool is an int too, but not a dim)
        return x
    if isinstance(x, bool):
        raise TypeError(f"a dimension must be an int or a symbol name, got {x!r}")
    if isinstance(x, (int, Expr)):
        return x
    if isinstance(x, str):
        if x.isidentifier():
            return _symbol_expr(Symbol(x))
        return _parse(x, x)
    raise TypeError(f"a dimension must be an int or a symbol name, got {type(x).__name__} {x!r}")


_DIM_SYNTAX: Final = "a name such as 'B' or an expression of names such as '16*h' or '2*n + 1' (ints, names, + - * //)"


def _parse(text: str, whole: str) -> Dim:
    """``text`` (a part of ``whole``) as Python arithmetic over ints and names: ``"16*h"``, ``"(H - 1)//2 + 1"``."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"a symbolic dimension must be {_DIM_SYNTAX}, got {whole!r}") from None
    return _eval(tree, whole)


def _eval(node: ast.expr, whole: str) -> Dim:
    if isinstance(node, ast.Name):
        return _symbol_expr(Symbol(node.id))
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _scale(_eval(node.operand, whole), -1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        a, b = _eval(node.left, whole), _eval(node.right, whole)
        if isinstance(node.op, ast.Add):
            return _add(a, b)
        if isinstance(node.op, ast.Sub):
            return _add(a, _scale(b, -1))
        if isinstance(node.op, ast.Mult):
            return _mul(a, b)
        if isinstance(b, int) and b > 0:
            return floor_div(a, b)
        raise ValueError(f"{whole!r}: a dimension can only be divided by a positive int, not {ast.unparse(node.right)!r}")
    raise ValueError(f"a symbolic dimension must be {_DIM_SYNTAX}, got {whole!r}")


def parse_conditions(text: str) -> list[Condition]:
    """Declared bounds as conditions ``(expr, bound)``, meaning ``expr >= bound``: ``"T <= 1024"`` is
    ``(-T, -1024)``, ``"H >= 64"`` is ``(H, 64)``, ``"64 <= H < 512"`` both; ``<`` and ``>`` are strict."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        tree = None
    if not isinstance(tree, ast.Compare) or not all(isinstance(op, (ast.LtE, ast.GtE, ast.Lt, ast.Gt)) for op in tree.ops):
        raise ValueError(f"a bound must compare dims with <=, >=, < or >, such as 'T <= 1024' or '64 <= H', got {text!r}")
    sides = [_eval(tree.left, text), *(_eval(c, text) for c in tree.comparators)]
    out: list[Condition] = []
    for op, left, right in zip(tree.ops, sides, sides[1:]):
        big, small = (right, left) if isinstance(op, (ast.LtE, ast.Lt)) else (left, right)
        diff = _add(big, _scale(small, -1))  # big - small >= 0 (or >= 1 when strict)
        strict = int(isinstance(op, (ast.Lt, ast.Gt)))
        if isinstance(diff, int):
            if diff < strict:
                raise ValueError(f"the bound {text!r} holds for no size")
            continue
        out.append((Expr(diff.terms, 0), strict - diff.const))
    return out


def _symbol_expr(s: Symbol) -> Expr:
    return Expr((((s,), 1),), 0)


class _Unknown(Expr):
    """A dimension nobody declared. Arithmetic on it gives it back: what depends on it is unknown too."""

    __slots__ = ()

    def _absorb(self, other: DimLike) -> Dim:
        as_dim(other)  # the other operand is still validated
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absorb

    def __neg__(self) -> Dim:
        return self

    def __str__(self) -> str:
        return "?"


_UNKNOWN = _Unknown((((Symbol("?", unknown=True),), 1),), 0)


def unknown() -> Expr:
    """A dimension nobody declared; printed ``?``. Checks involving it are silent."""
    return _UNKNOWN


def symbols_of(d: Dim) -> frozenset[Symbol]:
    return frozenset() if isinstance(d, int) else d.symbols()


def is_unknown(d: Dim) -> bool:
    """True when ``d`` depends on a dimension nobody declared."""
    return isinstance(d, _Unknown)


def format_dim(d: Dim) -> str:
    return str(d)


def substitute(d: Dim, values: Mapping[str, int]) -> Dim:
    """Replace the named symbols by ints; the result is normalised (an int if nothing is left)."""
    if isinstance(d, (int, _Unknown)) or not values:
        return d
    total: Dim = d.const
    for mono, coeff in d.terms:
        prod: Dim = coeff
        for atom in mono:
            if isinstance(atom, Symbol):
                v = values.get(atom.name) if not atom.unknown else None
                prod = _mul(prod, v if v is not None else _symbol_expr(atom))
            else:
                prod = _mul(prod, floor_div(substitute(atom.num, values), atom.den))
        total = _add(total, prod)
    return total


def evaluate(d: Dim, values: Mapping[str, int]) -> int:
    """``d`` with every symbol bound; KeyError names a missing symbol."""
    if isinstance(d, int):
        return d
    total = d.const
    for mono, coeff in d.terms:
        prod = coeff
        for atom in mono:
            if isinstance(atom, Symbol):
                prod *= values[atom.name]
            else:
                prod *= evaluate(atom.num, values) // atom.den
        total += prod
    return total


Condition = tuple[Dim, int]
"""``(expr, bound)`` meaning ``expr >= bound``."""

_TRIES: Final = 200


def find_witness(
    differ: Iterable[tuple[Dim, Dim]],
    conditions: Iterable[Condition],
    lower: Mapping[str, int] | None = None,
    upper: Mapping[str, int] | None = None,
) -> dict[str, int] | None:
    """Values of the symbols under which some pair in ``differ`` is unequal and every condition holds.

    Symbols are positive; ``lower`` and ``upper`` give known bounds. Only the symbols of the pairs,
    and of the conditions that share a symbol with them, are bound. Searches small values first,
    then a seeded random sample; None means none was found (the pairs may well be equal everywhere).
    """
    pairs = list(differ)
    names = {s.name for a, b in pairs for s in symbols_of(a) | symbols_of(b)}
    conds: list[Condition] = []
    rest = [(e, b, {s.name for s in symbols_of(e)}) for e, b in conditions]
    grown = True
    while grown:  # the conditions that constrain the pairs' symbols, through shared symbols
        grown = False
        for item in list(rest):
            if item[2] & names:
                names |= item[2]
                conds.append(item[:2])
                rest.remove(item)
                grown = True
    ordered = sorted(names)
    lo = {n: max(1, (lower or {}).get(n, 1)) for n in ordered}
    hi = {n: (upper or {}).get(n, 1 << 62) for n in ordered}

    def ok(values: dict[str, int]) -> bool:
        return all(evaluate(e, values) >= b for e, b in conds) and any(
            evaluate(a, values) != evaluate(b, values) for a, b in pairs
        )

    rng = random.Random(0)
    offsets = itertools.chain(range(64), (rng.randrange(64, 4096) for _ in range(_TRIES)))
    for off in offsets:
        same = {n: min(lo[n] + off, hi[n]) for n in ordered}
        if ok(same):
            return same
        mixed = {n: min(lo[n] + rng.randrange(0, off + 1), hi[n]) for n in ordered}
        if ok(mixed):
            return mixed
    return None


def factored(d: Dim) -> str:
    """``d`` printed as a product where that is shorter: ``16*(H//4 - 3)*(W//4 - 3)`` rather than
    ``-48*(H//4) + 16*(H//4)*(W//4) - 48*(W//4) + 144``. The common factor of the coefficients comes out,
    then each factor ``(a + k)`` of an atom ``a`` (``d == (a + k)*P``), repeatedly."""
    if isinstance(d, int) or is_unknown(d):
        return str(d)
    plain = d.expanded()
    if len(d.terms) < 2:
        return plain
    g = math.gcd(*(c for _, c in d.terms), d.const)
    rest: Dim = divide_exact(d, g)
    factors: list[Dim] = []
    while not isinstance(rest, int):
        split = _atom_factor(rest)
        if split is None:
            break
        factor, rest = split
        factors.append(factor)
    if not factors:
        return plain
    if isinstance(rest, int):  # the sign (or what is left of a constant) joins the common factor
        g, rest = g * rest, 1
    parts = [] if g in (1, -1) else [str(g)]
    parts.extend(_factor_text(f) for f in [*factors, rest] if f != 1)
    text = ("-" if g == -1 else "") + "*".join(parts)
    return text if len(text) < len(plain) else plain


def _factor_text(d: Dim) -> str:
    """A factor of a product: a sum in parentheses, a floor as ``(H//4)``."""
    if isinstance(d, int):
        return str(d)
    if len(d.terms) > 1 or d.const:
        return f"({d})"
    mono, coeff = d.terms[0]
    return _atom_str(mono[0], True) if coeff == 1 and len(mono) == 1 else str(d)


def _atom_factor(e: Expr) -> tuple[Dim, Dim] | None:
    """``(a + k, P)`` with ``e == (a + k)*P`` for an atom ``a`` of ``e``: ``a`` in every monomial (``k = 0``),
    or of degree at most one in each; None if there is none."""
    atoms = sorted({atom for mono, _ in e.terms for atom in mono}, key=lambda at: at.key())
    for atom in atoms:
        if not e.const and all(atom in mono for mono, _ in e.terms):
            quotient = {_without(mono, atom): c for mono, c in e.terms}
            return Expr((((atom,), 1),), 0), _make({m: c for m, c in quotient.items() if m}, quotient.get((), 0))
        if any(mono.count(atom) > 1 for mono, _ in e.terms):
            continue
        with_atom: dict[Monomial, int] = {}
        without: dict[Monomial, int] = {}
        for mono, c in e.terms:
            if atom in mono:
                with_atom[_without(mono, atom)] = c
            else:
                without[mono] = c
        p = _make({m: c for m, c in with_atom.items() if m}, with_atom.get((), 0))
        r = _make({m: c for m, c in without.items() if m}, e.const)
        lead_p, lead_r = _parts(p), _parts(r)
        top_p = lead_p[0][0][1] if lead_p[0] else lead_p[1]
        top_r = lead_r[0][0][1] if lead_r[0] else lead_r[1]
        if top_p == 0 or top_r % top_p:
            continue
        k = top_r // top_p
        if _add(r, _scale(p, -k)) == 0:
            return _add(Expr((((atom,), 1),), 0), k), p
    return None


def _without(mono: Monomial, atom: Atom) -> Monomial:
    """``mono`` with one occurrence of ``atom`` taken out."""
    at = mono.index(atom)
    return mono[:at] + mono[at + 1 :]


def relaxed(d: Dim, rounds: int = 4) -> tuple[Dim, int] | None:
    """``(e, m)`` with ``e <= m*d`` for every value of the symbols and ``e`` free of outer floors: each floor
    ``c*(p//k)`` alone in its term is replaced by a bound of it, ``p - k + 1`` over ``k`` if ``c > 0`` and ``p``
    over ``k`` if ``c < 0`` (scaled by ``m``, the lcm of the ``k``), ``rounds`` times for nested floors.
    ``H - 16*((H + 4)//16) + 180 >= 176`` so proves ``>= 0``. None when a floor shares a term with another atom."""
    scale = 1
    for _ in range(rounds):
        if isinstance(d, int) or is_unknown(d):
            return d, scale
        floors = [(mono[0], c) for mono, c in d.terms if any(isinstance(a, Floor) for a in mono)]
        if not floors:
            return d, scale
        if any(len(mono) > 1 for mono, _ in d.terms if any(isinstance(a, Floor) for a in mono)):
            return None
        m = math.lcm(*(f.den for f, _ in floors if isinstance(f, Floor)))
        total: Dim = _make({mono: c * m for mono, c in d.terms if not isinstance(mono[0], Floor)}, d.const * m)
        for f, c in floors:
            assert isinstance(f, Floor)
            bound = f.num if c < 0 else _add(f.num, 1 - f.den)
            total = _add(total, _scale(bound, c * (m // f.den)))
        d, scale = total, scale * m
    return None


def content(d: Dim) -> int:
    """The gcd of the coefficients of the non-constant terms of ``d`` (0 for an int)."""
    return 0 if isinstance(d, int) else math.gcd(*(c for _, c in d.terms))


def divide_exact(d: Dim, k: int) -> Dim:
    """``d / k`` where ``k`` divides every coefficient and the constant of ``d``."""
    if isinstance(d, int):
        return d // k
    return Expr(tuple((m, c // k) for m, c in d.terms), d.const // k)


def is_monotone(d: Dim) -> bool:
    """True when ``d`` is a non-negative combination of single atoms, recursively: non-decreasing in every symbol."""
    if isinstance(d, int):
        return True
    for mono, coeff in d.terms:
        if coeff < 0 or len(mono) != 1:
            return False
        atom = mono[0]
        if isinstance(atom, Floor) and not is_monotone(atom.num):
            return False
    return True


def is_nondecreasing(d: Dim, least: Mapping[str, int]) -> bool:
    """True when ``d`` cannot decrease as any symbol grows from ``least[name]`` (every symbol >= 1):
    non-negative coefficients, and in products only atoms that are non-negative from ``least`` on.
    """
    if isinstance(d, int):
        return True
    for mono, coeff in d.terms:
        if coeff < 0:
            return False
        for atom in mono:
            if isinstance(atom, Floor) and (
                not is_nondecreasing(atom.num, least) or len(mono) > 1 and evaluate(atom.num, least) < 0
            ):
                return False
    return True


def dominates(a: Dim, b: Dim, least: Mapping[str, int]) -> bool:
    """True when ``a >= b`` for all symbols from ``least`` on (1 where absent), proven factor by factor;
    False when this cannot tell.

    Both must be one product ``c * f1(s1) * f2(s2) ...`` (+ const) of one-symbol atoms ``(k*s + p)//d``
    over the same symbols, with ``c_a >= c_b > 0``, ``const_a >= const_b``, and each factor of ``b``
    non-negative and at most the matching factor of ``a``. Two such atoms compared over one period
    ``lcm(d_a, d_b)`` decide it exactly: their difference repeats, shifted by
    ``lcm * (k_a/d_a - k_b/d_b)``, which must not be negative. ``B*((H + 31)//32) >= 2`` so implies
    ``B*((H + 1)//2) >= 2``.
    """
    if isinstance(a, int) or isinstance(b, int) or len(a.terms) != 1 or len(b.terms) != 1 or a.const < b.const:
        return False
    (mono_a, coeff_a), (mono_b, coeff_b) = a.terms[0], b.terms[0]
    factors_a, factors_b = _factors(mono_a), _factors(mono_b)
    if not 0 < coeff_b <= coeff_a or factors_a is None or factors_b is None or factors_a.keys() != factors_b.keys():
        return False
    return all(_atom_dominates(factors_a[n], factors_b[n], least.get(n, 1)) for n in factors_a)


_Linear = tuple[int, int, int]
"""``(k, p, d)``: the one-symbol atom ``(k*s + p)//d``."""

_MAX_PERIOD: Final = 4096


def _factors(mono: Monomial) -> dict[str, _Linear] | None:
    """Each symbol's single atom in ``mono`` as ``(k, p, d)``; None if a symbol repeats or an atom is not linear."""
    out: dict[str, _Linear] = {}
    for atom in mono:
        if isinstance(atom, Symbol):
            name, linear = atom.name, (1, 0, 1)
        else:
            num = atom.num
            if len(num.terms) != 1 or len(num.terms[0][0]) != 1 or not isinstance(num.terms[0][0][0], Symbol):
                return None
            name, linear = num.terms[0][0][0].name, (num.terms[0][1], num.const, atom.den)
        if name in out or linear[0] <= 0:
            return None
        out[name] = linear
    return out


def _atom_dominates(a: _Linear, b: _Linear, least: int) -> bool:
    """``a(s) >= b(s) >= 0`` for every ``s >= least`` (``b`` is non-decreasing, so ``b(least) >= 0`` suffices)."""
    (ka, pa, da), (kb, pb, db) = a, b
    period = math.lcm(da, db)
    if ka * db < kb * da or period > _MAX_PERIOD or (kb * least + pb) // db < 0:
        return False
    return all((ka * s + pa) // da >= (kb * s + pb) // db for s in range(least, least + period))


def least_value(d: Dim, name: str, bound: int) -> int | None:
    """The least ``v >= 1`` with ``d(name=v) >= bound``, for ``d`` monotone in the single symbol ``name``."""
    if evaluate(d, {name: 1}) >= bound:
        return 1
    hi = 2
    while evaluate(d, {name: hi}) < bound:
        hi *= 2
        if hi > 1 << 62:
            return None
    lo = hi // 2  # f(lo) < bound <= f(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if evaluate(d, {name: mid}) >= bound:
            hi = mid
        else:
            lo = mid
    return hi
