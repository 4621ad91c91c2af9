"""The graph walk: diamonds, reused leaves, retain_graph, no_grad, long chains, hooks,
autograd.grad, higher-order derivatives and memory."""
import gc
import tracemalloc

import numpy as np
import pytest
import torch

import ember
from ember.autograd import grad


def f64(values, rg=True):
    return ember.tensor(values, dtype=ember.float64, requires_grad=rg)


def test_diamond_graph_accumulates_both_paths():
    x = f64([1.0, 2.0])
    a = x * 3
    b = a.exp()
    c = a.sin()
    (b + c).sum().backward()
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    at = xt * 3
    (at.exp() + at.sin()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_reused_leaf_and_accumulation_across_backward_calls():
    x = f64([2.0])
    y = x * x * x + x        # x used four times
    y.backward()
    assert x.grad.tolist() == [13.0]
    (x * 2).sum().backward()
    assert x.grad.tolist() == [15.0]      # accumulates like torch
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_broadcast_gradients_sum_back_to_input_shape():
    a = f64(np.ones((3, 1)))
    b = f64(np.ones((4,)))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    assert a.grad.tolist() == [[4.0]] * 3 and b.grad.tolist() == [3.0] * 4


def test_retain_graph_and_freed_graph_error():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_no_grad_records_nothing_and_detach():
    x = f64([1.0])
    with ember.no_grad():
        y = x * 2
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            z = x * 2
    assert ember.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.requires_grad and z.grad_fn is not None

    @ember.no_grad()
    def f(t):
        return t * 3
    assert f(x).grad_fn is None
    with ember.set_grad_enabled(False):
        assert (x + 1).grad_fn is None
    d = (x * 2).detach()
    assert d.grad_fn is None and not d.requires_grad


def test_backward_runs_with_grad_mode_off_unless_create_graph():
    x = f64([1.0, 2.0])
    seen = []
    y = x.exp()
    y.register_hook(lambda g: seen.append(ember.is_grad_enabled()))
    y.sum().backward(retain_graph=True)
    y.sum().backward(create_graph=True)
    assert seen == [False, True]
    assert not x.grad.requires_grad or x.grad.grad_fn is not None


def test_chain_of_100000_ops_does_not_recurse():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_autograd_grad_does_not_touch_dot_grad_and_prunes():
    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
    y = (x * w).sum()
    (gx,) = grad(y, x)
    assert gx.tolist() == [3.0, 4.0]
    assert x.grad is None and w.grad is None


def test_autograd_grad_of_non_leaf_and_allow_unused():
    x = f64([1.0, 2.0])
    h = x * 2
    y = (h * h).sum()
    gh, gx = grad(y, [h, x], retain_graph=True)
    assert gh.tolist() == [4.0, 8.0] and gx.tolist() == [8.0, 16.0]
    unused = f64([1.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        grad(y, [unused], retain_graph=True)
    assert grad(y, [unused], allow_unused=True) == (None,)


def test_higher_order_third_derivative_and_hvp():
    x = ember.tensor(2.0, dtype=ember.float64, requires_grad=True)
    y = x ** 4
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (32.0, 48.0, 48.0)
    # Hessian-vector product of f(w) = sum(tanh(A w)) against torch
    rng = np.random.default_rng(0)
    A, w0, v = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(3)
    w = f64(w0)
    (g,) = grad((ember.tensor(A) @ w).tanh().sum(), w, create_graph=True)
    (hv,) = grad((g * ember.tensor(v)).sum(), w)
    wt = torch.tensor(w0, requires_grad=True)
    (gt,) = torch.autograd.grad(torch.tanh(torch.tensor(A) @ wt).sum(), wt, create_graph=True)
    (hvt,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), wt)
    np.testing.assert_allclose(hv.numpy(), hvt.numpy(), rtol=1e-12)


def test_newton_method_converges_quadratically_with_exact_hessian():
    # f(w) = sum(exp(w) - 2 w) has its minimum at w = log 2; Newton via autograd Hessian
    w = f64([0.0, 1.5])
    errors = []
    for _ in range(6):
        f = (w.exp() - 2 * w).sum()
        (g,) = grad(f, w, create_graph=True)
        H = ember.stack([grad(g[i], w, retain_graph=True)[0] for i in range(2)])
        step = np.linalg.solve(H.numpy(force=True), g.detach().numpy())
        w = f64(w.detach().numpy() - step)
        errors.append(np.abs(w.detach().numpy() - np.log(2)).max())
    assert errors[-1] < 1e-12
    assert errors[2] < errors[1] ** 2 * 2          # quadratic convergence


def test_hooks_and_retain_grad():
    x = f64([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    handle = x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [180.0, 360.0]
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_grad_arrays_are_not_aliased_between_leaves():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0]


def test_multiple_roots_and_backward_function():
    x = f64([1.0, 2.0])
    y1, y2 = x * 2, x * x
    ember.autograd.backward([y1.sum(), y2.sum()])
    assert x.grad.tolist() == [4.0, 6.0]
    x.grad = None
    y = x * x
    y.backward(gradient=ember.tensor([1.0, 0.5], dtype=ember.float64))
    assert x.grad.tolist() == [2.0, 2.0]


def test_memory_does_not_grow_over_many_iterations():
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)
    xb = ember.tensor(rng.standard_normal((4, 8)).astype(np.float32))

    def step():
        loss = ((xb @ w).tanh() * 2 - 1).pow(2).mean()
        loss.backward()
        with ember.no_grad():
            w.array -= 0.01 * w.grad.array
        w.grad = None

    for _ in range(200):
        step()
    gc.collect()
    gc.disable()          # no reference cycles allowed: plain refcounting must free the graph
    try:
        objects_before = len(gc.get_objects())
        tracemalloc.start()
        for _ in range(3_000):
            step()
        grown = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        objects_after = len(gc.get_objects())
    finally:
        gc.enable()
    assert objects_after - objects_before <= 10, "graph objects survive their iteration"
    # one leaked 8x8 gradient per step would be > 1 MB (3,000 x ~370 bytes); a leaked graph far more
    assert grown < 300_000, f"memory grew by {grown} bytes over 3,000 iterations"
    assert gc.collect() == 0
