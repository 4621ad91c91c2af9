"""Losses with torch's names and reductions (``"mean"`` | ``"sum"`` | ``"none"``): regression
(MSE, L1, smooth L1, Huber), classification (softmax cross-entropy, NLL, binary cross-entropy
with and without logits, multi-margin hinge, KL divergence) and the focal losses.

Softmax cross-entropy with class indices is one fused Function whose gradient is
``softmax(z) - onehot(y)`` (scaled by the reduction), and binary cross-entropy has torch's
clamped derivative; under ``create_graph`` the fused Function differentiates a composite
written with ember ops, so second derivatives stay exact. The rest are compositions.
"""
import numbers

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state
from ._util import require_tensor, Tensor, _wrap, composite_grads
from .activation import logsigmoid
from .math import clamp, maximum, relu, where

_REDUCTIONS = ("mean", "sum", "none")



def _check_reduction(reduction, op):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction={reduction!r} must be one of {_REDUCTIONS}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


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
    x = require_tensor(input, "mse_loss", "input")
    y = _as_target(target, x, "mse_loss")
    _check_same_shape(x, y, "mse_loss")
    _check_reduction(reduction, "mse_loss")
    d = x - y
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    x = require_tensor(input, "l1_loss", "input")
    y = _as_target(target, x, "l1_loss")
    _check_same_shape(x, y, "l1_loss")
    _check_reduction(reduction, "l1_loss")
    return _reduce((x - y).abs(), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (robust to outliers)."""
    x = require_tensor(input, "smooth_l1_loss", "input")
    y = _as_target(target, x, "smooth_l1_loss")
    _check_same_shape(x, y, "smooth_l1_loss")
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta={beta} must be non-negative")
    d = (x - y).abs()
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta)."""
    x = require_tensor(input, "huber_loss", "input")
    y = _as_target(target, x, "huber_loss")
    _check_same_shape(x, y, "huber_loss")
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta={delta} must be positive")
    d = (x - y).abs()
    return _reduce(where(d <= delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction)


def _float_input(input, op):
    """``input`` as a Tensor of a floating dtype (torch refuses integer logits rather than
    returning an integer loss)."""
    x = require_tensor(input, op, "input")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating tensor (logits or log-probabilities), "
                        f"got dtype {x.dtype}; convert it with .float()")
    return x


def _class_target(input, target, op, ignore_index):
    """Flatten (N, C, d1, ...) logits to (M, C) and the class targets to (M,), checking range."""
    x = _float_input(input, op)
    if x.ndim < 1:
        raise ValueError(f"{op}: input must have a class dimension, got shape {tuple(x.shape)}")
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {t.dtype} "
                        f"(for class probabilities pass a float tensor shaped like input)")
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    if C == 0:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} has no classes (dim {int(x.ndim > 1)} has size 0)")
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
        return x.array.reshape(1, -1)
    if x.ndim == 2:
        return x.array
    return np.moveaxis(x.array, 1, -1).reshape(-1, x.shape[1])


def _from_rows(rows, shape):
    if len(shape) == 1:
        return rows.reshape(shape)
    if len(shape) == 2:
        return rows
    moved = rows.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],))
    return np.moveaxis(moved, -1, 1)


class CrossEntropy(Function):
    """Softmax cross-entropy with class indices, fused. Gradient (unrecorded):
    d loss_i / d z_ic = (1 - eps) w_i (p_ic - [c = y_i]) + eps / C (W p_ic - weight_c), scaled
    by the reduction; with no weights and eps = 0 it is p - onehot(y) (``simple``: the same
    arithmetic with fewer array passes). Recorded (create_graph): the composite's gradient."""

    @staticmethod
    def forward(ctx, x, weight, t, ignore_index, reduction, eps, simple):
        ctx.save_for_backward(x, weight)
        ctx.target, ctx.ignore_index, ctx.reduction, ctx.eps, ctx.simple = t, ignore_index, reduction, eps, simple
        return _simple_forward(ctx, x.array, t, reduction) if simple else _general_forward(ctx, x, weight, t)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        none5 = (None,) * 5
        if state.enabled:
            return composite_grads(lambda x_, w_: _cross_entropy_composite(
                x_, ctx.target, w_, ctx.ignore_index, ctx.reduction, ctx.eps), (x, w), g)[:1] + (None,) + none5
        if ctx.simple:      # w_i = 1, eps = 0: p - onehot(y)
            grad = ctx.p.copy()
            grad[ctx.idx, ctx.t] -= 1
            grad *= g.array.reshape(()) / ctx.denom
            return (grad, None) + none5
        p, rows_w, t, C, eps = ctx.p, ctx.rows_w, ctx.t, ctx.C, ctx.eps
        coef = rows_w * (1 - eps)
        grad = p * coef[:, None]
        grad[np.arange(p.shape[0]), np.where(ctx.valid, t, 0)] -= coef
        if eps:
            cw = ctx.class_w
            grad += (eps / C) * (p * cw.sum() - cw[None, :]) * ctx.valid[:, None]
        gd = g.array
        if ctx.reduction == "none":
            grad *= gd.reshape(-1)[:, None]
        else:
            grad *= gd.reshape(()) / ctx.denom
        return (_from_rows(grad, ctx.in_shape), None) + none5


def _general_forward(ctx, x, weight, t):
    ignore_index, reduction, label_smoothing = ctx.ignore_index, ctx.reduction, ctx.eps
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    rows = _to_rows(x)
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    m = rows.max(1, keepdims=True)
    e = np.exp(rows - m)
    s = e.sum(1, keepdims=True)
    logp = rows - m - np.log(s)
    class_w = weight.array.astype(rows.dtype) if weight is not None else np.ones(C, dtype=rows.dtype)
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
    if ctx.needs_input_grad[0]:
        e /= s
        ctx.p, ctx.rows_w, ctx.t, ctx.C, ctx.valid = e, rows_w, safe, C, valid
        ctx.class_w, ctx.denom, ctx.in_shape = class_w, denom, x.shape
    return out.astype(rows.dtype, copy=False)


def _simple_forward(ctx, rows, t, reduction):
    n = rows.shape[0]
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
    if ctx.needs_input_grad[0]:
        e /= s
        ctx.p, ctx.t, ctx.denom, ctx.idx = e, t, denom, idx
    return out


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
    cw = weight if weight is not None else _wrap(np.ones(C, dtype=x.array.dtype))
    wi = cw[safe] * _wrap(valid.astype(x.array.dtype))
    nll = -rows[np.arange(rows.shape[0]), safe] * wi
    loss = nll * (1 - eps)
    if eps:
        loss = loss - (rows * cw).sum(1) * _wrap(valid.astype(x.array.dtype)) * (eps / C)
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
    x = _float_input(input, "cross_entropy")
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        return _soft_cross_entropy(x, target, weight, reduction, label_smoothing)
    if weight is None and not label_smoothing and reduction != "none" and _is_simple(x, target, ignore_index):
        return CrossEntropy.apply(x, None, target.array, ignore_index, reduction, 0.0, True)
    x, t, C = _class_target(x, target, "cross_entropy", ignore_index)
    if weight is not None and tuple(weight.shape) != (C,):
        raise ValueError(f"cross_entropy: weight shape {tuple(weight.shape)} must be ({C},)")
    return CrossEntropy.apply(x, weight, t, ignore_index, reduction, label_smoothing, False)


_UNSIGNED = {np.dtype(f"i{k}"): np.dtype(f"u{k}") for k in (1, 2, 4, 8)}


def _is_simple(x, target, ignore_index):
    """``cross_entropy``'s most common case, computed with fewer array passes: (N, C) float
    logits, (N,) integer targets all in [0, C) (none equal to ``ignore_index``). (Otherwise
    the general path checks and reports bad input.)"""
    rows = x.array
    t = target.array if isinstance(target, Tensor) else None
    if (t is None or rows.ndim != 2 or rows.dtype.kind != "f" or rows.dtype.itemsize < 4
            or t.dtype.kind not in "iu" or t.shape != rows.shape[:1] or not t.size):
        return False
    if 0 <= ignore_index < rows.shape[1]:
        return False
    # all targets in [0, C): one max over the targets read as unsigned (negatives wrap high)
    return np.maximum.reduce(t.view(_UNSIGNED[t.dtype]) if t.dtype.kind == "i" else t) < rows.shape[1]


def _soft_cross_entropy(x, target, weight, reduction, eps):
    _check_same_shape(x, target, "cross_entropy")
    if x.ndim < 1 or x.shape[1 if x.ndim > 1 else 0] == 0:
        raise ValueError(f"cross_entropy: input of shape {tuple(x.shape)} has no class dimension "
                         f"with at least one class")
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
    cw = weight if weight is not None else _wrap(np.ones(C, dtype=x.array.dtype))
    wi = cw[safe] * _wrap(valid.astype(x.array.dtype))
    loss = -rows[np.arange(rows.shape[0]), safe] * wi
    if reduction == "none":
        return loss.reshape(t.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wi.sum()


class BinaryCrossEntropy(Function):
    """-(y log p + (1 - y) log(1 - p)), the logs clamped at -100 like torch; torch's
    derivative (p - y) / max(p (1 - p), 1e-12), written with ember ops so that it is finite
    at p = 0 or 1 and can itself be differentiated."""

    @staticmethod
    def forward(ctx, p, y, weight, reduction):
        pd, yd = p.array, y.array
        with np.errstate(divide="ignore"):
            loss = -(yd * np.maximum(np.log(pd), -100) + (1 - yd) * np.maximum(np.log1p(-pd), -100))
        if weight is not None:
            loss = loss * weight.array
        ctx.save_for_backward(p, y, weight)
        ctx.reduction, ctx.n = reduction, max(loss.size, 1)
        out = loss if reduction == "none" else np.asarray(loss.mean() if reduction == "mean" else loss.sum())
        return out.astype(pd.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        p, y, w = ctx.saved_tensors
        need_p, need_y = ctx.needs_input_grad[:2]
        if ctx.reduction == "mean":
            g = g / ctx.n
        if w is not None:
            g = g * w
        gp = (p - y) / maximum(p * (1 - p), 1e-12) * g if need_p else None
        gy = ((-p).log1p().clamp(min=-100) - p.log().clamp(min=-100)) * g if need_y else None
        return gp, gy, None, None


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)); the logs are clamped at -100 like torch, and the
    gradient (p - y) / max(p (1 - p), 1e-12) stays finite at p = 0 or 1."""
    p = require_tensor(input, "binary_cross_entropy", "input")
    y = _as_target(target, p, "binary_cross_entropy")
    _check_same_shape(p, y, "binary_cross_entropy")
    _check_reduction(reduction, "binary_cross_entropy")
    if np.any((p.array < 0) | (p.array > 1)):
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]; "
                         "for logits use binary_cross_entropy_with_logits")
    return BinaryCrossEntropy.apply(p, y, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """-(pos_weight * y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))), computed stably."""
    z = require_tensor(input, "binary_cross_entropy_with_logits", "input")
    y = _as_target(target, z, "binary_cross_entropy_with_logits")
    _check_same_shape(z, y, "binary_cross_entropy_with_logits")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    log_p, log_1mp = logsigmoid(z), logsigmoid(-z)
    pos = y * log_p if pos_weight is None else y * log_p * pos_weight
    loss = -(pos + (1 - y) * log_1mp)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """KL(target || q) with ``input`` = log q: sum target * (log target - input).
    ``reduction="batchmean"`` divides the sum by the batch size (the true KL per sample)."""
    x = require_tensor(input, "kl_div", "input")
    y = _as_target(target, x, "kl_div")
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: reduction={reduction!r} must be one of {_REDUCTIONS + ('batchmean',)}")
    if log_target:
        loss = y.exp() * (y - x)
    else:
        safe_log = where(y > 0, y, 1.0).log()
        loss = where(y > 0, y * (safe_log - x), 0.0)
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
    h = relu(rows - zy + margin)
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
    alpha_t = alpha y + (1 - alpha)(1 - y) (alpha None or < 0 disables it). Easy examples
    (p_t near 1) are down-weighted by (1 - p_t)^gamma."""
    z = require_tensor(inputs, "sigmoid_focal_loss", "inputs")
    y = _as_target(targets, z, "sigmoid_focal_loss")
    _check_same_shape(z, y, "sigmoid_focal_loss")
    _check_reduction(reduction, "sigmoid_focal_loss")
    if gamma < 0:
        raise ValueError(f"sigmoid_focal_loss: gamma={gamma} must be non-negative")
    p = z.sigmoid()
    ce = binary_cross_entropy_with_logits(z, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None and not isinstance(alpha, numbers.Real):
        raise TypeError(f"sigmoid_focal_loss: alpha={alpha!r} must be a number or None")
    if alpha is not None and alpha >= 0:
        loss = loss * (y * alpha + (1 - y) * (1 - alpha))
    return _reduce(loss, reduction)


def softmax_focal_loss(input, target, alpha=None, gamma=2.0, reduction="mean", ignore_index=-100):
    """Multi-class focal loss: -alpha_y (1 - p_y)^gamma log p_y (alpha a per-class weight
    tensor, a number weighting every class alike, or None)."""
    _check_reduction(reduction, "softmax_focal_loss")
    x, t, C = _class_target(input, target, "softmax_focal_loss", ignore_index)
    rows = x if x.ndim == 2 else (x.reshape(1, C) if x.ndim == 1 else x.movedim(1, -1).reshape(-1, C))
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    logp = rows.log_softmax(1)[np.arange(rows.shape[0]), safe]
    loss = -((1 - logp.exp()) ** gamma) * logp * _wrap(valid.astype(x.array.dtype))
    if isinstance(alpha, numbers.Real):
        loss = loss * float(alpha)
    elif alpha is not None:
        alpha = require_tensor(alpha, "softmax_focal_loss", "alpha")
        if tuple(alpha.shape) != (C,):
            raise ValueError(f"softmax_focal_loss: alpha of shape {tuple(alpha.shape)} must be a number or "
                             f"have one weight per class, shape ({C},)")
        loss = loss * alpha[safe]
    if reduction == "mean":
        return loss.sum() / max(int(valid.sum()), 1)
    return loss.reshape(t.shape) if reduction == "none" else loss.sum()
