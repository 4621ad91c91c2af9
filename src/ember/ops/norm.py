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


def _view3(a):
    """a (N, C, ...) as a C-contiguous (A, C, B) view, channel in the middle: (N, C, rest)
    if a is C-contiguous, (N * rest, C, 1) if it is channels-last; None otherwise."""
    if a.flags.c_contiguous:
        return a.reshape(a.shape[0], a.shape[1], -1)
    t = np.moveaxis(a, 1, -1)
    return t.reshape(-1, a.shape[1], 1) if t.flags.c_contiguous else None


def _as3(a):
    """a and its (A, C, B) view; a copied C-contiguous first when it is in neither layout,
    and to float32 (or float64) when the kernels have no loop for its dtype (float16, ints)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        a = a.astype(np.result_type(a.dtype, np.float32))
    a3 = _view3(a)
    if a3 is None:
        a = np.ascontiguousarray(a)
        a3 = _view3(a)
    return a, a3


def _scale_shift(xd, x3, scale, shift):
    """x * scale + shift with per-channel (float64) scale and shift, in x's layout."""
    from . import _norm_kernels as K
    out = np.empty_like(xd)
    K.scale_shift(x3, scale.astype(xd.dtype), shift.astype(xd.dtype), _view3(out))
    return out


class BatchNormTrain(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's statistics (the
    running estimates are updated in place, as torch does), computed as x * scale + shift
    by the fused kernels of :mod:`._norm_kernels` in the input's own layout (NCHW or a
    convolution's channels-last output), keeping only per-channel statistics for backward.
    Backward (fused): dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat));
    dgamma = sum(dy xhat); dbeta = sum(dy)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, axes, shape):
        from . import _norm_kernels as K
        xd, x3 = _as3(x.array)
        mean, var = K.stats(x3)
        invstd = 1.0 / np.sqrt(var + eps)
        scale = invstd * weight.array if weight is not None else invstd
        out = _scale_shift(xd, x3, scale, -mean * scale + (bias.array if bias is not None else 0))
        if running_mean is not None and momentum is not None:
            n = xd.size // xd.shape[1]
            running_mean.array *= 1 - momentum
            running_mean.array += momentum * mean
            running_var.array *= 1 - momentum
            running_var.array += momentum * var * (n / (n - 1))
        ctx.save_for_backward(x, weight, bias)
        ctx.axes, ctx.shape, ctx.eps, ctx.mean, ctx.invstd = axes, shape, eps, mean, invstd
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        none6 = (None,) * 6
        if state.enabled:       # recorded: differentiate the composite exactly
            return composite_grads(lambda x_, w_, b_: _bn_train_composite(
                x_, w_, b_, ctx.eps, ctx.axes, ctx.shape), (x, w, b), g) + none6
        from . import _norm_kernels as K
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        mean, invstd = ctx.mean, ctx.invstd
        xd, x3 = _as3(x.array)
        gd = g.array
        g3 = _view3(gd)
        if g3 is None or g3.shape != x3.shape:        # g in another layout than x: copy it into x's
            gd = np.empty_like(xd, dtype=gd.dtype)
            np.copyto(gd, g.array)
            g3 = _view3(gd)
        sg, sgx = K.grad_sums(g3, x3, mean)
        gw = (invstd * sgx).astype(w.array.dtype) if need_w else None
        gb = sg.astype(b.array.dtype) if need_b else None
        gx = None
        if need_x:
            n = x3.shape[0] * x3.shape[2]
            k_g = invstd * w.array if w is not None else invstd
            k_x = -k_g * invstd * invstd * sgx / n
            k_0 = -k_g * sg / n - k_x * mean
            gx = np.empty_like(xd, dtype=gd.dtype)
            K.input_grad(g3, x3, k_g.astype(gd.dtype), k_x.astype(gd.dtype), k_0.astype(gd.dtype), _view3(gx))
        return (gx, gw, gb) + none6


def _eval_kernel(xd, mean, var, weight, bias, eps):
    """Evaluation-mode batch norm without a graph: x * scale + shift in one pass, in x's layout."""
    scale = 1.0 / np.sqrt(var.astype(np.float64) + eps)
    if weight is not None:
        scale = scale * weight.array
    return _scale_shift(*_as3(xd), scale, -mean * scale + (bias.array if bias is not None else 0))


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
        if not (state.enabled and any(t is not None and t.requires_grad for t in (x, weight, bias))):
            return _wrap(_eval_kernel(x.array, running_mean.array, running_var.array, weight, bias, eps))
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


# ---------------------------------------------------------------------------------------
# layer, group and instance norm: one fused kernel over a view of the input
# ---------------------------------------------------------------------------------------
def _norm_composite(x, weight, bias, view, wshape, eps):
    """The differentiable reference of :class:`Normalize` written with ember ops."""
    xv = x.reshape(view)
    xc = xv - xv.mean(-1, keepdim=True)
    y = (xc * ((xc * xc).mean(-1, keepdim=True) + eps).rsqrt()).reshape(x.shape)
    if weight is not None:
        y = y * weight.reshape(wshape)
    if bias is not None:
        y = y + bias.reshape(wshape)
    return y


class Normalize(Function):
    """Standardise ``x`` viewed as ``view`` along its last axis (layer norm: the normalized
    dims; group norm: a group's channels and positions; instance norm: one channel's
    positions), then scale and shift by weight/bias broadcast as ``wshape``.
    Backward (fused): with xhat the standardised input and dxhat = dy * gamma,
    dx = invstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) along the normalised axis,
    dgamma = sum(dy xhat), dbeta = sum(dy) over the axes gamma is broadcast along."""

    @staticmethod
    def forward(ctx, x, weight, bias, view, wshape, eps):
        xv = x.array.reshape(view)
        xc = xv - xv.mean(-1, keepdims=True)
        invstd = 1.0 / np.sqrt(np.mean(xc * xc, axis=-1, keepdims=True) + eps)
        xc *= invstd
        xhat = xc.reshape(x.shape)
        out = xhat * weight.array.reshape(wshape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.array.reshape(wshape)
        ctx.save_for_backward(x, weight, bias)
        ctx.view, ctx.wshape, ctx.eps, ctx.xhat, ctx.invstd = view, wshape, eps, xhat, invstd
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        none3 = (None,) * 3
        if state.enabled:       # recorded: differentiate the composite exactly
            return composite_grads(lambda x_, w_, b_: _norm_composite(
                x_, w_, b_, ctx.view, ctx.wshape, ctx.eps), (x, w, b), g) + none3
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gd, xhat, wshape = g.array, ctx.xhat, ctx.wshape
        lead = g.ndim - len(wshape)       # weight broadcasts over the dims where wshape is 1
        red = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(wshape) if s == 1)
        gw = (gd * xhat).sum(red).reshape(w.shape) if need_w else None
        gb = gd.sum(red).reshape(b.shape) if need_b else None
        gx = None
        if need_x:
            dxhat = (gd * w.array.reshape(wshape) if w is not None else gd).reshape(ctx.view)
            xv = xhat.reshape(ctx.view)
            gx = ctx.invstd * (dxhat - dxhat.mean(-1, keepdims=True)
                               - xv * (dxhat * xv).mean(-1, keepdims=True))
            gx = gx.reshape(x.shape).astype(gd.dtype, copy=False)
        return (gx, gw, gb) + none3


def _check_affine(op, name, t, shape):
    if t is not None:
        require_tensor(t, op, name)
        if tuple(t.shape) != tuple(shape):
            raise ValueError(f"{op}: {name} has shape {tuple(t.shape)}, expected {tuple(shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Standardise over the last ``len(normalized_shape)`` dims (each sample on its own,
    the same in training and evaluation), then scale by ``weight`` and shift by ``bias``
    (both of shape ``normalized_shape``)."""
    x = require_tensor(input, "layer_norm")
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != ns:
        raise ValueError(f"layer_norm: normalized_shape={ns} must be the trailing dims of the input, "
                         f"got input shape {tuple(x.shape)}")
    _check_affine("layer_norm", "weight", weight, ns)
    _check_affine("layer_norm", "bias", bias, ns)
    inner = int(np.prod(ns))
    return Normalize.apply(x, weight, bias, (int(np.prod(x.shape[:x.ndim - k])), inner), ns, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Standardise each sample over groups of ``C / num_groups`` channels (and all their
    positions), then apply a per-channel ``weight`` and ``bias`` of shape (C,)."""
    x = require_tensor(input, "group_norm")
    if x.ndim < 2:
        raise ValueError(f"group_norm: expected input of shape (N, C, *), got {tuple(x.shape)}")
    N, C = x.shape[:2]
    if not isinstance(num_groups, int) or num_groups <= 0 or C % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups!r} must be a positive int dividing the "
                         f"{C} channels of input shape {tuple(x.shape)}")
    _check_affine("group_norm", "weight", weight, (C,))
    _check_affine("group_norm", "bias", bias, (C,))
    rest = C // num_groups * int(np.prod(x.shape[2:]))
    return Normalize.apply(x, weight, bias, (N, num_groups, rest), (C,) + (1,) * (x.ndim - 2), eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Standardise each channel of each sample over its positions (``use_input_stats``), or
    with the running estimates; a per-channel ``weight`` and ``bias``. With running
    estimates and ``use_input_stats`` they are updated in place with the batch average of
    the instances' means and unbiased variances, as torch does."""
    x = require_tensor(input, "instance_norm")
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected input of shape (N, C, L, ...), got {tuple(x.shape)}")
    N, C = x.shape[:2]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_affine("instance_norm", name, t, (C,))
    wshape = (C,) + (1,) * (x.ndim - 2)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var")
        y = (x - _wrap(running_mean.array).reshape(wshape)) * rsqrt(_wrap(running_var.array + eps).reshape(wshape))
        if weight is not None:
            y = y * weight.reshape(wshape)
        return y + bias.reshape(wshape) if bias is not None else y
    L = int(np.prod(x.shape[2:]))
    if L <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel, got input "
                         f"shape {tuple(x.shape)}")
    if running_mean is not None and running_var is not None:
        xv = x.array.reshape(N, C, L)
        running_mean.array *= 1 - momentum
        running_mean.array += momentum * xv.mean(-1).mean(0)
        running_var.array *= 1 - momentum
        running_var.array += momentum * xv.var(-1, ddof=1).mean(0)
    return Normalize.apply(x, weight, bias, (N, C, L), wshape, eps)
