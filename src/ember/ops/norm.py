"""Batch normalisation (the notes' BN layer): normalise each channel with the batch's
statistics in training (updating running estimates) or the running ones in evaluation,
then scale by gamma and shift by beta.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state
from ._util import require_tensor, _wrap, composite_grads
from .math import rsqrt



def _bn_shape(x, op):
    if x.ndim < 2:
        raise ValueError(f"{op}: expected input with a batch and a channel dimension, got shape {tuple(x.shape)}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    return axes, shape


def _bn_train_composite(x, weight, bias, eps, axes, shape):
    """Batch norm in training written with ember ops: the differentiable reference of the
    fused kernel (its backward under create_graph)."""
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(axes, keepdim=True)
    y = xc * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


class BatchNormTrain(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's statistics (the
    running estimates are updated in place, as torch does). Backward (fused):
    dx = invstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) with dxhat = dy gamma;
    dgamma = sum(dy xhat); dbeta = sum(dy)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, axes, shape):
        xd = x.array
        mean = xd.mean(axes, keepdims=True)
        xc = xd - mean
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        invstd = 1.0 / np.sqrt(var + eps)
        xhat = xc * invstd
        out = xhat * weight.array.reshape(shape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.array.reshape(shape)
        if running_mean is not None and momentum is not None:
            n = xd.size // xd.shape[1]
            running_mean.array *= 1 - momentum
            running_mean.array += momentum * mean.reshape(-1)
            running_var.array *= 1 - momentum
            running_var.array += momentum * var.reshape(-1) * (n / (n - 1))
        ctx.save_for_backward(x, weight, bias)
        ctx.axes, ctx.shape, ctx.eps, ctx.xhat, ctx.invstd = axes, shape, eps, xhat, invstd
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        none6 = (None,) * 6
        if state.enabled:       # recorded: differentiate the composite exactly
            return composite_grads(lambda x_, w_, b_: _bn_train_composite(
                x_, w_, b_, ctx.eps, ctx.axes, ctx.shape), (x, w, b), g) + none6
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes, xhat, invstd = ctx.axes, ctx.xhat, ctx.invstd
        gd = g.array
        gw = (gd * xhat).sum(axes) if need_w else None
        gb = gd.sum(axes) if need_b else None
        gx = None
        if need_x:
            dxhat = gd * w.array.reshape(ctx.shape) if w is not None else gd
            gx = invstd * (dxhat - dxhat.mean(axes, keepdims=True)
                           - xhat * (dxhat * xhat).mean(axes, keepdims=True))
            gx = gx.astype(gd.dtype, copy=False)
        return (gx, gw, gb) + none6


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) with the batch's mean and (biased) variance in
    training, or the running estimates in evaluation; then scale by ``weight`` (gamma) and
    shift by ``bias`` (beta). In training the running estimates are updated in place:
    running = (1 - momentum) * running + momentum * batch_stat, with the unbiased variance;
    ``momentum=None`` gives a cumulative average (pass the count via ``momentum=1/n``)."""
    x = require_tensor(input, "batch_norm", "input")
    axes, shape = _bn_shape(x, "batch_norm")
    C = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(t.shape)} but the input has {C} channels")
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
        scale = rsqrt(_wrap(running_var.array + eps).reshape(shape))
        y = (x - _wrap(running_mean.array).reshape(shape)) * scale
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        return y
    n = x.numel() // C
    if n <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                         f"shape {tuple(x.shape)}")
    return BatchNormTrain.apply(x, weight, bias, running_mean, running_var, momentum, eps, axes, shape)
