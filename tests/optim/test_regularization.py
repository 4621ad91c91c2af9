"""L1/L2 penalties: values and gradients vs torch; l2_penalty == SGD weight_decay; the
proximal L1 step (ISTA) reaches scikit-learn's Lasso solution with exact zeros, where the
subgradient method leaves small non-zero weights."""
import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

import ember
import ember.optim as eoptim
from ember.optim.regularization import l1_penalty, l1_prox_, l2_penalty


def test_penalties_and_gradients_match_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ep = [ember.tensor(a, requires_grad=True) for a in arrays]
    tp = [torch.tensor(a, requires_grad=True) for a in arrays]
    e = l1_penalty(ep, 0.3) + l2_penalty(ep, 0.7)
    t = 0.3 * sum(p.abs().sum() for p in tp) + 0.35 * sum((p ** 2).sum() for p in tp)
    e.backward()
    t.backward()
    np.testing.assert_allclose(e.item(), t.item(), rtol=1e-14)
    for a, b, x in zip(ep, tp, arrays):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-14)
        np.testing.assert_allclose(a.grad.numpy(), 0.3 * np.sign(x) + 0.7 * x, rtol=1e-14)


def test_l2_penalty_equals_sgd_weight_decay():
    rng = np.random.default_rng(1)
    X, y, w0 = rng.standard_normal((20, 4)), rng.standard_normal(20), rng.standard_normal(4)
    Xe, ye = ember.tensor(X), ember.tensor(y)
    out = []
    for use_penalty in (True, False):
        w = ember.tensor(w0.copy(), requires_grad=True)
        opt = eoptim.SGD([w], lr=0.05, momentum=0.9, weight_decay=0 if use_penalty else 0.2)
        for _ in range(30):
            opt.zero_grad()
            loss = ((Xe @ w - ye) ** 2).mean()
            if use_penalty:
                loss = loss + l2_penalty([w], 0.2)
            loss.backward()
            opt.step()
        out.append(w.detach().numpy().copy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12, atol=1e-14)


def test_l1_prox_is_soft_threshold():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 6))
    a[0, 0] = 0.0
    w = ember.tensor(a.copy(), requires_grad=True)
    zeros = l1_prox_([w], 0.5)
    expect = np.sign(a) * np.maximum(np.abs(a) - 0.5, 0)
    np.testing.assert_array_equal(w.detach().numpy(), expect)
    assert zeros == int((np.abs(a) <= 0.5).sum()) and zeros > 1
    assert not np.signbit(w.detach().numpy()[expect == 0]).any()    # no -0.0
    assert l1_prox_(w, 0.0) == zeros                                   # t = 0: identity
    np.testing.assert_array_equal(w.detach().numpy(), expect)


def _lasso_data():
    rng = np.random.default_rng(3)
    n, d = 60, 10
    X = rng.standard_normal((n, d))
    true = np.zeros(d)
    true[[1, 4, 7]] = [2.0, -1.5, 1.0]
    y = X @ true + 0.5 * rng.standard_normal(n)
    return X, y


def _train(X, y, alpha, proximal, steps=300):
    """Minimise 1/(2n)|y - Xw|^2 + alpha |w|_1 with SGD (full batch) at lr = 1/L."""
    n = len(y)
    lr = 1.0 / np.linalg.eigvalsh(X.T @ X / n).max()
    Xe, ye = ember.tensor(X), ember.tensor(y)
    w = ember.zeros(X.shape[1], dtype=ember.float64, requires_grad=True)
    opt = eoptim.SGD([w], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((Xe @ w - ye) ** 2).sum() / (2 * n)
        if not proximal:
            loss = loss + l1_penalty([w], alpha)
        loss.backward()
        opt.step()
        if proximal:
            l1_prox_([w], lr * alpha)
    return w.detach().numpy().copy(), lr


def test_proximal_l1_reaches_lasso_with_exact_zeros_subgradient_does_not():
    X, y = _lasso_data()
    alpha = 0.3
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000).fit(X, y).coef_
    assert (ref == 0).sum() >= 5
    prox, lr = _train(X, y, alpha, proximal=True)
    np.testing.assert_allclose(prox, ref, atol=1e-10)
    np.testing.assert_array_equal(prox == 0, ref == 0)   # the same exact zeros
    sub, _ = _train(X, y, alpha, proximal=False)
    assert (sub == 0).sum() == 0                          # subgradient: no exact zeros...
    # ...the lasso's zero weights chatter across 0 by at most one step lr * (alpha + |g|)
    assert 1e-3 < np.abs(sub[ref == 0]).max() < 2 * lr * alpha
    np.testing.assert_allclose(sub[ref != 0], ref[ref != 0], atol=0.1)


@pytest.mark.parametrize("call,msg", [
    (lambda w: l1_penalty([w], -0.1), r"l1_penalty: weight=-0.1 must be a number >= 0"),
    (lambda w: l2_penalty([w], float("nan")), r"l2_penalty: weight=nan"),
    (lambda w: l1_prox_([w], -1), r"l1_prox_: lr_times_weight=-1 must be a number >= 0"),
])
def test_bad_weights(call, msg):
    with pytest.raises(ValueError, match=msg):
        call(ember.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match=r"params\[0\] must be a Tensor"):
        l1_penalty([np.ones(2)], 0.1)
