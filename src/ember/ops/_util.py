"""Helpers shared by the ops: operand conversion and the fast result constructor."""
import numbers

import numpy as np

from ..autograd.engine import grad
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor, _wrap, _check_dim, get_default_dtype

__all__ = ["Tensor", "_wrap", "as_tensor_arg", "scalar_or_tensor", "norm_dims", "_check_dim",
           "get_default_dtype", "shape_str", "composite_grads", "to_tensor", "require_tensor"]


def as_tensor_arg(x, name="input", op="op"):
    """A Tensor from a Tensor, array or Python number (numbers get the default float dtype
    if they are floats)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool):
        return _wrap(np.asarray(x))
    if isinstance(x, numbers.Integral):
        return _wrap(np.asarray(x, dtype=np.int64))
    if isinstance(x, numbers.Real):
        return _wrap(np.asarray(x, dtype=get_default_dtype()))
    try:
        return Tensor(x)
    except Exception:
        raise TypeError(f"{op}: {name} must be a Tensor, array or number, got {type(x).__name__}")


def to_tensor(x, op, name="input"):
    """``x`` as a Tensor (arrays, lists and numbers are converted; see :func:`as_tensor_arg`)."""
    return x if isinstance(x, Tensor) else as_tensor_arg(x, name, op)


def require_tensor(x, op, name="input"):
    """``x`` if it is an ember Tensor, else a TypeError naming the op and the argument."""
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}: {name} must be an ember Tensor, got {type(x).__name__}")


def scalar_or_tensor(x, op, name="other"):
    """Python numbers stay numbers (so float32 tensors stay float32); arrays become tensors."""
    if isinstance(x, (Tensor, bool, numbers.Number)):
        return x
    try:
        return Tensor(x)
    except Exception:
        raise TypeError(f"{op}: {name} must be a Tensor, array or number, got {type(x).__name__}")


def norm_dims(dim, ndim, op):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative axes. A 0-d tensor
    accepts dim 0 or -1 (as torch does) and has no axis to reduce: ``()``."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(sorted({_check_dim(d, ndim, op) for d in dim}))
        if len(dims) != len(dim):
            raise ValueError(f"{op}: dim={tuple(dim)} repeats a dimension")
        return dims if ndim else ()
    d = _check_dim(dim, ndim, op)
    return (d,) if ndim else ()


def shape_str(shape):
    return str(tuple(int(s) for s in shape))


def composite_grads(fn, inputs, g):
    """The gradients of ``fn(*inputs)`` (a differentiable reference written with ember ops)
    with respect to the inputs that require grad, recorded so that they can be
    differentiated again: what a fused Function's backward returns under
    ``create_graph=True``, where its fast kernel would be a constant."""
    with enable_grad():
        out = fn(*inputs)
    idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    gs = grad(out, [inputs[i] for i in idx], g, create_graph=True, allow_unused=True)
    res = [None] * len(inputs)
    for i, gi in zip(idx, gs):
        res[i] = gi
    return tuple(res)
