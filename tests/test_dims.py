"""The symbolic dimension algebra: the normal form must agree with plain integer arithmetic."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck.dims import (
    Dim,
    as_dim,
    ceil_div,
    dominates,
    evaluate,
    find_witness,
    floor_div,
    is_unknown,
    least_value,
    substitute,
    unknown,
)
from shapecheck.rules.conv import conv_output_size
from shapecheck.rules.pool import pool_output_size

B, H, W = as_dim("B"), as_dim("H"), as_dim("W")

# A program is built twice: on symbols (normal form) and on ints (Python's own arithmetic).
Op = Callable[[object, object], object]

ops = st.sampled_from(["add", "sub", "mulc", "mul", "floor", "ceil", "addc"])


def _apply(op: str, a: object, b: object, k: int) -> object:
    if op == "add":
        return a + b  # type: ignore[operator]
    if op == "sub":
        return a - b  # type: ignore[operator]
    if op == "mulc":
        return a * k  # type: ignore[operator]
    if op == "mul":
        return a * b  # type: ignore[operator]
    if op == "addc":
        return a + (k - 4)  # type: ignore[operator]
    if op == "floor":
        return floor_div(a, k) if not isinstance(a, int) else a // k  # type: ignore[arg-type]
    return ceil_div(a, k) if not isinstance(a, int) else -(-a // k)  # type: ignore[arg-type]


programs = st.lists(
    st.tuples(ops, st.integers(0, 10), st.integers(0, 10), st.integers(1, 9)), min_size=1, max_size=12
)


@settings(max_examples=400, deadline=None)
@given(programs, st.integers(1, 300), st.integers(1, 300), st.integers(1, 8))
def test_normal_form_agrees_with_integer_arithmetic(prog: list[tuple[str, int, int, int]], h: int, w: int, b: int) -> None:
    sym: list[object] = [H, W, B]
    num: list[object] = [h, w, b]
    for op, i, j, k in prog:
        if op == "mul" and len(sym) > 6:
            op = "add"  # keep products small
        sym.append(_apply(op, sym[i % len(sym)], sym[j % len(sym)], k))
        num.append(_apply(op, num[i % len(num)], num[j % len(num)], k))
    result = sym[-1]
    assert isinstance(result, (int, type(H)))
    assert evaluate(result, {"H": h, "W": w, "B": b}) == num[-1]
    assert substitute(result, {"H": h, "W": w, "B": b}) == num[-1]
    assert eval(str(result), {"__builtins__": {}}, {"H": h, "W": w, "B": b}) == num[-1]  # noqa: S307 - it prints as Python


def test_canonical_forms() -> None:
    assert conv_output_size(H, 3, 1, 1, 1) == H
    x: Dim = H
    for _ in range(5):
        x = pool_output_size(x, 2, 2, 0, 1, False)
    assert x == floor_div(H, 32)
    assert str(x) == "H//32"
    flat = 512 * x * floor_div(W, 32)
    assert str(flat) == "512*(H//32)*(W//32)"
    assert floor_div(2 * H + 2, 4) == ceil_div(H, 2) == floor_div(H + 1, 2)
    assert str(floor_div(H + 3, 2)) == "(H + 1)//2 + 1"
    assert H - H == 0 and isinstance(H - H, int)
    assert str(3 - H) == "-H + 3"
    assert str(3 - floor_div(H, 2)) == "-(H//2) + 3"  # not -H//2, which Python reads as (-H)//2
    assert str(W - floor_div(H + 3, 4)) == "W - (H + 3)//4"


def test_resnet_stem_folds() -> None:
    x = conv_output_size(H, 7, 2, 3, 1)
    x = pool_output_size(x, 3, 2, 1, 1, False)
    assert str(x) == "(H + 3)//4"


def test_no_blowup_through_thousands_of_layers() -> None:
    x: Dim = H
    for i in range(3000):
        x = conv_output_size(x, 3, 2 if i % 100 == 0 else 1, 1, 1)
    # one floor atom over one symbol, whatever the depth: (H + c)//2**30
    assert not isinstance(x, int) and len(x.terms) == 1 and x.const == 0
    (atom,), _ = x.terms[0]
    assert str(atom).startswith("(H + ") and str(atom).endswith(f"//{2**30}")
    assert evaluate(x, {"H": 3 * 2**31 + 5}) == _concrete_chain(3 * 2**31 + 5)


def _concrete_chain(h: int) -> int:
    for i in range(3000):
        h = (h + 2 - 2 - 1) // (2 if i % 100 == 0 else 1) + 1
    return h


def test_symbol_names_are_validated() -> None:
    with pytest.raises(ValueError, match="a name such as 'B' or an expression of names"):
        as_dim("3H")
    with pytest.raises(TypeError):
        as_dim(True)
    with pytest.raises(ValueError):
        floor_div(H, 0)


def test_unknown_dims_are_marked() -> None:
    u = unknown()
    assert is_unknown(u * 2 + H)
    assert not is_unknown(H * 2)
    assert str(u) == "?"


def test_witness_only_for_real_differences() -> None:
    assert find_witness([(floor_div(H, 2) + floor_div(H + 1, 2), H)], []) is None  # equal, different forms
    witness = find_witness([(512 * floor_div(H, 32), 25088)], [(floor_div(H, 32), 1)])
    assert witness is not None and witness["H"] >= 32
    assert 512 * (witness["H"] // 32) != 25088


def test_least_value() -> None:
    assert least_value(floor_div(H, 16), "H", 2) == 32
    assert least_value(H + 6 - 6, "H", 7) == 7
    assert least_value(H, "H", 1) == 1


def _random_product(rng: random.Random, names: list[str]) -> Dim:
    """``c * prod((k*s + p)//d for s in names) + const`` with small random constants."""
    total: Dim = rng.randint(1, 3)
    for name in names:
        d = rng.choice([1, 2, 3, 4, 8, 32])
        total = total * floor_div(rng.randint(1, 2) * as_dim(name) + rng.randint(-3, 40), d) if d > 1 else total * as_dim(name)
    return total + rng.randint(0, 2)


def test_dominates_is_sound_against_brute_force() -> None:
    rng = random.Random(7)
    proven = 0
    for _ in range(3000):
        names = rng.sample(["B", "H", "W"], rng.randint(1, 3))
        a, b = _random_product(rng, names), _random_product(rng, names)
        least = {n: rng.choice([1, 1, 2, 7, 32]) for n in names}
        if not dominates(a, b, least):
            continue
        proven += 1
        for _ in range(40):
            values = {n: least[n] + rng.choice([0, 1, 2, 5, 31, 63, rng.randint(0, 500)]) for n in names}
            assert evaluate(a, values) >= evaluate(b, values), (a, b, least, values)
    assert proven > 100  # the test exercises the proofs, not only the refusals


def test_dominates_the_batchnorm_conditions_of_a_resnet() -> None:
    assert dominates(B * floor_div(H + 1, 2), B * floor_div(H + 31, 32), {})
    assert not dominates(B * floor_div(H + 31, 32), B * floor_div(H + 1, 2), {})
    assert not dominates(floor_div(H, 2), floor_div(H + 1, 2), {})  # 0 < 1 at H = 1
    assert not dominates(B * H, H, {})  # different symbols: not decided

