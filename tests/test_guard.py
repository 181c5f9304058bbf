"""Guards reject what the contract forbids (and only that); jaxtyping annotations of the contract, checked
with ``typeguard.check_type``, reject the same mistakes."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import models, nn
from shapecheck.guards import contract, guard

MODEL = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3, stride=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
PAIR = {"x": ("B", 3, "H", "W"), "mask": ("B", "H", "W"), "return": ("B", 10)}

GOOD = (torch.zeros(4, 3, 32, 32), torch.zeros(4, 32, 32, dtype=torch.bool))
BAD = {
    "wrong rank": ((torch.zeros(4, 3, 32), GOOD[1]), "has 3 dims, expected 4"),
    "wrong channels": ((torch.zeros(4, 2, 32, 32), GOOD[1]), "dim 1 is 2, expected 3"),
    "inconsistent B": ((GOOD[0], torch.zeros(5, 32, 32, dtype=torch.bool)), "dim 0 is 5, but B=4"),
    "wrong dtype": ((GOOD[0], torch.zeros(4, 32, 32)), "dtype float32, expected Bool"),
}


def test_contract_reads_like_jaxtyping() -> None:
    assert str(contract(MODEL)) == 'Float[Tensor, "B 3 H W"] -> Float[Tensor, "B 10"]'
    assert str(contract(models.resnet50(shape=("B", 3, 224, 224)))) == 'Float[Tensor, "B 3 224 224"] -> Float[Tensor, "B 1000"]'
    text = str(contract(PAIR, dtype={"mask": "Bool"}))
    assert text == '(Float[Tensor, "B 3 H W"], Bool[Tensor, "B H W"]) -> Float[Tensor, "B 10"]'


@pytest.mark.parametrize("mistake", BAD)
def test_guard_rejects(mistake: str) -> None:
    @guard(PAIR, dtype={"mask": "Bool"})
    def f(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.zeros(x.shape[0], 10)

    f(*GOOD)
    args, message = BAD[mistake]
    with pytest.raises(sc.ShapeError, match=message) as info:
        f(*args)
    assert info.value.header().startswith("test_guard_rejects.<locals>.f: argument")


def test_guard_error_names_argument_expected_actual_and_bindings() -> None:
    @guard(MODEL)
    def predict(x: torch.Tensor) -> torch.Tensor:
        return x

    with pytest.raises(sc.ShapeError) as info:
        predict(torch.zeros(4, 2, 32, 32))
    assert str(info.value).splitlines() == [
        "test_guard_error_names_argument_expected_actual_and_bindings.<locals>.predict: argument x",
        "  argument x: dim 1 is 2, expected 3 (bindings: B=4)",
        "  expected: (B, 3, H, W)",
        "  actual:   (4, 2, 32, 32)",
    ]


def test_guard_checks_the_input_conditions() -> None:
    checked = guard(MODEL, lambda x: x)
    checked(torch.zeros(1, 3, 3, 3))
    with pytest.raises(sc.ShapeError, match="input condition H >= 3"):
        checked(torch.zeros(1, 3, 2, 9))


def test_guard_wraps_a_torch_module_and_checks_output_in_debug_mode() -> None:
    from shapecheck.bridge.to_torch import to_torch

    module = to_torch(MODEL)
    checked = guard(MODEL, module, output=True)
    assert tuple(checked(torch.zeros(2, 3, 16, 16)).shape) == (2, 10)
    liar = guard(MODEL, lambda x: torch.zeros(x.shape[0] + 1, 10), output=True)
    with pytest.raises(sc.ShapeError, match="argument return: dim 0 is 3, but B=2"):
        liar(torch.zeros(2, 3, 16, 16))
    guard(MODEL, lambda x: torch.zeros(x.shape[0] + 1, 10))(torch.zeros(2, 3, 16, 16))  # outputs unchecked by default


def test_guard_accepts_symbolic_expressions_and_keyword_arguments() -> None:
    g = guard({"x": ("B", "N"), "y": ("B", nn.Input("N").shape[0] * 2)})
    g.check(torch.zeros(2, 3), y=torch.zeros(2, 6))
    with pytest.raises(sc.ShapeError, match=r"expected 2\*N = 6"):
        g.check(torch.zeros(2, 3), y=torch.zeros(2, 5))


def _typeguard_checker(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A typechecker for jaxtyping built on ``typeguard.check_type`` (``typeguard.typechecked`` fails with typeguard 4)."""
    import typeguard

    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in signature.bind(*args, **kwargs).arguments.items():
            typeguard.check_type(value, hints[name])
        return fn(*args, **kwargs)

    return checked


def test_jaxtyping_annotations_of_the_contract_reject_the_same_mistakes() -> None:
    pytest.importorskip("typeguard")
    from jaxtyping import jaxtyped

    ann = contract(PAIR, dtype={"mask": "Bool"}).jaxtyping()

    def f(x: Any, mask: Any) -> Any:
        return x

    f.__annotations__ = {"x": ann["x"], "mask": ann["mask"]}
    checked = jaxtyped(typechecker=_typeguard_checker)(f)
    checked(*GOOD)
    for mistake, (args, _) in BAD.items():
        with pytest.raises(Exception, match="Type-check error"):
            checked(*args)


# -- a guarded function's own parameters ----------------------------------------------------------

IMG = torch.zeros(2, 3, 16, 16)


def test_a_guarded_function_is_called_as_python_calls_it() -> None:
    @guard(MODEL)
    def predict(img: torch.Tensor) -> tuple[int, ...]:
        return tuple(img.shape)

    assert predict(IMG) == predict(img=IMG) == (2, 3, 16, 16)
    with pytest.raises(sc.ShapeError, match="dim 1 is 4, expected 3"):
        predict(img=torch.zeros(2, 4, 16, 16))  # checked by keyword too
    with pytest.raises(TypeError, match=r"\.predict\(\) missing a required argument: 'img'$"):
        predict()
    with pytest.raises(TypeError, match=r"\.predict\(\) too many positional arguments$"):
        predict(IMG, IMG)
    with pytest.raises(TypeError, match=r"\.predict\(\) got an unexpected keyword argument 'x'$"):
        predict(IMG, x=IMG)


def test_a_guarded_method_binds_self_keywords_and_defaults() -> None:
    class Net(torch.nn.Module):
        @guard(PAIR)
        def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, scale: float = 1.0) -> torch.Tensor:
            return torch.zeros(x.shape[0], 10) * scale

    net, mask = Net(), torch.zeros(4, 32, 32)
    for call in (lambda: net(GOOD[0], mask), lambda: net(x=GOOD[0], mask=mask), lambda: net(GOOD[0], mask=mask, scale=2.0)):
        assert tuple(call().shape) == (4, 10)
    with pytest.raises(sc.ShapeError, match="argument mask is a NoneType, not a tensor"):  # the default the function gets
        net(GOOD[0])
    with pytest.raises(sc.ShapeError, match="dim 0 is 5, but B=4"):
        net(mask=torch.zeros(5, 32, 32), x=GOOD[0])


def test_a_guarded_torch_module_takes_its_forward_arguments_by_name() -> None:
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 10))
    checked = guard(MODEL, module)
    assert tuple(checked(input=IMG).shape) == tuple(checked(IMG).shape) == (2, 10)
    with pytest.raises(sc.ShapeError, match="argument x: dim 1 is 4, expected 3"):
        checked(input=torch.zeros(2, 4, 16, 16))
    with pytest.raises(TypeError, match="Sequential"):
        checked(inputs=IMG)


def test_arguments_a_wrapper_passes_on_are_found_by_position_or_by_the_contract_names() -> None:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return args or kwargs

    checked = guard(PAIR)(wrapper)
    checked(*GOOD)
    checked(x=GOOD[0], mask=GOOD[1])
    with pytest.raises(sc.ShapeError, match="argument mask: dim 0 is 5"):
        checked(GOOD[0], mask=torch.zeros(5, 32, 32))
    with pytest.raises(TypeError, match=r"^test_.*wrapper\(\) missing the argument 'mask' of its shape contract$"):
        checked(GOOD[0])


def test_a_function_with_fewer_parameters_than_the_contract_is_refused_when_decorated() -> None:
    def one(img: Any) -> Any:
        return img

    with pytest.raises(TypeError, match=r"takes 1 argument, the contract 2 \(x, mask\)"):
        guard(PAIR)(one)


# -- dtypes, as jaxtyping names them --------------------------------------------------------------


def _jaxtyping_dtype_classes() -> dict[str, Any]:
    """Every dtype annotation jaxtyping exports (``Float``, ``Float32``, ``BFloat16``, ...), but ``Key`` (JAX's PRNG keys)."""
    import jaxtyping

    classes = {n: v for n, v in vars(jaxtyping).items() if isinstance(v, type) and issubclass(v, jaxtyping.AbstractDtype)}
    return {n: v for n, v in classes.items() if v is not jaxtyping.AbstractDtype and n != "Key"}


class _Array:
    """An array as jaxtyping and the guard read one: a shape and a dtype name."""

    def __init__(self, dtype: str) -> None:
        self.shape, self.dtype = (2, 3), dtype


def _dtype_names() -> list[str]:
    """Every dtype name jaxtyping lists, every dtype torch has, and names neither knows."""
    names = {d for cls in _jaxtyping_dtype_classes().values() if isinstance(cls.dtypes, tuple) for d in cls.dtypes}
    names |= {str(v).rpartition(".")[2] for v in vars(torch).values() if isinstance(v, torch.dtype)}
    return sorted(names | {"float128", "Foo"})


@pytest.mark.parametrize("kind", sorted(_jaxtyping_dtype_classes()))
def test_each_jaxtyping_dtype_accepts_exactly_what_jaxtyping_accepts(kind: str) -> None:
    annotation = _jaxtyping_dtype_classes()[kind][Any, "..."]
    checked = guard({"x": ("B", 3)}, dtype=kind)(lambda x: x)
    for name in _dtype_names():
        expected = isinstance(_Array(name), annotation)
        try:
            checked(_Array(name))
            accepted = True
        except sc.ShapeError:
            accepted = False
        assert accepted == expected, f"{kind} on dtype {name}: jaxtyping {'accepts' if expected else 'refuses'} it"


def test_float_accepts_every_float_dtype_torch_and_jaxtyping_share() -> None:
    import jaxtyping

    checked = guard(MODEL, lambda x: x, dtype="Float")
    shared = [getattr(torch, d) for d in jaxtyping.Float.dtypes if isinstance(getattr(torch, d, None), torch.dtype)]
    assert {torch.float8_e4m3fn, torch.bfloat16, torch.float16, torch.float32} <= set(shared)
    for dtype in shared:
        checked(torch.empty(2, 3, 8, 8, dtype=dtype))
    with pytest.raises(sc.ShapeError, match="dtype int64, expected Float"):
        checked(torch.zeros(2, 3, 8, 8, dtype=torch.long))


def test_a_dtype_name_is_its_jaxtyping_class_in_the_contract() -> None:
    import jaxtyping

    spec = contract({"x": ("B", 3)}, dtype="bfloat16")
    assert str(spec) == 'BFloat16[Tensor, "B 3"]'
    annotation = spec.jaxtyping(torch.Tensor)["x"]
    assert (annotation.dtype, annotation.dim_str) == (jaxtyping.BFloat16, "B 3")


def test_an_unknown_dtype_is_refused_when_the_guard_is_made() -> None:
    with pytest.raises(ValueError, match=r"guard: dtype 'Foo' is not one jaxtyping knows; use a kind \(Bool, .*Float.*\), a dtype \(.*float32.*\)"):
        guard(MODEL, dtype="Foo")
    with pytest.raises(TypeError, match="^guard: dtype must be a name such as 'Float', or names by argument; got int 3$"):
        guard(MODEL, dtype=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^contract: a dtype must be a name such as 'Float' or 'float32', got int 3$"):
        contract(PAIR, dtype={"mask": 3})  # type: ignore[dict-item]
