"""Children given by name: ``Sequential`` and the combinators take one mapping of name -> layer, as
``torch.nn.Sequential(OrderedDict(...))`` does, and check the names as torch's ``add_module`` does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Final

__all__ = ["MODULE_ATTRIBUTES", "items_of"]

MODULE_ATTRIBUTES: Final = frozenset(
    {
        "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile",
        "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
        "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
        "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
        "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
        "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook", "register_module", "register_parameter", "register_state_dict_post_hook",
        "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule", "share_memory",
        "state_dict", "to", "to_empty", "train", "training", "type", "xpu", "zero_grad",
    }
)  # fmt: skip
"""The public attributes of a ``torch.nn.Module`` (torch 2.13): ``add_module`` refuses them as child names."""


def items_of(what: str, args: Sequence[object], reserved: Collection[str]) -> tuple[bool, list[tuple[str, object]]]:
    """Whether ``args`` is one mapping, and its ``(name, value)`` items, else ``(str(i), value)`` for each
    argument. A name must be a non-empty string without ``.`` and not in ``reserved`` (the torch module's
    attributes): TypeError or ValueError, from ``what`` (``"Concat"``), otherwise."""
    if not (len(args) == 1 and isinstance(args[0], Mapping)):
        return False, [(str(i), v) for i, v in enumerate(args)]
    items: list[tuple[str, object]] = []
    for name, value in args[0].items():
        if not isinstance(name, str):
            raise TypeError(f"{what}: names must be strings, as torch's module names are; got {type(name).__name__} {name!r}")
        if not name or "." in name:
            why = "is empty" if not name else "contains '.', which separates the names in a path"
            raise ValueError(f"{what}: the name {name!r} {why}; torch refuses it as a module name")
        if name in reserved:
            raise ValueError(f"{what}: the name {name!r} is an attribute of the torch module (torch refuses it); choose another")
        items.append((name, value))
    return True, items
