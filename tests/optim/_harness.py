"""Shared harness: the same small MLP loss, the same float64 start, run under ember and
under torch, so that optimizer trajectories can be compared step by step.

The loss touches ``extra`` only on some steps, so that parameter's ``.grad`` is ``None``
on the others (after ``zero_grad()``), which every optimizer must skip."""
import numpy as np
import torch


NAMES = ("W1", "b1", "W2", "extra")


def problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((8, 4))
    y = rng.standard_normal((8, 1))
    init = {
        "W1": rng.standard_normal((4, 5)) * 0.5,
        "b1": rng.standard_normal(5) * 0.1,
        "W2": rng.standard_normal((5, 1)) * 0.5,
        "extra": rng.standard_normal(3),
    }
    return X.astype(dtype), y.astype(dtype), {k: v.astype(dtype) for k, v in init.items()}


def uses_extra(step):
    return step % 3 != 1


def loss_of(m, P, X, y, step):
    """The same loss written once for m=ember and m=torch."""
    h = m.tanh(X @ P["W1"] + P["b1"])
    loss = ((h @ P["W2"] - y) ** 2).mean()
    if uses_extra(step):
        loss = loss + (m.sin(P["extra"]) * P["extra"] + 0.1 * P["extra"] ** 4).sum()
    return loss


def make_params(m, init):
    return {k: m.tensor(np.array(v), requires_grad=True) for k, v in init.items()}


def groups(P, spec):
    """spec None: one list of all params; else a list of (names, options) groups."""
    if spec is None:
        return [P[k] for k in NAMES]
    return [dict(params=[P[k] for k in names], **opts) for names, opts in spec]


def run(m, opt, P, X, y, steps, start=0, sign=1.0):
    """``steps`` optimizer steps on ``sign * loss`` from step index ``start``; returns the
    parameter values after each step (a list of dicts of NumPy arrays)."""
    Xm, ym = m.tensor(X), m.tensor(y)
    out = []
    for step in range(start, start + steps):
        opt.zero_grad()
        (loss_of(m, P, Xm, ym, step) * sign).backward()
        opt.step()
        out.append({k: _np(v).copy() for k, v in P.items()})
    return out


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_same_trajectory(a, b, rtol, atol, what=""):
    assert len(a) == len(b)
    for i, (sa, sb) in enumerate(zip(a, b)):
        for k in sa:
            np.testing.assert_allclose(sa[k], sb[k], rtol=rtol, atol=atol,
                                       err_msg=f"{what}: step {i}, param {k}")
