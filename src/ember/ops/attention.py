"""Scaled dot-product attention (the Transformer's): softmax(Q K^T * scale + mask) V.

One fused kernel (:class:`Attention`) computes the scores, the softmax, the (optional)
dropout of the weights and their product with V on arrays, and its backward on arrays:
dV = P^T dO, dP = dO V^T, dS = P (dP - sum(dP P)), dQ = dS K scale, dK = dS^T Q scale.
Under ``create_graph`` the backward differentiates the composite written with ember ops,
so second derivatives come for free. :func:`attention_weights` is the composite path that
also returns the weights (``nn.MultiheadAttention(need_weights=True)``).
"""
import math

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state
from ..random import rng
from ._util import _wrap, composite_grads, require_tensor, shape_str
from .linalg import matmul
from .reduce import softmax

__all__ = ["scaled_dot_product_attention", "attention_weights", "mask_to_bias"]


def _composite(q, k, v, bias, scale, keep):
    s = matmul(q, k.mT) * scale
    if bias is not None:
        s = s + bias
    p = softmax(s, -1)
    if keep is not None:
        p = p * _wrap(keep)
    return matmul(p, v), p


class Attention(Function):
    """O = dropout(softmax(Q K^T scale + bias)) V on arrays; ``keep`` is the scaled keep mask
    of the weights' dropout (or None); ``bias`` an additive float mask (or None)."""

    @staticmethod
    def forward(ctx, q, k, v, bias, scale, keep):
        s = np.matmul(q.array, np.swapaxes(k.array, -1, -2))
        s *= scale
        if bias is not None:
            s = s + bias.array
        s -= s.max(-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(-1, keepdims=True)
        pd = s * keep if keep is not None else s
        ctx.save_for_backward(q, k, v, bias)
        ctx.p, ctx.pd, ctx.scale, ctx.keep = s, pd, scale, keep
        return np.matmul(pd, v.array)

    @staticmethod
    def backward(ctx, g):
        q, k, v, bias = ctx.saved_tensors
        if state.enabled:       # recorded: differentiate the composite exactly
            return composite_grads(lambda *a: _composite(*a, ctx.scale, ctx.keep)[0], (q, k, v, bias), g) \
                + (None, None)
        need_q, need_k, need_v, need_b = ctx.needs_input_grad[:4]
        gd, p = g.array, ctx.p
        gv = np.matmul(np.swapaxes(ctx.pd, -1, -2), gd) if need_v else None
        gq = gk = gb = None
        if need_q or need_k or need_b:
            dp = np.matmul(gd, np.swapaxes(v.array, -1, -2))
            if ctx.keep is not None:
                dp *= ctx.keep
            dp -= (dp * p).sum(-1, keepdims=True)
            dp *= p                                   # dS
            gb = dp if need_b else None
            if need_q:
                gq = np.matmul(dp, k.array)
                gq *= ctx.scale
            if need_k:
                gk = np.matmul(np.swapaxes(dp, -1, -2), q.array)
                gk *= ctx.scale
        return gq, gk, gv, gb, None, None


def mask_to_bias(mask, allowed, dtype, op, name):
    """An additive float mask from ``mask``: a bool mask becomes 0 / -inf (``allowed`` says
    whether True means "may attend", as in ``scaled_dot_product_attention``, or "masked
    out", as in ``nn.MultiheadAttention``); a float mask is returned as it is."""
    if mask is None:
        return None
    m = require_tensor(mask, op, name)
    if m.array.dtype == np.bool_:
        blocked = ~m.array if allowed else m.array
        return _wrap(np.where(blocked, -np.inf, 0.0).astype(dtype))
    if m.array.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a bool or float tensor, got dtype {m.array.dtype}")
    return m


def _prepare(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, op):
    """Checked (q, k, v, additive mask, scale, dropout keep mask): the arguments of
    :class:`Attention` and of :func:`_composite`."""
    q = require_tensor(query, op, "query")
    k = require_tensor(key, op, "key")
    v = require_tensor(value, op, "value")
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(f"{op}: query, key and value need at least 2 dims (..., L, E), got shapes "
                         f"{shape_str(q.shape)}, {shape_str(k.shape)}, {shape_str(v.shape)}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{op}: query (..., L, E), key (..., S, E) and value (..., S, Ev) do not fit: "
                         f"got shapes {shape_str(q.shape)}, {shape_str(k.shape)}, {shape_str(v.shape)}")
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        hq, hk = q.shape[-3], k.shape[-3]
        if hq % hk or v.shape[-3] != hk:
            raise ValueError(f"{op}: enable_gqa needs query heads ({hq}) divisible by key/value heads "
                             f"({hk}, {v.shape[-3]})")
        k, v = (t.unsqueeze(-3).expand(*t.shape[:-2], hq // hk, *t.shape[-2:]).reshape(
            *t.shape[:-3], hq, *t.shape[-2:]) for t in (k, v))
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    dtype = np.result_type(q.array.dtype, np.float32)
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: pass either attn_mask or is_causal=True, not both")
        bias = _wrap(np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf).astype(dtype))
    else:
        bias = mask_to_bias(attn_mask, True, dtype, op, "attn_mask")
    if bias is not None:
        try:
            np.broadcast_shapes(bias.shape, tuple(q.shape[:-1]) + (S,))
        except ValueError:
            raise ValueError(f"{op}: attn_mask of shape {shape_str(bias.shape)} does not broadcast to the "
                             f"attention weights' shape {shape_str(tuple(q.shape[:-1]) + (S,))} "
                             f"(query {shape_str(q.shape)}, key {shape_str(k.shape)})") from None
    shape = np.broadcast_shapes(tuple(q.shape[:-1]) + (S,), bias.shape if bias is not None else ())
    return q, k, v, bias, scale, _keep_mask(dropout_p, shape, q.array.dtype, op)


def _keep_mask(p, shape, dtype, op):
    if not 0 <= p < 1:
        raise ValueError(f"{op}: dropout_p={p!r} must be a probability in [0, 1)")
    if p == 0:
        return None
    dt = dtype if dtype in (np.float32, np.float64) else np.float64
    keep = (rng(None).random(shape, dtype=dt) >= p).astype(dt)
    keep *= 1.0 / (1.0 - p)
    return keep


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V with torch's signature: query (..., L, E), key
    (..., S, E), value (..., S, Ev); ``scale`` defaults to 1/sqrt(E). ``attn_mask`` is a
    bool mask (True: may attend) or a float mask added to the scores, broadcast to
    (..., L, S); ``is_causal`` masks the upper triangle (query i sees keys j <= i).
    ``dropout_p`` drops attention weights (always, as torch's functional does: pass 0 in
    evaluation). ``enable_gqa`` repeats key/value heads (dim -3) for grouped queries."""
    return Attention.apply(*_prepare(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa,
                                     "scaled_dot_product_attention"))


def attention_weights(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """(output, weights) of :func:`scaled_dot_product_attention`, the weights after dropout
    (as ``nn.MultiheadAttention`` returns them); recorded op by op."""
    return _composite(*_prepare(query, key, value, attn_mask, dropout_p, is_causal, scale, False,
                                "attention_weights"))
