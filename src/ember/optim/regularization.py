r"""Weight penalties: L1 (sparsity) and L2 (shrinkage), as a loss term or as a proximal step.

Two ways to add :math:`\lambda\lVert w\rVert_1` to a loss :math:`f(w)`:

* **Subgradient** — add :func:`l1_penalty` to the loss and let the optimizer follow its
  gradient :math:`\lambda\,\mathrm{sign}(w)`. Simple and works with any optimizer, but a
  weight near zero jumps back and forth across it by :math:`\gamma\lambda` each step:
  weights become *small*, almost never exactly zero.
* **Proximal** (ISTA) — take the optimizer step on :math:`f` alone, then apply the
  proximal operator of :math:`\gamma\lambda\lVert\cdot\rVert_1`, the soft threshold
  :math:`w \leftarrow \mathrm{sign}(w)\max(|w| - \gamma\lambda, 0)` (:func:`l1_prox_`).
  Every weight whose magnitude falls below :math:`\gamma\lambda` is set to exactly 0, so
  the iterates are sparse; with plain SGD at step :math:`\gamma \le 1/L` this is ISTA and
  converges to the lasso solution.

L2: :func:`l2_penalty` is :math:`\frac{\lambda}{2}\lVert w\rVert_2^2`, whose gradient
:math:`\lambda w` is exactly what ``weight_decay=λ`` adds in SGD/Adam (and decays every
weight towards 0 by a factor, never to exactly 0).

    >>> import ember
    >>> from ember.optim.regularization import l1_penalty, l1_prox_
    >>> w = ember.tensor([0.05, -2.0, 0.5], requires_grad=True)
    >>> l1_penalty([w], 0.1)
    tensor(0.2550, grad_fn=<MulBackward>)
    >>> l1_prox_([w], 0.1)        # soft threshold at 0.1: returns the number of zeros
    1
    >>> w
    tensor([ 0.0000, -1.9000,  0.4000], requires_grad=True)
"""
import math
import numbers

import numpy as np

from .. import ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor, _wrap


def _params(params, name):
    if isinstance(params, Tensor):
        return [params]
    out = list(params)
    for i, p in enumerate(out):
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: params[{i}] must be a Tensor, got {type(p).__name__}")
    return out


def _weight(name, arg, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) \
            or value < 0:
        raise ValueError(f"{name}: {arg}={value!r} must be a number >= 0")
    return float(value)


def l1_penalty(params, weight):
    r"""``weight * sum_i |w_i|`` over all ``params``, a differentiable scalar to add to the
    loss (its gradient is ``weight * sign(w)``, a subgradient at 0).

        >>> import ember
        >>> from ember.optim.regularization import l1_penalty
        >>> w = ember.tensor([1.0, -3.0], requires_grad=True)
        >>> l1_penalty(w, 0.5)
        tensor(2., grad_fn=<MulBackward>)
    """
    weight = _weight("l1_penalty", "weight", weight)
    params = _params(params, "l1_penalty")
    if not params:
        return ops.mul(_wrap(np.zeros(())), weight)
    total = None
    for p in params:
        term = ops.sum(ops.abs(p))
        total = term if total is None else total + term
    return total * weight


def l2_penalty(params, weight):
    r"""``weight / 2 * sum_i w_i^2`` over all ``params``: its gradient ``weight * w`` is what
    an optimizer's ``weight_decay=weight`` adds, so the two are interchangeable for SGD.

        >>> import ember
        >>> from ember.optim.regularization import l2_penalty
        >>> w = ember.tensor([1.0, -3.0], requires_grad=True)
        >>> l2_penalty(w, 0.5)
        tensor(2.5000, grad_fn=<MulBackward>)
    """
    weight = _weight("l2_penalty", "weight", weight)
    params = _params(params, "l2_penalty")
    if not params:
        return ops.mul(_wrap(np.zeros(())), weight)
    total = None
    for p in params:
        term = ops.sum(p * p)
        total = term if total is None else total + term
    return total * (weight / 2)


def l1_prox_(params, lr_times_weight):
    r"""Soft-threshold ``params`` in place: :math:`w \leftarrow \mathrm{sign}(w)\max(|w| -
    t, 0)` with :math:`t` = ``lr_times_weight``, the proximal step of :math:`t\lVert
    w\rVert_1`. Call it right after ``optimizer.step()`` (with ``t = lr * weight``) to
    train with an L1 penalty whose small weights become exactly zero.

    Returns the number of weights that are exactly zero afterwards.

        >>> import ember, ember.optim
        >>> from ember.optim.regularization import l1_prox_
        >>> w = ember.tensor([0.3, -0.05, -1.0], requires_grad=True)
        >>> l1_prox_([w], 0.1)
        1
        >>> w
        tensor([ 0.2000,  0.0000, -0.9000], requires_grad=True)
    """
    t = _weight("l1_prox_", "lr_times_weight", lr_times_weight)
    zeros = 0
    with no_grad():
        for p in _params(params, "l1_prox_"):
            if p.grad_fn is not None:
                raise ValueError("l1_prox_: params must be leaf tensors (parameters)")
            d = p.array
            mag = np.abs(d)
            mag -= t
            np.maximum(mag, 0, out=mag)
            np.copysign(mag, d, out=d)
            d[mag == 0] = 0.0            # no -0.0 left behind
            zeros += int(np.count_nonzero(mag == 0))
            vc = getattr(p, "_vc", None)
            if vc is not None:
                vc[0] += 1
    return zeros
