"""What errors say (issue 12, item 8): expected and actual everywhere, a forgotten transpose suggested,
counterexamples that bind only the symbols that matter, expressions printed factored where shorter."""

from __future__ import annotations

import pytest

import shapecheck as sc
from shapecheck import nn
from shapecheck.dims import as_dim, factored, floor_div

torch = pytest.importorskip("torch")


def test_input_as_an_assertion_says_expected_and_got() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, 66, 64), nn.Identity(), nn.Input("B", 3, 64, 64))
    assert "\n  dim 2: expected 64, got 66\n" in str(info.value)


def test_a_forgotten_transpose_is_suggested() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "T", 128), nn.Conv1d(128, 64, 3))
    assert info.value.fixes == ["Transpose(1, 2) before it: the 128 is in dim 2 of (B, T, 128)"]
    with pytest.raises(RuntimeError):  # torch agrees, and the fix runs
        torch.nn.Conv1d(128, 64, 3)(torch.zeros(2, 10, 128))
    fixed = sc.to_torch(nn.Sequential(nn.Input("B", "T", 128), nn.Transpose(1, 2), nn.Conv1d(128, 64, 3)))
    assert tuple(fixed(torch.zeros(2, 10, 128)).shape) == (2, 64, 8)


def test_a_counterexample_binds_only_the_symbols_that_matter() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3), nn.Linear(30, 10))
    assert info.value.witness == {"W": 3}
    assert "  e.g. for W=3 it is 1\n" in str(info.value)


def test_expressions_print_factored_where_shorter() -> None:
    h, w = floor_div(as_dim("H"), 4), floor_div(as_dim("W"), 4)
    assert str(16 * (h - 3) * (w - 3)) == "16*(H//4 - 3)*(W//4 - 3)"
    assert (16 * (h - 3) * (w - 3)).expanded() == "-48*(H//4) + 16*(H//4)*(W//4) - 48*(W//4) + 144"
    assert factored(as_dim("H") + as_dim("W")) == "H + W"
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, "H", "W"), nn.MaxPool2d(4), nn.Conv2d(3, 16, 7), nn.Flatten(), nn.Linear(400, 10))
    text = str(info.value)
    assert "  Linear expects 400 input features, got 16*(H//4 - 6)*(W//4 - 6)\n" in text
    assert "  holds only when (H//4 - 6)*(W//4 - 6) == 25\n" in text


# -- item 7: an error in a helper-built layer names the call the user wrote ------------------------------


def basic_block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def test_an_error_in_a_helper_built_layer_names_the_helper_call_first() -> None:
    import inspect
    import os

    helper_line = inspect.getsourcelines(basic_block)[1] + 1
    call_line = inspect.currentframe().f_lineno + 3  # type: ignore[union-attr]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 64, 56, 56), basic_block(64, 64, 1),
                      basic_block(128, 128, 2))  # fmt: skip
    here = os.path.relpath(__file__)
    assert info.value.location == f"{here}:{call_line} (in basic_block at {here}:{helper_line})"
    assert f"  defined at {here}:{call_line} (in basic_block at {here}:{helper_line})\n" in str(info.value)
