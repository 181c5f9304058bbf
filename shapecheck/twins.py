"""Which ``shapecheck.nn`` class a ``torch.nn`` (or ``shapecheck.nn``) name stands for.

Every front-end that reads source (the mypy plugin, the forward interpreter) turns a layer call into
the same ``shapecheck.nn`` object through this one table: same name, same parameters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from shapecheck import nn

__all__ = ["layer_class"]

_SHAPECHECK_NN: Final = "shapecheck.nn"
_TORCH_NN: Final = "torch.nn"
_TORCH_MODULES: Final = "torch.nn.modules."
_ALIASES: Final = {"shapecheck.torch.Input": nn.Input}
_NOT_LAYERS: Final = frozenset({"Module", "Input"})


@lru_cache(maxsize=None)
def layer_class(fullname: str) -> type[nn.Module] | None:
    """The ``shapecheck.nn`` class a callee's full name stands for, or None.

    ``shapecheck.nn.conv.Conv2d`` (or ``shapecheck.nn.Conv2d``) is itself; ``torch.nn.modules.conv.Conv2d``
    (or ``torch.nn.Conv2d``) is its shapecheck twin (same name, same parameters);
    ``shapecheck.torch.Input`` is ``shapecheck.nn.Input``. Nothing else under ``torch.nn``
    (functional, quantized, qat) is a twin.
    """
    if fullname in _ALIASES:
        return _ALIASES[fullname]
    module, _, name = fullname.rpartition(".")
    cls = getattr(nn, name, None) if name in nn.__all__ else None
    if not isinstance(cls, type) or not issubclass(cls, nn.Module) or name == "Module":
        return None
    if module == _SHAPECHECK_NN:
        return cls
    if module.startswith(_SHAPECHECK_NN + "."):
        return cls if f"{cls.__module__}.{cls.__qualname__}" == fullname else None
    if (module == _TORCH_NN or module.startswith(_TORCH_MODULES)) and name not in _NOT_LAYERS:
        return cls
    return None
