"""jaxtyping's dtype annotations (``Float``, ``Int``, ``Float32``, ``BFloat16``, ...) as data: the dtypes each accepts.

A guard checks a tensor's dtype by the name it prints as (``torch.float32`` and numpy's ``float32`` are both
``float32``), as jaxtyping does, without importing jaxtyping (``jaxtyping/_array_types.py`` has these lists;
``tests/test_guard.py`` checks the tables against the installed jaxtyping).
"""

from __future__ import annotations

__all__ = ["KINDS", "annotation", "dtype_name"]

_BOOLS = ("bool", "bool_")
_UINTS = ("uint2", "uint4", "uint8", "uint16", "uint32", "uint64")
_INTS = ("int2", "int4", "int8", "int16", "int32", "int64")
_FLOATS = (
    "float4_e2m1fn",
    "float8_e4m3b11fnuz",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "bfloat16",
    "float16",
    "float32",
    "float64",
)
_COMPLEXES = ("complex64", "complex128")


def _class_name(dtype: str) -> str:
    """jaxtyping's class for one dtype: ``float8_e4m3fn`` -> ``Float8e4m3fn``, ``uint8`` -> ``UInt8``, ``bfloat16`` -> ``BFloat16``."""
    for prefix, spelled in (("uint", "UInt"), ("bfloat", "BFloat")):
        if dtype.startswith(prefix):
            return spelled + dtype[len(prefix) :]
    return dtype.replace("_", "").capitalize()


_GROUPS: dict[str, frozenset[str] | None] = {
    "Bool": frozenset(_BOOLS),
    "UInt": frozenset(_UINTS),
    "Int": frozenset(_INTS),
    "Integer": frozenset(_UINTS + _INTS),
    "Float": frozenset(_FLOATS),
    "Complex": frozenset(_COMPLEXES),
    "Inexact": frozenset(_FLOATS + _COMPLEXES),
    "Real": frozenset(_FLOATS + _UINTS + _INTS),
    "Num": frozenset(_UINTS + _INTS + _FLOATS + _COMPLEXES),
    "Shaped": None,
}
_SINGLE = tuple(d for d in _UINTS + _INTS + _FLOATS + _COMPLEXES if d != "float4_e2m1fn")  # jaxtyping has no Float4e2m1fn
KINDS: dict[str, frozenset[str] | None] = {**_GROUPS, **{_class_name(d): frozenset({d}) for d in _SINGLE}}
"""jaxtyping's dtype annotations (``jaxtyping/_array_types.py``) by name, each with the dtypes it accepts, by the
name a dtype prints as (``torch.float32`` and numpy ``float32``); None (``Shaped``) accepts any."""

_BY_DTYPE = {"bool": "Bool", "bool_": "Bool", **{d: _class_name(d) for d in _SINGLE}}
"""A dtype name given as a contract's dtype, as the jaxtyping annotation that accepts it alone."""


def annotation(kind: object, what: str) -> str:
    """``kind`` as a jaxtyping annotation name: a kind (``Float``), a class (``Float32``) or a dtype name (``float32``)."""
    if not isinstance(kind, str):
        raise TypeError(f"{what}: a dtype must be a name such as 'Float' or 'float32', got {type(kind).__name__} {kind!r}")
    if kind in KINDS:
        return kind
    if kind in _BY_DTYPE:
        return _BY_DTYPE[kind]
    raise ValueError(
        f"{what}: dtype {kind!r} is not one jaxtyping knows; use a kind ({', '.join(_GROUPS)}), "
        f"a dtype ({', '.join(_BY_DTYPE)}) or its class (Float32, BFloat16, Float8e4m3fn, UInt8, ...)"
    )


def dtype_name(dtype: object) -> str:
    """The name a dtype prints as, without its module: ``torch.float32`` -> ``float32``."""
    return str(dtype).rpartition(".")[2]
