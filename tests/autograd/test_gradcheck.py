"""gradcheck and gradgradcheck (torch's tolerances, float64) on every differentiable op,
and the notes' central-difference numerical_grad."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck, numerical_grad, GradcheckError


def t(shape, seed=0, lo=-2.0, hi=2.0):
    return ember.tensor(np.random.default_rng(seed).uniform(lo, hi, shape), dtype=ember.float64,
                        requires_grad=True)


P = (0.3, 2.0)
OPS = {
    "neg": (lambda x: -x, [(3,)]), "abs": (lambda x: x.abs(), [(3,)]),
    "exp": (ember.exp, [(2, 3)]), "log": (ember.log, [(3,)], P), "log1p": (ember.log1p, [(3,)], P),
    "sqrt": (ember.sqrt, [(3,)], P), "rsqrt": (ember.rsqrt, [(3,)], P),
    "sin": (ember.sin, [(3,)]), "cos": (ember.cos, [(3,)]), "tanh": (ember.tanh, [(3,)]),
    "sigmoid": (ember.sigmoid, [(3,)]), "relu": (ember.relu, [(4,)]),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), [(4,)]),
    "add": (lambda a, b: a + b, [(2, 3), (3,)]), "sub": (lambda a, b: a - b, [(2, 3), (2, 1)]),
    "mul": (lambda a, b: a * b, [(2, 3), (3,)]), "div": (lambda a, b: a / b, [(2, 3), (3,)], P),
    "pow": (lambda a, b: a ** b, [(3,), (3,)], P), "pow_scalar": (lambda a: a ** 3, [(3,)]),
    "rpow": (lambda a: 2 ** a, [(3,)]),
    "maximum": (ember.maximum, [(3,), (3,)]), "minimum": (ember.minimum, [(2, 3), (3,)]),
    "where": (lambda a, b: ember.where(a > 0, a, b), [(3,), (3,)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 2)]), "matmul_batched": (lambda a, b: a @ b, [(2, 2, 3), (3,)]),
    "einsum": (lambda a, b: ember.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 2)]),
    "sum": (lambda x: x.sum(1), [(2, 3)]), "mean": (lambda x: x.mean((0, 1)), [(2, 3)]),
    "var": (lambda x: x.var(0), [(3, 2)]), "std": (lambda x: x.std(1, keepdim=True), [(2, 3)]),
    "prod": (lambda x: x.prod(1), [(2, 3)], P), "amax": (lambda x: x.amax(1), [(2, 3)]),
    "max_dim": (lambda x: x.max(0).values, [(3, 2)]), "min": (lambda x: x.min(), [(2, 3)]),
    "logsumexp": (lambda x: x.logsumexp(1), [(2, 3)]), "softmax": (lambda x: x.softmax(1), [(2, 3)]),
    "log_softmax": (lambda x: x.log_softmax(0), [(2, 3)]), "cumsum": (lambda x: x.cumsum(1), [(2, 3)]),
    "norm": (lambda x: x.norm(), [(2, 3)]),
    "reshape": (lambda x: x.reshape(3, 2), [(2, 3)]), "permute": (lambda x: x.permute(2, 0, 1), [(2, 3, 2)]),
    "expand": (lambda x: x.expand(2, 3), [(1, 3)]), "cat": (lambda a, b: ember.cat([a, b], 1), [(2, 1), (2, 2)]),
    "stack": (lambda a, b: ember.stack([a, b]), [(2,), (2,)]), "flip": (lambda x: x.flip(0), [(3, 2)]),
    "roll": (lambda x: x.roll(1, 1), [(2, 3)]), "repeat": (lambda x: x.repeat(2, 1), [(2, 2)]),
    "pad": (lambda x: ember.pad(x, (1, 2)), [(2, 2)]), "getitem": (lambda x: x[[0, 0, 1], 1:], [(2, 3)]),
    "mask": (lambda x: x[x > 0], [(2, 3)]),
    "gather": (lambda x: x.gather(1, ember.tensor([[0, 0], [2, 1]])), [(2, 3)]),
    "scatter_add": (lambda x, s: x.scatter_add(1, ember.tensor([[0, 0], [2, 1]]), s), [(2, 3), (2, 2)]),
    "index_select": (lambda x: x.index_select(0, ember.tensor([1, 1, 0])), [(2, 3)]),
    "masked_fill": (lambda x: x.masked_fill(x > 0, 0.5), [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck_and_gradgradcheck(name):
    fn, shapes, *dom = OPS[name]
    lo, hi = dom[0] if dom else (-2.0, 2.0)
    inputs = [t(s, seed=i, lo=lo, hi=hi) for i, s in enumerate(shapes)]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_gradcheck_catches_a_wrong_backward():
    class BadSquare(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array ** 2

        @staticmethod
        def backward(ctx, g):
            return g * 3            # true derivative of x**2 is 2x

    bad_square = BadSquare.apply

    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(bad_square, [t((3,))])
    assert gradcheck(bad_square, [t((3,))], raise_exception=False) is False


def test_numerical_grad_is_the_notes_central_difference():
    # f(x0, x1) = x0^2 + x1^2 (the notes' function_2); gradient at (3, 4) is (6, 8)
    x = ember.tensor([3.0, 4.0], dtype=ember.float64)
    g = numerical_grad(lambda v: (v ** 2).sum(), x)
    np.testing.assert_allclose(g.numpy(), [6.0, 8.0], atol=1e-7)
    assert x.tolist() == [3.0, 4.0]           # restored after perturbation
    arr = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(numerical_grad(lambda a: float(np.sin(a).sum()), arr), np.cos(arr), atol=1e-7)


def test_numerical_grad_matches_backprop_on_a_network():
    rng = np.random.default_rng(0)
    W1 = ember.tensor(rng.standard_normal((4, 5)), dtype=ember.float64, requires_grad=True)
    X = ember.tensor(rng.standard_normal((6, 4)), dtype=ember.float64)
    y = ember.tensor(rng.integers(0, 5, 6))

    def loss(w):
        logp = (X @ w).tanh().log_softmax(1)
        return -logp[ember.arange(6), y].mean()
    loss(W1).backward()
    num = numerical_grad(loss, W1.detach())
    np.testing.assert_allclose(W1.grad.numpy(), num.numpy(), rtol=1e-6, atol=1e-8)


def test_numerical_grad_rejects_bad_input():
    with pytest.raises(TypeError, match="floating"):
        numerical_grad(lambda v: v.sum(), ember.tensor([1, 2]))
    with pytest.raises(ValueError, match="scalar"):
        numerical_grad(lambda v: v * 2, ember.tensor([1.0, 2.0], dtype=ember.float64))
