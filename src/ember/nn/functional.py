"""``ember.nn.functional`` (imported as ``F``): layers and losses as functions.

Hot paths are fused nodes with hand-derived backward passes (linear, dropout, leaky ReLU,
batch norm, softmax cross-entropy whose gradient is ``softmax(z) - onehot(y)``); the rest
are compositions of differentiable ops. A fused node whose fast backward uses constants
recomputes a differentiable composite when the backward pass is itself recorded
(``create_graph=True``), so second derivatives stay exact.
"""
import math
import numbers

import numpy as np

from .. import ops
from ..autograd.engine import grad as _grad
from ..autograd.function import Node
from ..autograd.grad_mode import state, enable_grad
from ..autograd.tensor import Tensor, _wrap
from ..random import rng
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.pool import (  # noqa: F401
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
    adaptive_avg_pool1d, adaptive_avg_pool2d, global_avg_pool2d, spatial_pyramid_pool, dropout2d,
    channel_shuffle, interpolate,
)

_REDUCTIONS = ("mean", "sum", "none")


def _t(x, name, op):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}: {name} must be an ember Tensor, got {type(x).__name__}")


def _check_reduction(reduction, op):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction={reduction!r} must be one of {_REDUCTIONS}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _composite_grads(fn, inputs, g):
    """Gradients of ``fn(*inputs)`` w.r.t. the inputs that require grad, recorded so they can
    be differentiated again (used by fused nodes under ``create_graph=True``)."""
    with enable_grad():
        out = fn(*inputs)
    idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    gs = _grad(out, [inputs[i] for i in idx], g, create_graph=True, allow_unused=True)
    res = [None] * len(inputs)
    for i, gi in zip(idx, gs):
        res[i] = gi
    return tuple(res)


# =========================================================================================
# linear
# =========================================================================================
class LinearBackward(Node):
    def backward(self, g):
        x, w, b = self.unpack()
        ex, ew, eb = self.next_edges
        if not state.enabled:
            # not recorded: the same products straight on the arrays (no per-op dispatch)
            gd = g.data
            gx = _wrap(np.matmul(gd, w.data)) if ex is not None else None
            if ew is None and eb is None:
                return gx, None, None
            g2 = gd if gd.ndim == 2 else gd.reshape(-1, gd.shape[-1])
            gw = gb = None
            if ew is not None:
                xd = x.data
                gw = _wrap(np.matmul(g2.T, xd if xd.ndim == 2 else xd.reshape(-1, xd.shape[-1])))
            if eb is not None:
                gb = _wrap(np.add.reduce(g2, axis=0))
            return gx, gw, gb
        gx = ops.matmul(g, w) if ex is not None else None
        if ew is None and eb is None:
            return gx, None, None
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        gw = gb = None
        if ew is not None:
            x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
            gw = ops.matmul(g2.T, x2)
        if eb is not None:
            gb = g2.sum(0)
        return gx, gw, gb


def linear(input, weight, bias=None):
    """y = x W^T + b (the notes' Affine layer); ``weight`` has shape (out_features, in_features).
    Backward: dx = dy W, dW = dy^T x, db = sum of dy over the batch."""
    x = _t(input, "input", "linear")
    w = _t(weight, "weight", "linear")
    xd, wd = x.data, w.data
    if xd.ndim < 1 or xd.shape[-1] != wd.shape[-1]:
        raise ValueError(f"linear: input shape {tuple(x.shape)} does not match weight shape "
                         f"{tuple(w.shape)}: the last dimension of input must be in_features={w.shape[-1]}")
    if xd.dtype != wd.dtype:
        xd = xd.astype(wd.dtype)
        x = _wrap(xd) if not x.requires_grad else ops.cast(x, wd.dtype)
    out = np.matmul(xd, wd.T)
    if bias is not None:
        bd = bias.data
        if bd.shape != wd.shape[:1]:
            raise ValueError(f"linear: bias shape {tuple(bias.shape)} must be ({w.shape[0]},)")
        out += bd
    if state.enabled and (x.requires_grad or w.requires_grad or (bias is not None and bias.requires_grad)):
        node = LinearBackward(x, w, bias)
        node.save(x, w, bias)
        return _wrap(out, node)
    return _wrap(out)


# =========================================================================================
# activations
# =========================================================================================
relu = ops.relu
sigmoid = ops.sigmoid
tanh = ops.tanh
softmax = ops.softmax
log_softmax = ops.log_softmax


class MaskBackward(Node):
    """Backward of an op whose local derivative is a constant array (dropout, leaky ReLU)."""

    def backward(self, g):
        return (g * _wrap(self.mask),)


def leaky_relu(input, negative_slope=0.01):
    """x if x > 0 else negative_slope * x; derivative 1 or negative_slope."""
    x = _t(input, "input", "leaky_relu")
    pos = x.data > 0
    out = np.where(pos, x.data, x.data * negative_slope)
    if state.enabled and x.requires_grad:
        node = MaskBackward(x)
        node.mask = np.where(pos, 1.0, negative_slope).astype(x.data.dtype)
        return _wrap(out, node)
    return _wrap(out)


def prelu(input, weight):
    """x if x > 0 else a * x with a learned slope ``a`` (one per channel, channel dim 1)."""
    x = _t(input, "input", "prelu")
    a = _t(weight, "weight", "prelu")
    if a.numel() != 1:
        if x.ndim < 2 or x.shape[1] != a.numel():
            raise ValueError(f"prelu: {a.numel()} slopes given but input of shape {tuple(x.shape)} has "
                             f"{x.shape[1] if x.ndim > 1 else 1} channels in dim 1")
        a = a.reshape((1, -1) + (1,) * (x.ndim - 2))
    return ops.where(x > 0, x, a * x)


def elu(input, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = _t(input, "input", "elu")
    neg = ops.clamp(x, max=0.0)
    return ops.where(x > 0, x, (neg.exp() - 1) * alpha)


def softplus(input, beta=1.0, threshold=20.0):
    x = _t(input, "input", "softplus")
    bx = x * beta
    soft = (ops.relu(bx) + (-(bx.abs())).exp().log1p()) / beta
    return ops.where(bx > threshold, x, soft)


def gelu(input):
    x = _t(input, "input", "gelu")
    return x * 0.5 * (1 + ops.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def maxout(input, pieces):
    """Maximum over groups of ``pieces`` consecutive features of the last dimension."""
    x = _t(input, "input", "maxout")
    if x.shape[-1] % pieces:
        raise ValueError(f"maxout: last dimension {x.shape[-1]} is not divisible by pieces={pieces}")
    return x.reshape(*x.shape[:-1], x.shape[-1] // pieces, pieces).amax(-1)


# =========================================================================================
# dropout
# =========================================================================================
def dropout(input, p=0.5, training=True, inplace=False, generator=None, scaling="inverted"):
    """Zero each element with probability ``p`` during training.

    ``scaling="inverted"`` (torch's, the default) divides kept values by 1 - p during
    training and does nothing at test time; ``scaling="classic"`` (the notes' original
    formulation) keeps values unscaled in training and multiplies by the keep probability
    1 - p at test time. Both have the same expected output."""
    x = _t(input, "input", "dropout")
    if not isinstance(p, numbers.Real) or not 0 <= p < 1 or p != p:
        raise ValueError(f"dropout: p={p!r} must be a probability in [0, 1)")
    if scaling not in ("inverted", "classic"):
        raise ValueError(f"dropout: scaling={scaling!r} must be 'inverted' or 'classic'")
    if not training:
        return x if scaling == "inverted" or p == 0 else x * (1.0 - p)
    if p == 0:
        return x
    keep = rng(generator).random(x.shape) >= p
    mask = keep.astype(x.data.dtype)
    if scaling == "inverted":
        mask *= 1.0 / (1.0 - p)
    out = x.data * mask
    if state.enabled and x.requires_grad:
        node = MaskBackward(x)
        node.mask = mask
        return _wrap(out, node)
    return _wrap(out)


# =========================================================================================
# batch norm
# =========================================================================================
def _bn_shape(x, op):
    if x.ndim < 2:
        raise ValueError(f"{op}: expected input with a batch and a channel dimension, got shape {tuple(x.shape)}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    return axes, shape


def _bn_train_composite(x, weight, bias, eps, axes, shape):
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(axes, keepdim=True)
    y = xc * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


class BatchNormBackward(Node):
    def backward(self, g):
        x, w, b = self.unpack()
        if state.enabled:   # recorded backward: differentiate the composite exactly
            return _composite_grads(
                lambda x_, w_, b_: _bn_train_composite(x_, w_, b_, self.eps, self.axes, self.shape),
                (x, w, b), g)
        ex, ew, eb = self.next_edges
        axes, xhat, invstd = self.axes, self.xhat, self.invstd
        gd = g.data
        gw = _wrap((gd * xhat).sum(axes)) if ew is not None else None
        gb = _wrap(gd.sum(axes)) if eb is not None else None
        gx = None
        if ex is not None:
            dxhat = gd * w.data.reshape(self.shape) if w is not None else gd
            gx = invstd * (dxhat - dxhat.mean(axes, keepdims=True)
                           - xhat * (dxhat * xhat).mean(axes, keepdims=True))
            gx = _wrap(gx.astype(gd.dtype, copy=False))
        return gx, gw, gb


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) with the batch's mean and (biased) variance in
    training, or the running estimates in evaluation; then scale by ``weight`` (gamma) and
    shift by ``bias`` (beta). In training the running estimates are updated in place:
    running = (1 - momentum) * running + momentum * batch_stat, with the unbiased variance;
    ``momentum=None`` gives a cumulative average (pass the count via ``momentum=1/n``)."""
    x = _t(input, "input", "batch_norm")
    axes, shape = _bn_shape(x, "batch_norm")
    C = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(t.shape)} but the input has {C} channels")
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
        scale = ops.rsqrt(_wrap(running_var.data + eps).reshape(shape))
        y = (x - _wrap(running_mean.data).reshape(shape)) * scale
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        return y
    n = x.numel() // C
    if n <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                         f"shape {tuple(x.shape)}")
    xd = x.data
    mean = xd.mean(axes, keepdims=True)
    xc = xd - mean
    var = np.mean(xc * xc, axis=axes, keepdims=True)
    invstd = 1.0 / np.sqrt(var + eps)
    xhat = xc * invstd
    out = xhat * weight.data.reshape(shape) if weight is not None else xhat.copy()
    if bias is not None:
        out += bias.data.reshape(shape)
    if running_mean is not None and momentum is not None:
        m = momentum
        running_mean.data *= 1 - m
        running_mean.data += m * mean.reshape(-1)
        running_var.data *= 1 - m
        running_var.data += m * var.reshape(-1) * (n / (n - 1))
    if state.enabled and (x.requires_grad or (weight is not None and weight.requires_grad)
                          or (bias is not None and bias.requires_grad)):
        node = BatchNormBackward(x, weight, bias)
        node.save(x, weight, bias)
        node.axes, node.shape, node.eps = axes, shape, eps
        node.xhat, node.invstd = xhat, invstd
        return _wrap(out, node)
    return _wrap(out)


# =========================================================================================
# losses
# =========================================================================================
def _check_same_shape(input, target, op):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{op}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} "
                         f"must be equal")


def _as_target(target, like, op):
    if isinstance(target, Tensor):
        return target
    return _wrap(np.asarray(target, dtype=like.dtype))


def mse_loss(input, target, reduction="mean"):
    """mean((x - y)^2), the notes' mean-square loss."""
    x = _t(input, "input", "mse_loss")
    y = _as_target(target, x, "mse_loss")
    _check_same_shape(x, y, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    d = x - y
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    x = _t(input, "input", "l1_loss")
    y = _as_target(target, x, "l1_loss")
    _check_same_shape(x, y, "l1_loss")
    _check_reduction(reduction, "l1_loss")
    return _reduce((x - y).abs(), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (robust to outliers)."""
    x = _t(input, "input", "smooth_l1_loss")
    y = _as_target(target, x, "smooth_l1_loss")
    _check_same_shape(x, y, "smooth_l1_loss")
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta={beta} must be non-negative")
    d = (x - y).abs()
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(ops.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta)."""
    x = _t(input, "input", "huber_loss")
    y = _as_target(target, x, "huber_loss")
    _check_same_shape(x, y, "huber_loss")
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta={delta} must be positive")
    d = (x - y).abs()
    return _reduce(ops.where(d <= delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction)


def _class_target(input, target, op, ignore_index):
    """Flatten (N, C, d1, ...) logits to (M, C) and the class targets to (M,), checking range."""
    x = _t(input, "input", op)
    if x.ndim < 1:
        raise ValueError(f"{op}: input must have a class dimension, got shape {tuple(x.shape)}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {t.dtype} "
                        f"(for class probabilities pass a float tensor shaped like input)")
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    expected = (x.shape[0],) + tuple(x.shape[2:]) if x.ndim > 1 else ()
    if tuple(t.shape) != expected:
        raise ValueError(f"{op}: target shape {tuple(t.shape)} does not match input shape "
                         f"{tuple(x.shape)}; expected target shape {expected}")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        raise IndexError(f"{op}: target contains class {int(t[bad].reshape(-1)[0])}, outside [0, {C}) "
                         f"for input with {C} classes")
    return x, t, C


def _to_rows(x):
    """(N, C, d1..) -> (M, C) view order used by the fused losses; returns array and inverse info."""
    if x.ndim == 1:
        return x.data.reshape(1, -1)
    if x.ndim == 2:
        return x.data
    return np.moveaxis(x.data, 1, -1).reshape(-1, x.shape[1])


def _from_rows(rows, shape):
    if len(shape) == 1:
        return rows.reshape(shape)
    if len(shape) == 2:
        return rows
    moved = rows.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],))
    return np.moveaxis(moved, -1, 1)


class CrossEntropyBackward(Node):
    simple = False

    def backward(self, g):
        (x, w) = self.unpack()
        if state.enabled:
            return _composite_grads(lambda x_, w_: _cross_entropy_composite(
                x_, self.target, w_, self.ignore_index, self.reduction, self.eps), (x, w), g)[0], None
        if self.simple:     # the common case below with w_i = 1, eps = 0: p - onehot(y)
            grad = self.p.copy()
            grad[self.idx, self.t] -= 1
            grad *= g.data.reshape(()) / self.denom
            return _wrap(grad), None
        # d loss_i / d z_ic = (1 - eps) w_i (p_ic - [c = y_i]) + eps / C (W p_ic - weight_c)
        p, rows_w, t, C = self.p, self.rows_w, self.t, self.C
        coef = rows_w * (1 - self.eps)
        grad = p * coef[:, None]
        grad[np.arange(p.shape[0]), np.where(self.valid, t, 0)] -= coef
        if self.eps:
            cw = self.class_w
            grad += (self.eps / C) * (p * cw.sum() - cw[None, :]) * self.valid[:, None]
        gd = g.data
        if self.reduction == "none":
            grad *= gd.reshape(-1)[:, None]
        else:
            grad *= gd.reshape(()) / self.denom
        return _wrap(_from_rows(grad, self.in_shape)), None


def _cross_entropy_composite(x, t, weight, ignore_index, reduction, eps):
    """Differentiable reference of the fused loss (used for double backward)."""
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    logp = x.log_softmax(1 if x.ndim > 1 else 0)
    rows = logp if x.ndim <= 2 else logp.movedim(1, -1).reshape(-1, C)
    if x.ndim == 1:
        rows = rows.reshape(1, C)
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    cw = weight if weight is not None else _wrap(np.ones(C, dtype=x.data.dtype))
    wi = cw[safe] * _wrap(valid.astype(x.data.dtype))
    nll = -rows[np.arange(rows.shape[0]), safe] * wi
    loss = nll * (1 - eps)
    if eps:
        loss = loss - (rows * cw).sum(1) * _wrap(valid.astype(x.data.dtype)) * (eps / C)
    if reduction == "none":
        return loss.reshape(t.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wi.sum()


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy: -log softmax(z)_y, averaged over the batch (weighted by
    ``weight[y]`` when class weights are given; targets equal to ``ignore_index`` are
    skipped). With class indices this is one fused op whose gradient is
    softmax(z) - onehot(y) (scaled by the reduction); ``label_smoothing`` eps mixes the
    one-hot target with the uniform distribution. ``target`` may also hold class
    probabilities (a float tensor shaped like ``input``).

        >>> import ember
        >>> z = ember.tensor([[1.0, 5.0, 3.0]], requires_grad=True)
        >>> ember.nn.functional.cross_entropy(z, ember.tensor([2])).backward()
        >>> z.grad      # softmax([1, 5, 3]) - [0, 0, 1]
        tensor([[ 0.0159,  0.8668, -0.8827]])
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing={label_smoothing} must be in [0, 1]")
    x = _t(input, "input", "cross_entropy")
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        return _soft_cross_entropy(x, target, weight, reduction, label_smoothing)
    if weight is None and not label_smoothing and reduction != "none":
        out = _cross_entropy_simple(x, target, ignore_index, reduction)
        if out is not None:
            return out
    x, t, C = _class_target(x, target, "cross_entropy", ignore_index)
    if weight is not None and tuple(weight.shape) != (C,):
        raise ValueError(f"cross_entropy: weight shape {tuple(weight.shape)} must be ({C},)")
    rows = _to_rows(x)
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    m = rows.max(1, keepdims=True)
    e = np.exp(rows - m)
    s = e.sum(1, keepdims=True)
    logp = rows - m - np.log(s)
    class_w = weight.data.astype(rows.dtype) if weight is not None else np.ones(C, dtype=rows.dtype)
    rows_w = class_w[safe] * valid
    idx = np.arange(rows.shape[0])
    loss = -(logp[idx, safe]) * rows_w * (1 - label_smoothing)
    if label_smoothing:
        loss -= (label_smoothing / C) * (logp * class_w).sum(1) * valid
    if reduction == "none":
        out, denom = loss.reshape(t.shape), 1.0
    elif reduction == "sum":
        out, denom = np.asarray(loss.sum()), 1.0
    else:
        denom = rows_w.sum()
        out = np.asarray(loss.sum() / denom if denom else np.nan, dtype=rows.dtype)
    out = out.astype(rows.dtype, copy=False)
    if state.enabled and x.requires_grad:
        node = CrossEntropyBackward(x, weight)
        node.save(x, weight)
        e /= s
        node.p, node.rows_w, node.t, node.C, node.valid = e, rows_w, safe, C, valid
        node.class_w, node.eps, node.reduction, node.denom = class_w, label_smoothing, reduction, denom
        node.in_shape, node.target, node.ignore_index = x.shape, t, ignore_index
        return _wrap(out, node)
    return _wrap(out)


_UNSIGNED = {np.dtype(f"i{k}"): np.dtype(f"u{k}") for k in (1, 2, 4, 8)}


def _cross_entropy_simple(x, target, ignore_index, reduction):
    """``cross_entropy``'s most common case with fewer array passes: (N, C) float logits,
    (N,) integer targets all in [0, C) (none equal to ``ignore_index``), no class weights,
    no label smoothing, mean or sum. The same arithmetic as the general path, element by
    element. Returns None when the case does not apply (the general path then checks and
    reports bad input)."""
    rows = x.data
    t = target.data if isinstance(target, Tensor) else None
    if (t is None or rows.ndim != 2 or rows.dtype.kind != "f" or rows.dtype.itemsize < 4
            or t.dtype.kind not in "iu" or t.shape != rows.shape[:1] or not t.size):
        return None
    n, C = rows.shape
    if 0 <= ignore_index < C:
        return None
    # all targets in [0, C): one max over the targets read as unsigned (negatives wrap high)
    if np.maximum.reduce(t.view(_UNSIGNED[t.dtype]) if t.dtype.kind == "i" else t) >= C:
        return None
    # (ufunc reductions called directly: the same sums as ndarray.max/sum, without the
    # Python-level wrappers)
    m = np.maximum.reduce(rows, axis=1, keepdims=True)
    z = rows - m
    e = np.exp(z)
    s = np.add.reduce(e, axis=1, keepdims=True)
    idx = np.arange(n)
    # loss_i = -logp_i,y_i = log s_i - z_i,y_i (negating a difference is exact)
    total = np.add.reduce(np.log(s).reshape(n) - z[idx, t])
    if reduction == "sum":
        out, denom = np.asarray(total, dtype=rows.dtype), 1.0
    else:
        denom = rows.dtype.type(n)
        out = np.asarray(total / denom, dtype=rows.dtype)
    if state.enabled and x.requires_grad:
        node = CrossEntropyBackward(x, None)
        node.save(x, None)
        e /= s
        node.simple, node.p, node.t, node.denom, node.idx = True, e, t, denom, idx
        node.reduction, node.eps, node.target, node.ignore_index = reduction, 0.0, t, ignore_index
        return _wrap(out, node)
    return _wrap(out)


def _soft_cross_entropy(x, target, weight, reduction, eps):
    _check_same_shape(x, target, "cross_entropy")
    dim = 1 if x.ndim > 1 else 0
    C = x.shape[dim]
    tgt = target * (1 - eps) + eps / C if eps else target
    logp = x.log_softmax(dim)
    if weight is not None:
        logp = logp * weight.reshape((1, C) + (1,) * (x.ndim - 2) if x.ndim > 1 else (C,))
    loss = -(logp * tgt).sum(dim)
    if reduction == "mean":
        return loss.sum() / (x.numel() // C)
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[i, y_i] (input holds log-probabilities), weighted like ``cross_entropy``."""
    _check_reduction(reduction, "nll_loss")
    x, t, C = _class_target(input, target, "nll_loss", ignore_index)
    if weight is not None and tuple(weight.shape) != (C,):
        raise ValueError(f"nll_loss: weight shape {tuple(weight.shape)} must be ({C},)")
    rows = x if x.ndim == 2 else (x.reshape(1, C) if x.ndim == 1 else x.movedim(1, -1).reshape(-1, C))
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    cw = weight if weight is not None else _wrap(np.ones(C, dtype=x.data.dtype))
    wi = cw[safe] * _wrap(valid.astype(x.data.dtype))
    loss = -rows[np.arange(rows.shape[0]), safe] * wi
    if reduction == "none":
        return loss.reshape(t.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wi.sum()


class BCEBackward(Node):
    """torch's derivative, (p - y) / max(p (1 - p), 1e-12), written in ember ops so that it
    is finite at p = 0 or 1 and can itself be differentiated."""

    def backward(self, g):
        p, y, w = self.unpack()
        ep, ey, _ = self.next_edges
        if self.reduction == "mean":
            g = g / self.n
        if w is not None:
            g = g * w
        gp = (p - y) / ops.maximum(p * (1 - p), 1e-12) * g if ep is not None else None
        gy = ((-p).log1p().clamp(min=-100) - p.log().clamp(min=-100)) * g if ey is not None else None
        return gp, gy, None


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)); the logs are clamped at -100 like torch, and the
    gradient (p - y) / max(p (1 - p), 1e-12) stays finite at p = 0 or 1."""
    p = _t(input, "input", "binary_cross_entropy")
    y = _as_target(target, p, "binary_cross_entropy")
    _check_same_shape(p, y, "binary_cross_entropy")
    _check_reduction(reduction, "binary_cross_entropy")
    if np.any((p.data < 0) | (p.data > 1)):
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]; "
                         "for logits use binary_cross_entropy_with_logits")
    pd, yd = p.data, y.data
    with np.errstate(divide="ignore"):
        loss = -(yd * np.maximum(np.log(pd), -100) + (1 - yd) * np.maximum(np.log1p(-pd), -100))
    if weight is not None:
        loss = loss * weight.data
    out = loss if reduction == "none" else np.asarray(loss.mean() if reduction == "mean" else loss.sum())
    if state.enabled and (p.requires_grad or y.requires_grad):
        node = BCEBackward(p, y, weight)
        node.save(p, y, weight)
        node.reduction, node.n = reduction, max(loss.size, 1)
        return _wrap(out.astype(pd.dtype, copy=False), node)
    return _wrap(out.astype(pd.dtype, copy=False))


def _log_sigmoid(x):
    # log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)), stable
    return ops.clamp(x, max=0.0) - (-(x.abs())).exp().log1p()


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """-(pos_weight * y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))), computed stably."""
    z = _t(input, "input", "binary_cross_entropy_with_logits")
    y = _as_target(target, z, "binary_cross_entropy_with_logits")
    _check_same_shape(z, y, "binary_cross_entropy_with_logits")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    log_p, log_1mp = _log_sigmoid(z), _log_sigmoid(-z)
    pos = y * log_p if pos_weight is None else y * log_p * pos_weight
    loss = -(pos + (1 - y) * log_1mp)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """KL(target || q) with ``input`` = log q: sum target * (log target - input).
    ``reduction="batchmean"`` divides the sum by the batch size (the true KL per sample)."""
    x = _t(input, "input", "kl_div")
    y = _as_target(target, x, "kl_div")
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: reduction={reduction!r} must be one of {_REDUCTIONS + ('batchmean',)}")
    if log_target:
        loss = y.exp() * (y - x)
    else:
        safe_log = ops.where(y > 0, y, 1.0).log()
        loss = ops.where(y > 0, y * (safe_log - x), 0.0)
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """The multi-class hinge loss: sum_{j != y} max(0, margin - z_y + z_j)^p / C."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p={p} must be 1 or 2")
    _check_reduction(reduction, "multi_margin_loss")
    x, t, C = _class_target(input, target, "multi_margin_loss", ignore_index=-(10 ** 18))
    rows = x if x.ndim == 2 else x.reshape(1, C)
    tt = t.reshape(-1)
    idx = np.arange(rows.shape[0])
    zy = rows[idx, tt].reshape(-1, 1)
    h = ops.relu(rows - zy + margin)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * weight[tt].reshape(-1, 1)
    others = np.ones(rows.shape, dtype=rows.dtype)
    others[idx, tt] = 0
    loss = (h * _wrap(others)).sum(1) / C
    if x.ndim == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Focal loss for dense binary targets (torchvision's formula):
    FL = alpha_t (1 - p_t)^gamma * BCE(z, y), p_t = p y + (1 - p)(1 - y),
    alpha_t = alpha y + (1 - alpha)(1 - y) (alpha < 0 disables it). Easy examples
    (p_t near 1) are down-weighted by (1 - p_t)^gamma."""
    z = _t(inputs, "inputs", "sigmoid_focal_loss")
    y = _as_target(targets, z, "sigmoid_focal_loss")
    _check_same_shape(z, y, "sigmoid_focal_loss")
    _check_reduction(reduction, "sigmoid_focal_loss")
    if gamma < 0:
        raise ValueError(f"sigmoid_focal_loss: gamma={gamma} must be non-negative")
    p = z.sigmoid()
    ce = binary_cross_entropy_with_logits(z, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = loss * (y * alpha + (1 - y) * (1 - alpha))
    return _reduce(loss, reduction)


def softmax_focal_loss(input, target, alpha=None, gamma=2.0, reduction="mean", ignore_index=-100):
    """Multi-class focal loss: -alpha_y (1 - p_y)^gamma log p_y (alpha a per-class weight tensor or None)."""
    _check_reduction(reduction, "softmax_focal_loss")
    x, t, C = _class_target(input, target, "softmax_focal_loss", ignore_index)
    rows = x if x.ndim == 2 else (x.reshape(1, C) if x.ndim == 1 else x.movedim(1, -1).reshape(-1, C))
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    logp = rows.log_softmax(1)[np.arange(rows.shape[0]), safe]
    loss = -((1 - logp.exp()) ** gamma) * logp * _wrap(valid.astype(x.data.dtype))
    if alpha is not None:
        loss = loss * alpha[safe]
    if reduction == "mean":
        return loss.sum() / max(int(valid.sum()), 1)
    return loss.reshape(t.shape) if reduction == "none" else loss.sum()
