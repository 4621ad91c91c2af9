"""Differentiable functions, one family per file. Everything here is also exported as
``ember.<name>`` and, where PyTorch has one, as a ``Tensor`` method or operator (bound
onto ``Tensor`` by :mod:`.tensor_methods` when this package is imported)."""
from .math import (  # noqa: F401
    neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, erf, sign, square,
    add, sub, mul, div, subtract, multiply, divide, true_divide, pow, maximum, minimum,
    clamp, clip, clamp_min, clamp_max, where, eq, ne, lt, le, gt, ge, greater, less,
    greater_equal, less_equal, not_equal, logical_and, logical_or, logical_xor, logical_not,
    isnan, isinf, isfinite, floor_divide, remainder, equal, allclose, isclose, cast, clone, sum_to,
)
from .special import *  # noqa: F401,F403
from .linalg import matmul, mm, bmm, dot, outer, einsum  # noqa: F401
from .promotion import promote_types, result_type, can_cast  # noqa: F401
from .reduce import (  # noqa: F401
    sum, mean, var, std, var_mean, prod, amax, amin, max, min, argmax, argmin, logsumexp,
    softmax, log_softmax, cumsum, any, all, norm,
)
from .shape import (  # noqa: F401
    reshape, view, flatten, squeeze, unsqueeze, permute, transpose, swapaxes, t, movedim,
    broadcast_to, expand, expand_as, broadcast_tensors, cat, concat, concatenate, stack,
    narrow, split, chunk, unbind, flip, roll, repeat, tile, pad, to_device, meshgrid,
)
from .index import (  # noqa: F401
    getitem, index_put, gather, scatter_add, index_select, masked_fill, masked_select,
    take_along_dim, tril, triu, nonzero,
)
from .sorting import sort, argsort, msort, topk, kthvalue  # noqa: F401
from . import tensor_methods as _tensor_methods

_tensor_methods.bind()
