"""ember.autograd.functional against torch.autograd.functional, in float64, on shapes drawn
by hypothesis: values, structure (tensor vs tuples), create_graph, strict, bad input."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch.autograd import functional as TF

import ember
from ember.autograd import functional as EF

torch.set_default_dtype(torch.float64)


# functions of two tensors x (n, m) and y (m,), written once for both libraries
def f_vec(M, x, y):                 # vector output (n,)
    return M.tanh(x @ y) * (x * x).sum(1)


def f_two(M, x, y):                 # two outputs
    return (x @ y).exp(), y.sin() * x.sum()


def s_poly(M, x, y):                # scalar: a polynomial with mixed terms
    return ((x @ y) ** 3).sum() + (x * x).sum() * (y * y).sum()


def s_soft(M, x, y):                # scalar: log-sum-exp of a product and a sigmoid
    return M.logsumexp(x @ y, 0) + M.sigmoid(y).sum()


def _inputs(n, m, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, m)) * 0.7, rng.standard_normal(m) * 0.7
    va, vb = rng.standard_normal((n, m)), rng.standard_normal(m)
    return (a, b), (va, vb), rng.standard_normal(n)


def _e(arrays):
    return tuple(ember.tensor(a) for a in arrays)


def _t(arrays):
    return tuple(torch.tensor(a) for a in arrays)


def _close(e, t):
    if isinstance(t, (tuple, list)):
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            _close(a, b)
        return
    assert isinstance(e, ember.Tensor), type(e)
    np.testing.assert_allclose(e.array, t.detach().numpy(), rtol=1e-9, atol=1e-11)


shapes = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 10 ** 6))


@settings(max_examples=8, deadline=None)
@given(shapes)
def test_products_match_torch(shape):
    n, m, seed = shape
    x, v, u = _inputs(n, m, seed)
    for f in (f_vec, s_poly):
        out_e = f(ember, *_e(x))
        uu = u if out_e.numel() == n and f is f_vec else np.array(1.3)
        _close(EF.vjp(lambda *z: f(ember, *z), _e(x), ember.tensor(uu)),
               TF.vjp(lambda *z: f(torch, *z), _t(x), torch.tensor(uu)))
        _close(EF.jvp(lambda *z: f(ember, *z), _e(x), _e(v)),
               TF.jvp(lambda *z: f(torch, *z), _t(x), _t(v)))
    for s in (s_poly, s_soft):
        for name in ("hvp", "vhp"):
            _close(getattr(EF, name)(lambda *z: s(ember, *z), _e(x), _e(v)),
                   getattr(TF, name)(lambda *z: s(torch, *z), _t(x), _t(v)))


@settings(max_examples=6, deadline=None)
@given(shapes)
def test_jacobian_and_hessian_match_torch(shape):
    n, m, seed = shape
    x, _, _ = _inputs(n, m, seed)
    for f in (f_vec, f_two):
        _close(EF.jacobian(lambda *z: f(ember, *z), _e(x)),
               TF.jacobian(lambda *z: f(torch, *z), _t(x)))
    for s in (s_poly, s_soft):
        _close(EF.hessian(lambda *z: s(ember, *z), _e(x)),
               TF.hessian(lambda *z: s(torch, *z), _t(x)))
    # a single tensor in: tensors out, shaped output.shape + input.shape
    je = EF.jacobian(lambda a: f_vec(ember, a, ember.tensor(x[1])), ember.tensor(x[0]))
    jt = TF.jacobian(lambda a: f_vec(torch, a, torch.tensor(x[1])), torch.tensor(x[0]))
    assert tuple(je.shape) == (n, n, m)
    _close(je, jt)
    he = EF.hessian(lambda b: s_soft(ember, ember.tensor(x[0]), b), ember.tensor(x[1]))
    assert tuple(he.shape) == (m, m)
    _close(he, TF.hessian(lambda b: s_soft(torch, torch.tensor(x[0]), b), torch.tensor(x[1])))


def test_create_graph_makes_the_results_differentiable():
    (a, b), (va, vb), _ = _inputs(3, 2, 1)
    xe = tuple(ember.tensor(z, requires_grad=True) for z in (a, b))
    xt = tuple(torch.tensor(z, requires_grad=True) for z in (a, b))
    _, he = EF.hvp(lambda *z: s_soft(ember, *z), xe, _e((va, vb)), create_graph=True)
    _, ht = TF.hvp(lambda *z: s_soft(torch, *z), xt, _t((va, vb)), create_graph=True)
    ge = ember.autograd.grad(sum((h * h).sum() for h in he), xe)
    gt = torch.autograd.grad(sum((h * h).sum() for h in ht), xt)
    _close(ge, gt)
    je = EF.jacobian(lambda z: z.sin() * z.sum(), xe[1], create_graph=True)
    jt = TF.jacobian(lambda z: z.sin() * z.sum(), xt[1], create_graph=True)
    _close(ember.autograd.grad((je ** 2).sum(), xe[1]), torch.autograd.grad((jt ** 2).sum(), xt[1]))
    # without create_graph the results are outside any graph
    _, h = EF.hvp(lambda *z: s_soft(ember, *z), xe, _e((va, vb)))
    assert not any(t.requires_grad for t in h)


def test_unused_inputs_give_zeros_or_a_strict_error():
    x, y = ember.tensor([1.0, 2.0]), ember.tensor([3.0])
    _, (gx, gy) = EF.vjp(lambda a, b: (a * a).sum(), (x, y))
    np.testing.assert_allclose(gx.array, [2.0, 4.0])
    np.testing.assert_allclose(gy.array, [0.0])
    h = EF.hessian(lambda a: a.sum() * 2.0, x)      # linear: zero Hessian, as torch
    np.testing.assert_allclose(h.array, np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        EF.vjp(lambda a, b: (a * a).sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 0"):
        EF.hessian(lambda a: a.sum() * 2.0, x, strict=True)


def test_bad_input_is_a_clear_error():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"inputs\[1\] is a list"):
        EF.vjp(lambda a, b: a, (x, [1.0]))
    with pytest.raises(RuntimeError, match="v may be None only"):
        EF.vjp(lambda a: a * 2.0, x)
    with pytest.raises(RuntimeError, match=r"v\[0\] has shape \(3,\), expected the shape \(2,\)"):
        EF.jvp(lambda a: a * 2.0, x, ember.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="single Tensor with a single element"):
        EF.hessian(lambda a: a * 2.0, x)
    with pytest.raises(TypeError, match="output of func is a float"):
        EF.jacobian(lambda a: 1.0, x)
    with pytest.raises(ValueError, match="strategy='sideways'"):
        EF.jacobian(lambda a: a, x, strategy="sideways")
