"""What ``Tensor.reshape``, ``chunk`` and ``split`` compute, on dims that may be symbolic."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from shapecheck.dims import Dim, Expr, ceil_div, content, divide_exact, floor_div, is_unknown, unknown

__all__ = ["chunk_piece", "exact_quotient", "split_piece"]


def exact_quotient(numerator: Sequence[Dim], denominator: Sequence[Dim]) -> tuple[Dim, Dim, Dim]:
    """``(q, n, d)``: ``q = n // d`` for ``n/d`` the products of ``numerator`` and ``denominator``.

    Equal factors cancel first (``(B, 512, H) / (B, 512)`` is ``H / 1``); ``q*d == n`` must then hold
    for the quotient to be exact (the caller checks it). ``q`` is unknown when the rest of the denominator is
    symbolic and no single monomial, or when any dim is unknown.
    """
    rest = list(denominator)
    kept: list[Dim] = []
    for factor in numerator:
        if factor in rest:
            rest.remove(factor)
        else:
            kept.append(factor)
    n: Dim = prod(kept, start=1)
    d: Dim = prod(rest, start=1)
    if is_unknown(n) or is_unknown(d):
        return unknown(), n, d
    if isinstance(d, int):
        return (floor_div(n, d) if d > 0 else unknown()), n, d
    return _divide_by_monomial(n, d), n, d


def _divide_by_monomial(n: Dim, d: Expr) -> Dim:
    """``n / d`` for ``d`` a single term ``c*atoms`` that divides every term of ``n``; else unknown."""
    if isinstance(n, int) or d.const or len(d.terms) != 1:
        return unknown()
    atoms, coeff = d.terms[0]
    terms = []
    for mono, c in n.terms:
        left = list(mono)
        for atom in atoms:
            if atom not in left:
                return unknown()
            left.remove(atom)
        if c % coeff:
            return unknown()
        terms.append((tuple(left), c // coeff))
    if n.const:
        return unknown()
    total: Dim = 0
    for mono, c in terms:
        term: Dim = c
        for atom in mono:
            term = term * Expr((((atom,), 1),), 0)
        total = total + term
    return total


def chunk_piece(size: Dim, chunks: int, index: int) -> Dim | None:
    """Size of piece ``index`` of ``chunk(chunks)`` over a dim of ``size``; None when there is no such piece.

    torch: every piece has ``ceil(size/chunks)`` elements but the last, which has what is left, so
    there may be fewer than ``chunks`` pieces (5 in 4 chunks: 2, 2, 1); a size of 0 gives ``chunks``
    empty pieces. A symbolic size is exact when ``chunks`` divides it (``size//chunks`` each, ``chunks``
    pieces even when that is 0), else unknown.
    """
    if isinstance(size, int):
        step = ceil_div(size, chunks)
        assert isinstance(step, int)
        if size == 0:
            return 0
        return min(step, size - index * step) if index * step < size else None
    if not is_unknown(size) and content(size) % chunks == 0 and size.const % chunks == 0:
        return divide_exact(size, chunks)
    return unknown()


def split_piece(size: Dim, split_size: int, index: int) -> Dim | None:
    """Size of piece ``index`` of ``split(split_size)``: ``min(split_size, size - index*split_size)``;
    None when there is no such piece (a size of 0 gives one empty piece). Unknown for a symbolic size.
    """
    if not isinstance(size, int):
        return unknown()
    if size == 0:
        return 0 if index == 0 else None
    return min(split_size, size - index * split_size) if index * split_size < size else None
