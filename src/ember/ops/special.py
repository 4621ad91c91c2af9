"""More element-wise functions, each a :func:`~.math._unary` with its derivative: rounding
(zero gradient), reciprocal, log and exp in other bases, inverse and hyperbolic
trigonometry; and ``atan2``, ``lerp``, ``nan_to_num``.

    >>> import ember
    >>> ember.expm1(ember.tensor([1e-10], dtype=ember.float64)).item()   # exp(x) - 1 gives 1.00000008e-10
    1.00000000005e-10
"""
import numpy as np

from ..autograd.function import Function
from ._util import _wrap
from ._util import to_tensor as _tensor
from .math import _unary, sqrt, where

_LN2, _LN10 = float(np.log(2)), float(np.log(10))

floor = _unary("floor", np.floor, lambda g, _: g * 0, keeps_ints=True, doc="Round down; its gradient is zero.")
ceil = _unary("ceil", np.ceil, lambda g, _: g * 0, keeps_ints=True, doc="Round up; its gradient is zero.")
trunc = _unary("trunc", np.trunc, lambda g, _: g * 0, keeps_ints=True, doc="Round toward zero; its gradient is zero.")
frac = _unary("frac", lambda a: a - np.trunc(a), lambda g, _: g, doc="x - trunc(x); d/dx = 1.")
_round = _unary("round", np.round, lambda g, _: g * 0, keeps_ints=True)

reciprocal = _unary("reciprocal", lambda a: 1 / a, lambda g, y: -(g * y * y), "output", doc="1/x; d/dx = -1/x^2.")
log2 = _unary("log2", np.log2, lambda g, x: g / (x * _LN2), "input", doc="Base-2 logarithm; d/dx = 1/(x ln 2).")
log10 = _unary("log10", np.log10, lambda g, x: g / (x * _LN10), "input", doc="Base-10 logarithm.")
exp2 = _unary("exp2", np.exp2, lambda g, y: g * y * _LN2, "output", doc="2^x; d/dx = 2^x ln 2.")
expm1 = _unary("expm1", np.expm1, lambda g, y: g * (y + 1), "output", doc="e^x - 1, exact for small x.")
asin = _unary("asin", np.arcsin, lambda g, x: g / sqrt(1 - x * x), "input", doc="d/dx = 1/sqrt(1 - x^2).")
acos = _unary("acos", np.arccos, lambda g, x: -(g / sqrt(1 - x * x)), "input", doc="d/dx = -1/sqrt(1 - x^2).")
atan = _unary("atan", np.arctan, lambda g, x: g / (1 + x * x), "input", doc="d/dx = 1/(1 + x^2).")
sinh = _unary("sinh", np.sinh, lambda g, x: g * cosh(x), "input", doc="d/dx = cosh x.")
cosh = _unary("cosh", np.cosh, lambda g, x: g * sinh(x), "input", doc="d/dx = sinh x.")
arcsin, arccos, arctan = asin, acos, atan


def round(input, *, decimals=0):
    """Round half to even (as torch and NumPy), to ``decimals`` places; its gradient is zero."""
    if decimals == 0:
        return _round(input)
    scale = 10.0 ** decimals
    return _round(input * scale) / scale


class Atan2(Function):
    """atan2(y, x); d/dy = x/(x^2 + y^2), d/dx = -y/(x^2 + y^2), both 0 at the origin (torch)."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y.array, x.array)

    @staticmethod
    def backward(ctx, g):
        y, x = ctx.saved_tensors
        r2 = x * x + y * y
        safe = where(r2 == 0, 1.0, r2)
        return g * x / safe, -(g * y) / safe


def atan2(input, other):
    """The angle of the point (other, input): atan(input/other) in the right quadrant."""
    return Atan2.apply(_tensor(input, "atan2"), _tensor(other, "atan2", "other"))


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    start = _tensor(input, "lerp")
    return start + weight * (end - start)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``, +inf -> ``posinf`` (default the dtype's max), -inf -> ``neginf`` (its
    min); the gradient passes where the input was finite and is 0 elsewhere."""
    x = _tensor(input, "nan_to_num")
    if x.array.dtype.kind not in "fc":
        return x
    info = np.finfo(x.array.dtype)
    pos, neg = info.max if posinf is None else posinf, info.min if neginf is None else neginf
    fixed = np.nan_to_num(x.array, nan=nan, posinf=pos, neginf=neg)
    if not x.requires_grad:
        return _wrap(fixed)
    finite = np.isfinite(x.array)
    return where(_wrap(finite), x, _wrap(fixed))


__all__ = ["floor", "ceil", "trunc", "frac", "round", "reciprocal", "log2", "log10", "exp2", "expm1",
           "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "atan2", "lerp",
           "nan_to_num"]
