"""Layers mirroring ``torch.nn``: same names, parameters and defaults; shapes checked as they are built."""

from shapecheck.nn.activation import *  # noqa: F403
from shapecheck.nn.activation import __all__ as _activation
from shapecheck.nn.adaptive import *  # noqa: F403
from shapecheck.nn.adaptive import __all__ as _adaptive
from shapecheck.nn.attention import *  # noqa: F403
from shapecheck.nn.attention import __all__ as _attention
from shapecheck.nn.conv import *  # noqa: F403
from shapecheck.nn.conv import __all__ as _conv
from shapecheck.nn.dropout import *  # noqa: F403
from shapecheck.nn.dropout import __all__ as _dropout
from shapecheck.nn.graph import *  # noqa: F403
from shapecheck.nn.graph import __all__ as _graph
from shapecheck.nn.linear import *  # noqa: F403
from shapecheck.nn.linear import __all__ as _linear
from shapecheck.nn.module import Input, Module, Sequential
from shapecheck.nn.norm import *  # noqa: F403
from shapecheck.nn.norm import __all__ as _norm
from shapecheck.nn.outputs import *  # noqa: F403
from shapecheck.nn.outputs import __all__ as _outputs
from shapecheck.nn.padding import *  # noqa: F403
from shapecheck.nn.padding import __all__ as _padding
from shapecheck.nn.parameter import *  # noqa: F403
from shapecheck.nn.parameter import __all__ as _parameter
from shapecheck.nn.pool import *  # noqa: F403
from shapecheck.nn.pool import __all__ as _pool
from shapecheck.nn.recurrent import *  # noqa: F403
from shapecheck.nn.recurrent import __all__ as _recurrent
from shapecheck.nn.reshape import *  # noqa: F403
from shapecheck.nn.reshape import __all__ as _reshape
from shapecheck.nn.resample import *  # noqa: F403
from shapecheck.nn.resample import __all__ as _resample
from shapecheck.nn.scale import *  # noqa: F403
from shapecheck.nn.scale import __all__ as _scale
from shapecheck.nn.sparse import *  # noqa: F403
from shapecheck.nn.sparse import __all__ as _sparse
from shapecheck.nn.tensor_ops import *  # noqa: F403
from shapecheck.nn.tensor_ops import __all__ as _tensor_ops

__all__ = [
    "Input",
    "Module",
    "Sequential",
    *_activation,
    *_adaptive,
    *_attention,
    *_conv,
    *_dropout,
    *_graph,
    *_linear,
    *_norm,
    *_outputs,
    *_padding,
    *_parameter,
    *_pool,
    *_recurrent,
    *_reshape,
    *_resample,
    *_scale,
    *_sparse,
    *_tensor_ops,
]
