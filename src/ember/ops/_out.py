"""torch's ``out=`` keyword on the top-level functions (``ember.mul(a, b, out=c)``): the
result is written into ``out`` (resized if its shape differs, cast to its dtype when torch
allows the cast) and ``out`` is returned. As in torch, ``out=`` is not differentiable.
Only the ``ember.<name>`` functions take it; the Tensor methods and operators, and the ops
ember itself calls, keep their direct path."""
import functools

from ..autograd.grad_mode import state
from ..autograd.tensor import Tensor
from .promotion import can_cast

# the ember.<name> functions that torch gives an ``out=`` keyword
OUT_FUNCTIONS = (
    "abs", "neg", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "sign",
    "square", "add", "sub", "mul", "div", "subtract", "multiply", "divide", "true_divide", "pow",
    "maximum", "minimum", "clamp", "clip", "where", "eq", "ne", "lt", "le", "gt", "ge", "greater",
    "less", "greater_equal", "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor",
    "logical_not", "floor_divide", "remainder", "matmul", "mm", "bmm", "dot", "outer", "sum", "mean",
    "prod", "amax", "amin", "max", "min", "argmax", "argmin", "logsumexp", "cumsum", "norm", "std", "var",
    "cat", "concat", "concatenate", "stack", "gather", "index_select", "masked_select", "take_along_dim",
)


def _write(name, result, out):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: out must be an ember Tensor, got {type(out).__name__}")
    if state.enabled and (out.requires_grad or result.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad; call it without out=")
    if not can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the desired output "
                           f"type {out.dtype}")
    if out.array.shape == result.array.shape:
        out.array[...] = result.array
    else:
        out.array = result.array.astype(out.dtype)
    out._vc[0] += 1
    return out


def with_out(fn):
    """``fn`` with torch's ``out=`` keyword (a tuple of tensors for several results)."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        if out is None:
            return result
        if isinstance(result, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(result):
                raise TypeError(f"{name}: out must be a tuple of {len(result)} tensors here, got {out!r}")
            return type(result)(*[_write(name, r, o) for r, o in zip(result, out)]) \
                if hasattr(result, "_fields") else tuple(_write(name, r, o) for r, o in zip(result, out))
        return _write(name, result, out)
    return call
