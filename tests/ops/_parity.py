"""Torch-parity harness: forward values, first derivatives (random grad_output) and
second derivatives (the gradient of <grad, v> with respect to the inputs), in float64."""
import numpy as np
import torch

import ember

torch.set_default_dtype(torch.float64)


def _np(t):
    if t is None:
        return None
    if isinstance(t, ember.Tensor):
        return t.detach().numpy(force=True)
    return t.detach().numpy(force=True)


def _close(a, b, what, atol, rtol):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


def _outs(o):
    if isinstance(o, (tuple, list)):
        return list(o)
    return [o]


def check(fn, arrays, *, grad_mask=None, second=True, atol=1e-9, rtol=1e-7, seed=0):
    """``fn(m, *tensors)`` is run with m=ember and m=torch on the same float64 arrays."""
    rng = np.random.default_rng(seed)
    grad_mask = grad_mask or [np.asarray(a).dtype.kind == "f" for a in arrays]
    ex = [ember.tensor(a, requires_grad=bool(r)) for a, r in zip(arrays, grad_mask)]
    tx = [torch.tensor(a, requires_grad=bool(r)) for a, r in zip(arrays, grad_mask)]
    eo, to = _outs(fn(ember, *ex)), _outs(fn(torch, *tx))
    assert len(eo) == len(to)
    for i, (e, t) in enumerate(zip(eo, to)):
        _close(_np(e), _np(t), f"forward output {i}", atol, rtol)
    diff_e = [e for e, t in zip(eo, to) if t.requires_grad]
    diff_t = [t for t in to if t.requires_grad]
    if not diff_t:
        return
    gos = [rng.standard_normal(t.shape) for t in diff_t]
    ein = [x for x, r in zip(ex, grad_mask) if r]
    tin = [x for x, r in zip(tx, grad_mask) if r]
    eg = ember.autograd.grad(diff_e, ein, [ember.tensor(g) for g in gos], create_graph=True,
                             allow_unused=True)
    tg = torch.autograd.grad(diff_t, tin, [torch.tensor(g) for g in gos], create_graph=True,
                             allow_unused=True)
    for i, (e, t) in enumerate(zip(eg, tg)):
        if t is None:
            assert e is None or np.allclose(_np(e), 0), f"grad {i}: torch None, ember nonzero"
            continue
        assert e is not None, f"grad {i}: ember gave None, torch {t}"
        _close(_np(e), _np(t), f"gradient of input {i}", atol, rtol)
    if not second:
        return
    vs = [rng.standard_normal(x.shape) for x in tin]
    e_terms = [(g * ember.tensor(v)).sum() for g, v in zip(eg, vs) if g is not None and g.requires_grad]
    t_terms = [(g * torch.tensor(v)).sum() for g, v in zip(tg, vs) if g is not None and g.requires_grad]
    if not t_terms:   # torch's gradient is constant: ember's second derivative must vanish
        if e_terms:
            e2 = ember.autograd.grad(sum(e_terms[1:], e_terms[0]), ein, allow_unused=True)
            for i, e in enumerate(e2):
                assert e is None or np.allclose(_np(e), 0), f"second derivative {i}: torch has none, ember nonzero"
        return
    t2 = torch.autograd.grad(sum(t_terms[1:], t_terms[0]), tin, allow_unused=True)
    if not e_terms:   # ember's gradient is constant: torch's second derivative must vanish
        for i, t in enumerate(t2):
            assert t is None or np.allclose(_np(t), 0), f"second derivative {i}: ember has none, torch nonzero"
        return
    e2 = ember.autograd.grad(sum(e_terms[1:], e_terms[0]), ein, allow_unused=True)
    for i, (e, t) in enumerate(zip(e2, t2)):
        if t is None or e is None:
            a = np.zeros(1) if t is None else _np(t)
            b = np.zeros(1) if e is None else _np(e)
            assert np.allclose(a, 0) and np.allclose(b, 0), f"second derivative {i}: one is None, the other not zero"
            continue
        _close(_np(e), _np(t), f"second derivative of input {i}", atol, rtol)


def normal(seed, shape):
    """Standard-normal float64 values of ``shape``, reproducible from ``seed``."""
    return np.random.default_rng(seed).standard_normal(shape)


def with_square(f):
    """``fn(m, t) -> (y, y * y)``: the square makes the gradient depend on the values of y,
    so the second-derivative check goes through the op's backward's own backward."""
    def g(m, t):
        y = f(m, t)
        return y, y * y
    return g
