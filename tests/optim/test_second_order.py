"""LBFGS follows torch.optim.LBFGS iterate for iterate; LBFGS, BFGS, nonlinear CG and Newton
reach scipy.optimize.minimize's minimum in a comparable number of iterations on
Rosenbrock, a logistic regression and an ill-conditioned quadratic; bad input is a clear
error."""
import numpy as np
import pytest
import torch
from scipy import optimize as so

import ember
import ember.nn.functional as F
from ember import optim

torch.set_default_dtype(torch.float64)


def rosen(M, w):
    return ((1 - w[:-1]) ** 2 + 100 * (w[1:] - w[:-1] ** 2) ** 2).sum()


@pytest.mark.parametrize("line_search_fn,lr,max_iter,steps", [
    (None, 0.1, 4, 8), ("strong_wolfe", 1.0, 4, 8), ("strong_wolfe", 1.0, 1, 30)])
def test_lbfgs_follows_torch(line_search_fn, lr, max_iter, steps):
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.5])
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 3)), rng.integers(0, 2, 30).astype(float)
    b0 = np.array([0.3])

    def run(M, opt_cls):
        w = M.tensor(x0.copy(), requires_grad=True)
        v = M.tensor(x0[:3].copy(), requires_grad=True)
        b = M.tensor(b0.copy(), requires_grad=True)
        Xm, ym = M.tensor(X), M.tensor(y)
        opt = opt_cls([w, v, b], lr=lr, max_iter=max_iter, history_size=3, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            z = Xm @ v + b
            loss = rosen(M, w) + (M.nn.functional.softplus(z) - ym * z).mean()
            loss.backward()
            return loss
        path = []
        for _ in range(steps):
            loss = float(opt.step(closure).detach())
            path.append(np.concatenate([w.detach().numpy(), v.detach().numpy(), b.detach().numpy(), [loss]]))
        return np.array(path), opt.state[w]["func_evals"], opt.state[w]["n_iter"]

    pe, fe, ne = run(ember, optim.LBFGS)
    pt, ft, nt = run(torch, torch.optim.LBFGS)
    np.testing.assert_allclose(pe, pt, rtol=1e-9, atol=1e-10)
    assert (fe, ne) == (ft, nt)
    assert ne >= 20


# ---- the methods against scipy -------------------------------------------------------------

_rng = np.random.default_rng(0)
_X = _rng.standard_normal((200, 5))
_y = (_X @ _rng.standard_normal(5) + 0.5 * _rng.standard_normal(200) > 0).astype(float)
_R = np.linalg.qr(_rng.standard_normal((8, 8)))[0]
_A = _R @ np.diag(np.logspace(0, 3, 8)) @ _R.T          # condition number 1000
_b = _rng.standard_normal(8)


def _sig(z):
    return 1 / (1 + np.exp(-z))


PROBLEMS = {   # ember loss, numpy (f, grad, hessp), start
    "rosenbrock": (lambda w: rosen(ember, w),
                   (so.rosen, so.rosen_der, so.rosen_hess_prod), np.array([-1.2, 1.0])),
    "logistic": (lambda w: (F.softplus(ember.tensor(_X) @ w) - ember.tensor(_y) * (ember.tensor(_X) @ w)).mean()
                 + 0.01 * (w * w).sum(),
                 (lambda w: np.mean(np.logaddexp(0, _X @ w) - _y * (_X @ w)) + 0.01 * w @ w,
                  lambda w: _X.T @ (_sig(_X @ w) - _y) / len(_y) + 0.02 * w,
                  lambda w, p: _X.T @ (_sig(_X @ w) * (1 - _sig(_X @ w)) * (_X @ p)) / len(_y) + 0.02 * p),
                 np.full(5, 0.1)),
    "quadratic": (lambda w: 0.5 * (w @ (ember.tensor(_A) @ w)) - ember.tensor(_b) @ w,
                  (lambda w: 0.5 * w @ _A @ w - _b @ w, lambda w: _A @ w - _b, lambda w, p: _A @ p),
                  np.zeros(8)),
}

METHODS = {    # ember optimizer and options, scipy method
    "lbfgs": (optim.LBFGS, dict(line_search_fn="strong_wolfe"), "L-BFGS-B"),
    "bfgs": (optim.BFGS, {}, "BFGS"),
    "cg-pr": (optim.ConjugateGradient, dict(beta="PR"), "CG"),
    "cg-fr": (optim.ConjugateGradient, dict(beta="FR"), "CG"),
    "newton": (optim.Newton, dict(hessian="exact"), "Newton-CG"),
    "newton-cg": (optim.Newton, dict(hessian="cg"), "Newton-CG"),
}


def _ember_minimize(cls, options, f, x0):
    w = ember.tensor(x0.copy(), requires_grad=True)
    if cls is optim.Newton:
        opt = cls([w], max_iter=200, tolerance_grad=1e-5, **options)
        opt.step(lambda: f(w))
    else:
        opt = cls([w], max_iter=500, max_eval=2000, tolerance_grad=1e-5, tolerance_change=1e-14, **options)

        def closure():
            opt.zero_grad()
            loss = f(w)
            loss.backward()
            return loss
        opt.step(closure)
    return w.array, opt.state[w]["n_iter"]


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("method", sorted(METHODS))
def test_same_minimum_as_scipy_in_a_comparable_number_of_iterations(problem, method):
    f, (fn, jac, hessp), x0 = PROBLEMS[problem]
    cls, options, scipy_method = METHODS[method]
    ref = so.minimize(fn, x0, jac=jac, method=scipy_method,
                      hessp=hessp if scipy_method == "Newton-CG" else None,
                      options={"gtol": 1e-5} if scipy_method in ("BFGS", "CG") else {})
    x, n_iter = _ember_minimize(cls, options, f, x0)
    # the same minimiser (scipy stops at a gradient of ~1e-5: agree to that accuracy)
    np.testing.assert_allclose(x, ref.x, atol=3e-4 * max(1.0, np.abs(ref.x).max()))
    assert fn(x) <= ref.fun + 1e-8
    assert np.abs(jac(x)).max() <= 1e-4
    # iterations in the same range: never more than twice scipy's (plus a few)
    assert 1 <= n_iter <= 2 * ref.nit + 5, (n_iter, ref.nit)


def test_newton_converges_quadratically_and_solves_a_quadratic_in_one_step():
    f, (fn, jac, _), x0 = PROBLEMS["quadratic"]
    w = ember.tensor(x0.copy(), requires_grad=True)
    opt = optim.Newton([w], max_iter=1)
    opt.step(lambda: f(w))
    np.testing.assert_allclose(w.array, np.linalg.solve(_A, _b), rtol=1e-10)
    # near the minimum of the logistic loss the gradient norm is roughly squared per step
    f, (fn, jac, _), x0 = PROBLEMS["logistic"]
    w = ember.tensor(x0.copy(), requires_grad=True)
    opt = optim.Newton([w], max_iter=1, line_search_fn=None, tolerance_grad=0)
    norms = []
    for _ in range(6):
        opt.step(lambda: f(w))
        norms.append(np.linalg.norm(jac(w.array)))
    assert norms[-1] < 1e-13, norms
    ratios = [b / a ** 2 for a, b in zip(norms, norms[1:]) if 1e-12 < b]
    assert max(ratios) < 20 and ratios[-1] > 0.01, ratios     # |g'| ~ c |g|^2: quadratic


def test_pure_newton_is_attracted_to_a_saddle_and_the_damped_one_is_not():
    def f(w):                   # saddle at (0, 0), minima at (+-1, 0)
        return (w[0] ** 2 - 1) ** 2 / 4 + w[1] ** 2
    x0 = np.array([0.3, 0.5])
    pure = ember.tensor(x0.copy(), requires_grad=True)
    optim.Newton([pure], max_iter=30, positive_definite=False, line_search_fn=None).step(lambda: f(pure))
    damped = ember.tensor(x0.copy(), requires_grad=True)
    optim.Newton([damped], max_iter=30).step(lambda: f(damped))
    np.testing.assert_allclose(pure.array, [0.0, 0.0], atol=1e-8)       # the saddle (a maximum in w0)
    np.testing.assert_allclose(np.abs(damped.array), [1.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("cls", [optim.LBFGS, optim.BFGS, optim.ConjugateGradient, optim.Newton])
def test_a_closure_returning_nan_is_a_clear_error(cls):
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = cls([w])

    def closure():
        opt.zero_grad()
        loss = (w * w).sum() * float("nan")
        if cls is not optim.Newton:
            loss.backward()
        return loss
    with pytest.raises(FloatingPointError, match=f"{cls.__name__}: the closure returned nan"):
        opt.step(closure)


def test_bad_arguments_are_clear_errors():
    w = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn='armijo'"):
        optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size=0"):
        optim.LBFGS([w], history_size=0)
    with pytest.raises(ValueError, match="beta='HS'"):
        optim.ConjugateGradient([w], beta="HS")
    with pytest.raises(ValueError, match="hessian='diag'"):
        optim.Newton([w], hessian="diag")
    with pytest.raises(ValueError, match="damping=-1"):
        optim.Newton([w], damping=-1)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.BFGS([{"params": [w]}, {"params": [ember.tensor([1.0], requires_grad=True)]}])
    with pytest.raises(TypeError, match="needs a closure"):
        optim.LBFGS([w]).step(None)
    with pytest.raises(TypeError, match="Newton: the closure must return the loss as a tensor"):
        optim.Newton([w]).step(lambda: 1.0)
