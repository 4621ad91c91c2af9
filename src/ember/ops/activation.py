"""Activation functions beyond the element-wise basics of :mod:`.math` (``relu``,
``sigmoid``, ``tanh``) and :mod:`.reduce` (``softmax``, ``log_softmax``): leaky ReLU,
PReLU, ELU, softplus, GELU, maxout, hardtanh and ReLU6 (MobileNet's activation).
"""
import math

import numpy as np

from ..autograd.function import Function
from ._util import require_tensor
from .math import clamp, erf, sigmoid, tanh, where


class LeakyRelu(Function):
    """x if x > 0 else slope * x; the derivative is the constant 1 or slope."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        xd = x.array
        pos = xd > 0
        if ctx.needs_input_grad[0]:
            ctx.slope = np.where(pos, 1.0, negative_slope).astype(xd.dtype)
        return np.where(pos, xd, xd * negative_slope)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.slope, None


def leaky_relu(input, negative_slope=0.01):
    """x if x > 0 else negative_slope * x; derivative 1 or negative_slope."""
    return LeakyRelu.apply(require_tensor(input, "leaky_relu", "input"), negative_slope)


def prelu(input, weight):
    """x if x > 0 else a * x with a learned slope ``a`` (one per channel, channel dim 1)."""
    x = require_tensor(input, "prelu", "input")
    a = require_tensor(weight, "prelu", "weight")
    if a.numel() != 1:
        if x.ndim < 2 or x.shape[1] != a.numel():
            raise ValueError(f"prelu: {a.numel()} slopes given but input of shape {tuple(x.shape)} has "
                             f"{x.shape[1] if x.ndim > 1 else 1} channels in dim 1")
        a = a.reshape((1, -1) + (1,) * (x.ndim - 2))
    return where(x > 0, x, a * x)


def elu(input, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = require_tensor(input, "elu", "input")
    neg = clamp(x, max=0.0)
    return where(x > 0, x, (neg.exp() - 1) * alpha)


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, computed stably (x itself where beta x > threshold);
    the derivative sigmoid(beta x) (1 past the threshold) is written with ember ops, so it is
    0.5 at x = 0 as torch's, not the subgradient of a max/abs formula."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xd = x.array
        bx = xd * beta
        out = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        linear = bx > threshold
        ctx.save_for_backward(x)
        ctx.beta, ctx.linear = beta, linear
        return np.where(linear, xd, out).astype(xd.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        slope = sigmoid(x * ctx.beta)
        if ctx.linear.any():
            slope = where(ctx.linear, 1.0, slope)
        return g * slope, None, None


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, computed stably; x itself where beta x > threshold."""
    x = require_tensor(input, "softplus", "input")
    if not beta > 0:
        raise ValueError(f"softplus: beta={beta} must be positive")
    return Softplus.apply(x, beta, threshold)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|; derivative sigmoid(-x)."""
    x = require_tensor(input, "logsigmoid", "input")
    return -Softplus.apply(-x, 1.0, float("inf"))


def gelu(input, approximate="none"):
    """x * Phi(x) with Phi the standard normal CDF, 0.5 (1 + erf(x / sqrt 2)) (torch's
    default), or with ``approximate="tanh"``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = require_tensor(input, "gelu", "input")
    if approximate == "none":
        return x * 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate={approximate!r} must be 'none' or 'tanh'")
    return x * 0.5 * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def maxout(input, pieces):
    """Maximum over groups of ``pieces`` consecutive features of the last dimension."""
    x = require_tensor(input, "maxout", "input")
    if x.shape[-1] % pieces:
        raise ValueError(f"maxout: last dimension {x.shape[-1]} is not divisible by pieces={pieces}")
    return x.reshape(*x.shape[:-1], x.shape[-1] // pieces, pieces).amax(-1)


class Hardtanh(Function):
    """min(max(x, lo), hi); the derivative is 1 strictly inside (lo, hi), else 0 (torch's rule:
    0 at the corners, unlike ``clamp`` which passes the gradient at them)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        xd = x.array
        if ctx.needs_input_grad[0]:
            ctx.inside = ((xd > lo) & (xd < hi)).astype(xd.dtype)
        return np.clip(xd, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.inside, None, None


def hardtanh(input, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val]; gradient 1 strictly between them, 0 elsewhere."""
    x = require_tensor(input, "hardtanh", "input")
    if not min_val < max_val:
        raise ValueError(f"hardtanh: min_val={min_val} must be less than max_val={max_val}")
    return Hardtanh.apply(x, float(min_val), float(max_val))


def relu6(input):
    """min(max(0, x), 6) (MobileNet's activation, torch.nn.functional.relu6)."""
    return hardtanh(require_tensor(input, "relu6", "input"), 0.0, 6.0)
