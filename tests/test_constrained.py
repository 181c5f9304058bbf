"""Constrained sizes (issue 12, item 1): dims that are expressions of symbols (``"16*h"``, ``"2*n + 1"``)
and declared bounds (``where="T <= 1024"``), carried into checks, conditions, summaries, contracts and guards.
torch is the oracle for the shapes."""

from __future__ import annotations

import typing
from typing import Any

import pytest

import shapecheck as sc
from shapecheck import nn
from shapecheck.dims import as_dim, floor_div

torch = pytest.importorskip("torch")


def _unet(*dims: object, depth: int = 4) -> nn.Sequential:
    """A U-Net: ``depth`` 2x2 pools down, transposed convs up, each level concatenated with its skip."""

    def level(c: int, d: int) -> nn.Module:
        if d == 0:
            return nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU())
        down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(c, 2 * c, 3, padding=1), level(2 * c, d - 1), nn.ConvTranspose2d(2 * c, c, 2, stride=2))
        return nn.Sequential(nn.Concat(nn.Identity(), down), nn.Conv2d(2 * c, c, 3, padding=1), nn.ReLU())

    return nn.Sequential(nn.Input(*dims), nn.Conv2d(1, 4, 3, padding=1), level(4, depth), nn.Conv2d(4, 2, 1))  # type: ignore[arg-type]


def test_a_symbolic_unet_checks_on_multiples_of_16() -> None:
    model = _unet("B", 1, "16*h", "16*w")
    assert str(model.output_shape) == "(B, 2, 16*h, 16*w)"
    assert model.conditions == []
    net = sc.to_torch(model)
    for h, w in [(1, 1), (2, 3), (5, 2)]:
        assert tuple(net(torch.zeros(2, 1, 16 * h, 16 * w)).shape) == (2, 2, 16 * h, 16 * w)


def test_the_same_unet_on_any_size_is_refused_with_the_multiple_to_declare() -> None:
    with pytest.raises(sc.ShapeError) as info:
        _unet("B", 1, "H", "W")
    assert "holds only when 2*(H//16) == H//8" in str(info.value)
    net = sc.to_torch(_unet("B", 1, "16*h", "16*w"))
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):  # torch agrees: H=24 fails
        net(torch.zeros(1, 1, 24, 32))


def test_divisibility_simplifies() -> None:
    big_h = as_dim("16*h")
    assert floor_div(big_h, 16) * 2 == floor_div(big_h, 8)
    assert str(floor_div(as_dim("2*n + 1"), 2)) == "n"


def test_an_odd_length_declared_as_2n_plus_1() -> None:
    model = nn.Sequential(nn.Input("B", 8, "2*n + 1"), nn.Conv1d(8, 8, 3, stride=2))
    assert str(model.output_shape) == "(B, 8, n)"
    net = sc.to_torch(model)
    assert tuple(net(torch.zeros(1, 8, 11)).shape) == (1, 8, 5)


def test_expression_dims_are_validated() -> None:
    with pytest.raises(ValueError, match="an expression of names such as '16\\*h'"):
        nn.Input("B", "h/2")
    with pytest.raises(ValueError, match="divided by a positive int"):
        nn.Input("B", "h//0")


# -- declared bounds ------------------------------------------------------------------------------


def test_a_declared_bound_is_an_input_condition_in_the_summary() -> None:
    model = nn.Sequential(nn.Input("B", "T", 768, where="T <= 1024"), nn.Linear(768, 10))
    assert model.conditions == ["T <= 1024"]
    assert repr(model.input) == "Input('B', 'T', 768, where='T <= 1024')"
    assert "Input conditions:      T <= 1024" in str(sc.summary(model))
    assert model.with_input("B", "T", 768, where=("T >= 2", "T < 512")).conditions == ["T >= 2", "T <= 511"]


def test_a_layer_that_needs_more_than_the_bound_allows_fails_for_every_size() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 3, "H", "H", where="H <= 8"), nn.Conv2d(3, 4, 9))
    assert "  for no input size: it needs H >= 9, but the input declares H <= 8" in str(info.value)


def test_a_check_holds_within_the_declared_bounds() -> None:
    layers = [nn.MaxPool1d(4), nn.Flatten(), nn.Linear(16, 2)]  # 4*(H//4) == 16 exactly for 16 <= H <= 19
    model = nn.Sequential(nn.Input("B", 4, "H", where="16 <= H <= 19"), *layers)
    net = sc.to_torch(model)
    for h in range(16, 20):
        assert tuple(net(torch.zeros(1, 4, h)).shape) == (1, 2)
    with pytest.raises(sc.ShapeError) as info:
        model.with_input("B", 4, "H", where="H >= 16")
    assert "e.g. for H=20 it is 20" in str(info.value)


def test_bounds_are_validated() -> None:
    with pytest.raises(ValueError, match="names S, not a symbol of the input"):
        nn.Input("B", "T", where="S <= 10")
    with pytest.raises(ValueError, match="leave no size for T"):
        nn.Input("B", "T", where=("T >= 10", "T <= 4"))
    with pytest.raises(ValueError, match="compare dims with <=, >=, < or >"):
        nn.Input("B", "T", where="T == 4")


# -- contracts and guards -------------------------------------------------------------------------


def test_the_contract_and_guard_of_a_constrained_input() -> None:
    model = _unet("B", 1, "16*h", "16*w")
    spec = sc.contract(model)
    assert str(spec) == 'Float[Tensor, "B 1 16*h 16*w"] -> Float[Tensor, "B 2 16*h 16*w"]'
    check = sc.guard(model)
    assert check.check(torch.zeros(2, 1, 32, 48)) == {"B": 2, "h": 2, "w": 3}
    with pytest.raises(sc.ShapeError) as info:
        check.check(torch.zeros(2, 1, 33, 48))
    assert "argument x: dim 2 is 33, expected 16*h, which is 33 for no whole h >= 1 (bindings: B=2)" in str(info.value)


def test_the_guard_checks_declared_bounds() -> None:
    check = sc.guard(nn.Sequential(nn.Input("B", "T", 8, where="T <= 1024"), nn.Linear(8, 2)))
    check.check(torch.zeros(1, 1024, 8))
    with pytest.raises(sc.ShapeError, match=r"the model's input condition T <= 1024 \(T is 2048\)"):
        check.check(torch.zeros(1, 2048, 8))


def test_jaxtyping_checks_what_it_can_evaluate_of_the_contract() -> None:
    pytest.importorskip("typeguard")
    import typeguard
    from jaxtyping import jaxtyped

    spec = sc.contract({"x": ("B", "h", "16*h"), "y": ("B", "16*w")})
    ann = spec.jaxtyping()

    def f(x: Any, y: Any) -> None: ...

    f.__annotations__ = dict(ann)
    hints = typing.get_type_hints(f, include_extras=True)

    def checker(fn: Any) -> Any:
        def checked(*args: Any) -> Any:
            for value, name in zip(args, ["x", "y"]):
                typeguard.check_type(value, hints[name])
            return fn(*args)

        return checked

    run = jaxtyped(typechecker=checker)(f)
    run(torch.zeros(2, 3, 48), torch.zeros(2, 32))  # 16*w is beyond jaxtyping: not checked, not refused
    with pytest.raises(Exception, match="Type-check error"):
        run(torch.zeros(2, 3, 47), torch.zeros(2, 32))


def test_with_input_and_from_torch_take_both_spellings_of_a_shape() -> None:
    chain = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    assert str(chain.with_input(("B", 3, "H", "W")).output_shape) == str(chain.with_input("B", 3, "H", "W").output_shape)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU())
    spread, grouped = sc.from_torch(net, "B", 3, 32, 32), sc.from_torch(net, ("B", 3, 32, 32))
    assert str(spread.output_shape) == str(grouped.output_shape) == "(B, 8, 30, 30)"
    assert str(grouped.with_input("B", 3, 16, 16).output_shape) == str(grouped.with_input(("B", 3, 16, 16)).output_shape) == "(B, 8, 14, 14)"
