r"""Gradient clipping, with ``torch.nn.utils``'s semantics: by global norm and by value.

Clipping by norm rescales *all* gradients together, keeping their direction:

.. math::
    n = \Bigl\lVert \bigl(\lVert g_1\rVert_p, \dots, \lVert g_k\rVert_p\bigr) \Bigr\rVert_p,
    \qquad g_i \leftarrow g_i \cdot \min\Bigl(1, \frac{\text{max\_norm}}{n + 10^{-6}}\Bigr)

(:math:`n` is the p-norm of all gradients concatenated; :math:`p=\infty` gives the
largest absolute entry). Clipping by value clamps each entry to
:math:`[-c, c]`, which changes the direction. Both act in place on ``p.grad`` and are
the usual guard against exploding gradients (e.g. in RNNs): call them between
``loss.backward()`` and ``optimizer.step()``.

    >>> import ember
    >>> from ember.nn.utils import clip_grad_norm_
    >>> w = ember.zeros(2, requires_grad=True)
    >>> w.grad = ember.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)     # returns the norm before clipping
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
"""
import math
import numbers

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor, _wrap


def _grads(parameters, owner):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = []
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: parameters[{i}] must be a Tensor, got {type(p).__name__}")
        if p.grad is not None:
            grads.append(p.grad)
    return grads


def _norm_type(norm_type, owner):
    if isinstance(norm_type, str):
        if norm_type.lower() not in ("inf", "-inf"):
            raise ValueError(f"{owner}: norm_type={norm_type!r} must be a number >= 0, 'inf' or "
                             f"'-inf'")
        return float(norm_type)
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real) \
            or math.isnan(norm_type) or (norm_type < 0 and norm_type != -math.inf):
        raise ValueError(f"{owner}: norm_type={norm_type!r} must be a number >= 0, inf or -inf")
    return float(norm_type)


def _vector_norm(a, p):
    """``torch.linalg.vector_norm(a, p)`` on a flat array, in its dtype."""
    a = a.reshape(-1)
    if a.size == 0:
        return a.dtype.type(0) if p != -math.inf else a.dtype.type(math.inf)
    if p == math.inf:
        return np.max(np.abs(a))
    if p == -math.inf:
        return np.min(np.abs(a))
    if p == 0:
        return a.dtype.type(np.count_nonzero(a))
    if p == 1:
        return np.sum(np.abs(a))
    if p == 2:
        return np.sqrt(np.dot(a, a)) if a.dtype.kind == "f" else np.sqrt(np.sum(a * a))
    return np.sum(np.abs(a) ** p) ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False):
    r"""The ``norm_type``-norm of all ``tensors`` together, as a 0-d tensor (torch's
    ``torch.nn.utils.get_total_norm``): the norm of the vector of per-tensor norms.

        >>> import ember
        >>> from ember.nn.utils import get_total_norm
        >>> get_total_norm([ember.tensor([3.0]), ember.tensor([4.0])])
        tensor(5.)
    """
    p = _norm_type(norm_type, "get_total_norm")
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.array if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
    if not arrays:
        return _wrap(np.zeros((), dtype=np.float32))
    dtype = np.result_type(*[a.dtype for a in arrays])
    if dtype.kind != "f":
        dtype = np.dtype(np.float32)
    norms = np.array([backend.to_numpy(np.asarray(_vector_norm(a.astype(dtype, copy=False), p)))
                      for a in arrays], dtype=dtype)
    total = np.asarray(_vector_norm(norms, p), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite ({float(total)}), so it cannot be clipped. To disable this error and "
            f"scale the gradients by the non-finite norm anyway, set "
            f"`error_if_nonfinite=False`")
    return _wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm):
    r"""Scale the gradients of ``parameters`` in place by
    ``min(1, max_norm / (total_norm + 1e-6))`` (torch's ``clip_grads_with_norm_``)."""
    max_norm = _max(max_norm, "clip_grads_with_norm_", "max_norm")
    _scale(_grads(parameters, "clip_grads_with_norm_"), max_norm, total_norm)


def _scale(grads, max_norm, total_norm):
    if not grads:
        return
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    dtype = grads[0].array.dtype
    coef = dtype.type(max_norm) / (dtype.type(total) + dtype.type(1e-6))
    coef = min(coef, dtype.type(1.0)) if not math.isnan(coef) else coef
    for g in grads:
        np.multiply(g.array, coef, out=g.array, casting="unsafe")


def _max(value, owner, name):
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) \
            or value < 0:
        raise ValueError(f"{owner}: {name}={value!r} must be a number >= 0")
    return float(value)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Rescale the gradients of ``parameters`` in place so that their total
    ``norm_type``-norm is at most ``max_norm``; returns the total norm *before* clipping
    (a 0-d tensor). Parameters whose ``.grad`` is ``None`` are skipped.

    Args:
        parameters: a tensor or an iterable of tensors.
        max_norm (float): the largest allowed norm (>= 0).
        norm_type (float or 'inf'): the p of the p-norm (default 2).
        error_if_nonfinite (bool): raise if the total norm is NaN or infinite (else the
            gradients are scaled by the non-finite norm, as torch does).
        foreach: accepted for torch compatibility and ignored.

        >>> import ember
        >>> from ember.nn.utils import clip_grad_norm_
        >>> w = ember.zeros(2, requires_grad=True)
        >>> w.grad = ember.tensor([0.3, 0.4])
        >>> clip_grad_norm_(w, 1.0); w.grad        # below max_norm: unchanged
        tensor(0.5000)
        tensor([0.3000, 0.4000])
    """
    max_norm = _max(max_norm, "clip_grad_norm_", "max_norm")
    grads = _grads(parameters, "clip_grad_norm_")
    if not grads:
        return _wrap(np.zeros((), dtype=np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    _scale(grads, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clamp every gradient entry of ``parameters`` to ``[-clip_value, clip_value]`` in
    place (torch's ``clip_grad_value_``; NaN entries stay NaN).

        >>> import ember
        >>> from ember.nn.utils import clip_grad_value_
        >>> w = ember.zeros(3, requires_grad=True)
        >>> w.grad = ember.tensor([-5.0, 0.5, 2.0])
        >>> clip_grad_value_([w], 1.0); w.grad
        tensor([-1.0000,  0.5000,  1.0000])
    """
    c = _max(clip_value, "clip_grad_value_", "clip_value")
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g.array, -c, c, out=g.array)
