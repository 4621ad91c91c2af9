"""Gradient checking: the central difference of the notes, ``(f(w + h) - f(w - h)) / 2h``,
compared with backpropagation.

``numerical_grad`` is the notes' ``numerical_gradient``; ``gradcheck`` compares full
Jacobians (numerical vs analytical) with torch's default tolerances; ``gradgradcheck``
does the same for the gradient itself (second derivatives through ``create_graph``).
"""
import warnings

import numpy as np

from .engine import grad as _grad
from .grad_mode import no_grad
from .tensor import Tensor, _wrap


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when numerical and analytical gradients disagree."""


def numerical_grad(f, x, eps=1e-4):
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    ``x`` (a Tensor or NumPy array) is perturbed in place, one element at a time, and
    restored; ``f(x)`` must return a scalar. Costs 2 evaluations of ``f`` per element.

        >>> import ember
        >>> x = ember.tensor([1.0, 2.0], dtype=ember.float64)
        >>> ember.autograd.numerical_grad(lambda t: (t * t).sum(), x)
        tensor([2.0000, 4.0000], dtype=ember.float64)
    """
    arr = x.array if isinstance(x, Tensor) else x
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise TypeError(f"numerical_grad: x must be a floating Tensor or array, got {type(x).__name__}")
    out = np.zeros_like(arr)
    flat, gflat = arr.reshape(-1), out.reshape(-1)
    if not np.shares_memory(flat, arr):
        raise ValueError("numerical_grad: x must be contiguous so it can be perturbed in place")
    with no_grad():
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = _scalar(f(x))
            flat[i] = old - eps
            fm = _scalar(f(x))
            flat[i] = old
            gflat[i] = (fp - fm) / (2 * eps)
    return _wrap(out) if isinstance(x, Tensor) else out


def _scalar(v):
    if isinstance(v, Tensor):
        if v.array.size != 1:
            raise ValueError(f"numerical_grad: f must return a scalar, got shape {tuple(v.shape)}")
        return float(v.array.reshape(-1)[0])
    return float(v)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _jacobians(func, inputs, eps):
    """Numerical Jacobians d out_j / d in_i as arrays (n_in_elems, n_out_elems)."""
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    # func may itself differentiate (gradgradcheck), so it runs with grad mode on
    outs = _outputs(func, inputs)
    sizes = [o.array.size for o in outs]
    jac = {}
    for i in diff:
        x = inputs[i].array
        flat = x.reshape(-1)
        J = np.zeros((flat.size, int(np.sum(sizes))), dtype=np.float64)
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            fp = np.concatenate([o.array.reshape(-1).astype(np.float64) for o in _outputs(func, inputs)])
            flat[k] = old - eps
            fm = np.concatenate([o.array.reshape(-1).astype(np.float64) for o in _outputs(func, inputs)])
            flat[k] = old
            J[k] = (fp - fm) / (2 * eps)
        jac[i] = J
    return diff, outs, jac


def _analytical(func, inputs, diff, outs_ref):
    outs = _outputs(func, inputs)
    total = int(np.sum([o.array.size for o in outs]))
    J = {i: np.zeros((inputs[i].array.size, total), dtype=np.float64) for i in diff}
    col = 0
    for oi, o in enumerate(outs):
        for k in range(o.array.size):
            if not o.requires_grad:
                col += 1
                continue
            go = np.zeros(o.array.shape, dtype=o.array.dtype)
            go.reshape(-1)[k] = 1
            gs = _grad([o], [inputs[i] for i in diff], grad_outputs=[_wrap(go)],
                       retain_graph=True, allow_unused=True)
            for i, g in zip(diff, gs):
                if g is not None:
                    J[i][:, col] = g.array.reshape(-1)
            col += 1
    return J


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """Check analytical gradients of ``func(*inputs)`` against central differences.

    Compares every entry of the Jacobian: |analytical - numerical| <= atol + rtol * |numerical|
    (torch's defaults). Inputs that require grad should be float64.
    Returns True, or raises ``GradcheckError`` (returns False if ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != np.float64:
            warnings.warn(f"gradcheck: input {i} is {t.dtype}, not float64; the check may fail "
                          f"from rounding alone", UserWarning, stacklevel=2)
    diff, outs, numerical = _jacobians(func, inputs, eps)
    if not diff:
        raise ValueError("gradcheck: no input requires grad")
    analytical = _analytical(func, inputs, diff, outs)
    for i in diff:
        a, n = analytical[i], numerical[i]
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            k, j = np.argwhere(bad)[0]
            msg = (f"Jacobian mismatch for output element {j} with respect to input {i}, element {k}: "
                   f"numerical {n[k, j]:.8g} vs analytical {a[k, j]:.8g} "
                   f"({int(bad.sum())} of {bad.size} entries differ)")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, gen_non_contig_grad_outputs=False, **_):
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> d(func)/d(inputs)
    computed with ``create_graph=True``. Random grad_outputs are drawn if none are given."""
    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rs = np.random.default_rng(0)
        grad_outputs = [Tensor(rs.standard_normal(o.shape).astype(o.dtype), requires_grad=True)
                        for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        o = [x for x in _as_tuple(func(*ins)) if isinstance(x, Tensor)]
        gs = _grad(o, [ins[i] for i in diff], grad_outputs=list(gos), create_graph=True,
                   allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
