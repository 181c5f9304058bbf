"""Deep nesting: every entry point works on models nested deeper than torch's own forward runs (~250
levels with Python's default recursion limit), and where the shape walk meets that limit it says so.

Counting, printing and converting walk the tree from an explicit stack, so they work at any depth: the
tests lower the recursion limit below the model's depth to show it. The shape walk recurses (one frame
per container), so construction, ``with_input`` and ``contract`` stop with a ValueError naming the depth.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

import shapecheck as sc
from shapecheck import nn
from shapecheck.bridge.to_torch import to_torch

DEPTH = 500  # with the default limit main stopped at 496 (count_params, summary), 330 (repr), 327 (to_torch)


def nested(depth: int) -> nn.Sequential:
    """``Linear(4, 4)`` inside ``depth`` containers, every third one an ``Add`` with a skip, under ``Input("B", 4)``."""
    layer: nn.Module = nn.Linear(4, 4)
    for i in range(depth - 1):
        layer = nn.Add(layer, nn.Identity()) if i % 3 == 2 else nn.Sequential(layer)
    return nn.Sequential(nn.Input("B", 4), layer)


@pytest.fixture(scope="module")
def deep() -> nn.Sequential:
    return nested(DEPTH)


@pytest.fixture
def low_limit() -> Iterator[int]:
    """Python's recursion limit set for the test to leave fewer frames than the fixture model's depth."""
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    old, limit = sys.getrecursionlimit(), depth + DEPTH // 2
    sys.setrecursionlimit(limit)
    yield limit
    sys.setrecursionlimit(old)


def test_every_entry_point_works_on_a_deep_model(deep: nn.Sequential) -> None:
    assert str(deep.output_shape) == "(B, 4)" and deep.with_input(2, 4).output_shape == (2, 4)
    assert str(deep.contract()) == 'Float[Tensor, "B 4"] -> Float[Tensor, "B 4"]'
    _counts_prints_and_converts(deep)


def _counts_prints_and_converts(deep: nn.Sequential) -> None:
    assert sc.count_params(deep) == 20 and sc.count_buffers(deep) == 0
    assert sc.count_macs(deep, B=3) == 48
    table = str(sc.summary(deep, B=3))
    assert "Linear(4, 4)" in table and "Total params:          20" in table
    lines = repr(deep).splitlines()
    deepest = max(lines, key=lambda line: len(line) - len(line.lstrip()))
    assert deepest == " " * 2 * DEPTH + "(0): Linear(in_features=4, out_features=4, bias=True)"
    assert lines[:3] == ["Sequential(", "  (input): Input('B', 4)", "  (0): Sequential("] and lines[-1] == ")"
    module = to_torch(deep)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 3 * DEPTH))  # torch's own parameters() recurses through the tree
    try:
        assert sum(p.numel() for p in module.parameters()) == 20
    finally:
        sys.setrecursionlimit(limit)


def test_counting_printing_and_converting_work_past_the_recursion_limit(deep: nn.Sequential, low_limit: int) -> None:
    _counts_prints_and_converts(deep)


def test_the_shape_walk_says_when_the_recursion_limit_stops_it(deep: nn.Sequential, low_limit: int) -> None:
    message = rf"^Sequential: its layers are nested {DEPTH} containers deep, more than Python's recursion limit \({low_limit}\)"
    for walk in (lambda: deep.contract(), lambda: deep.with_input(2, 4), lambda: nn.Sequential(deep[0])):
        with pytest.raises(ValueError, match=message) as info:
            walk()
        assert info.value.__suppress_context__, "the RecursionError is not chained"


def test_building_past_the_limit_is_a_clear_error_at_the_level_that_reaches_it(low_limit: int) -> None:
    with pytest.raises(ValueError, match=r"nested \d+ containers deep, more than Python's recursion limit \(\d+\) .*Sequential\(\*inner, layer\)"):
        nested(DEPTH)
