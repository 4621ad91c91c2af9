"""The batched ("fused") update of a group's small parameters: taken when every parameter
has a gradient, and it follows torch's trajectories exactly like the per-parameter path;
each optimizer's one update rule gives bit-identical results applied either way."""
import numpy as np
import pytest
import torch

import ember

CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9)), ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)), ("NAdam", dict(lr=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)), ("Adadelta", dict(lr=1.0)),
    ("RMSprop", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
]


def _loss(m, P, X, y):
    h = m.tanh(X @ P[0] + P[1])
    return ((h @ P[2] + P[3] - y) ** 2).mean()


@pytest.mark.parametrize("name,opts", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_small_parameter_update_matches_torch(name, opts, dtype):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 6)).astype(dtype), rng.standard_normal((16, 2)).astype(dtype)
    init = [rng.standard_normal(s).astype(dtype) * 0.5 for s in ((6, 8), (8,), (8, 2), (2,))]
    Pe = [ember.tensor(v.copy(), requires_grad=True) for v in init]
    Pt = [torch.tensor(v.copy(), requires_grad=True) for v in init]
    oe, ot = getattr(ember.optim, name)(Pe, **opts), getattr(torch.optim, name)(Pt, **opts)
    Xe, ye, Xt, yt = ember.tensor(X), ember.tensor(y), torch.tensor(X), torch.tensor(y)
    for step in range(25):
        oe.zero_grad()
        ot.zero_grad()
        _loss(ember, Pe, Xe, ye).backward()
        _loss(torch, Pt, Xt, yt).backward()
        oe.step()
        ot.step()
        if step == 3:   # the batched path is in use: all parameters are small and have gradients
            assert oe._fused, f"{name}: expected the fused small-parameter update to be active"
    tol = 1e-8 if dtype == np.float64 else 2e-5     # NAdam: 25 products of momentum factors round differently
    for a, b in zip(Pe, Pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)
    # a round trip through state_dict keeps the trajectory
    state = oe.state_dict()
    Pe2 = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in Pe]
    oe2 = getattr(ember.optim, name)(Pe2, **opts)
    oe2.load_state_dict(state)
    for o, P in ((oe, Pe), (oe2, Pe2)):
        o.zero_grad()
        _loss(ember, P, Xe, ye).backward()
        o.step()
    for a, b in zip(Pe, Pe2):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# ---- one rule, two ways of applying it --------------------------------------------------------
RULE_CASES = CASES + [
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, maximize=True, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.2, maximize=True)),
    ("Adadelta", dict(weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
]


def _run_rule(name, opts, dtype, fuse, steps=25):
    """The same gradients, a fused or a per-parameter optimizer; the small parameter 3 has no
    gradient on steps 10 and 11 (the fused set dissolves; its members go on one by one)."""
    rng = np.random.default_rng(1)
    shapes = ((6, 8), (8,), (8, 2), (2,), (80, 60), (3,))     # (80, 60): above the fusing size
    P = [ember.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    cls = getattr(ember.optim, name)
    if not fuse:    # (a subclass: Adagrad fuses its state as soon as it is built)
        cls = type(name, (cls,), {"_fuse_max_numel": 0})
    opt = cls(P, **opts)
    fused_seen = False
    for step in range(steps):
        for i, p in enumerate(P):
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad = None if i == 3 and step in (10, 11) else ember.tensor(g)
        opt.step()
        fused_seen |= bool(opt._fused)
    assert fused_seen == fuse
    return P, opt.state_dict()


@pytest.mark.parametrize("name,opts", RULE_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(RULE_CASES)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_and_per_parameter_updates_are_bit_identical(name, opts, dtype):
    Pf, sf = _run_rule(name, opts, dtype, fuse=True)
    Pp, sp = _run_rule(name, opts, dtype, fuse=False)
    for a, b in zip(Pf, Pp):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert sf["state"].keys() == sp["state"].keys()
    for i in sf["state"]:
        a, b = sf["state"][i], sp["state"][i]
        assert sorted(a) == sorted(b)
        for k in a:
            if isinstance(a[k], ember.Tensor):
                np.testing.assert_array_equal(a[k].numpy(), b[k].numpy(), err_msg=f"{i}: {k}")
            else:   # step counts and NAdam's mu_product: the same numbers, the same types
                assert type(a[k]) is type(b[k]) and a[k] == b[k], (i, k, a[k], b[k])


def test_fused_members_share_scalar_state():
    """NAdam's mu_product and the step count stay equal across a fused set, in every
    member's own state, and equal to a lone parameter's."""
    rng = np.random.default_rng(2)
    P = [ember.tensor(rng.standard_normal(s), requires_grad=True) for s in ((4, 3), (3,), (5,))]
    lone = ember.tensor(rng.standard_normal(5), requires_grad=True)
    opt, ref = ember.optim.NAdam(P, lr=0.01), ember.optim.NAdam([lone], lr=0.01)
    for _ in range(7):
        for p in P + [lone]:
            p.grad = ember.tensor(rng.standard_normal(p.shape))
        opt.step()
        ref.step()
    assert opt._fused
    for p in P:
        assert opt.state[p]["step"] == 7 and type(opt.state[p]["step"]) is int
        assert opt.state[p]["mu_product"] == ref.state[lone]["mu_product"]


class _HeavyBall(ember.optim.Optimizer):
    """A new optimizer is one rule on arrays: b = mu b + g, p -= lr b (zero start, so the
    first buffer is g, as torch's SGD momentum)."""

    def __init__(self, params, lr, momentum, weight_decay=0, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      maximize=maximize))

    def _state_names(self, group):
        return ("buf",)

    def _rule(self, g, s, group, tmp):
        b, t = s["buf"], tmp(1)
        b *= group["momentum"]
        b += g
        np.multiply(b, -group["lr"], out=t)
        return t


@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("opts", [dict(), dict(weight_decay=0.1, maximize=True)])
def test_a_new_optimizer_is_one_rule(fuse, opts):
    rng = np.random.default_rng(3)
    init = [rng.standard_normal(s) for s in ((5, 4), (4,), (4, 2), (2,))]
    Pe = [ember.tensor(v.copy(), requires_grad=True) for v in init]
    Pt = [torch.tensor(v.copy(), requires_grad=True) for v in init]
    oe = _HeavyBall(Pe, lr=0.05, momentum=0.9, **opts)
    if not fuse:
        oe._fuse_max_numel = 0
    ot = torch.optim.SGD(Pt, lr=0.05, momentum=0.9, **opts)
    for _ in range(20):
        grads = [rng.standard_normal(v.shape) for v in init]
        for p, g in zip(Pe, grads):
            p.grad = ember.tensor(g)
        for p, g in zip(Pt, grads):
            p.grad = torch.tensor(g)
        oe.step()
        ot.step()
    assert bool(oe._fused) == fuse
    assert oe.state[Pe[0]]["step"] == 20
    for a, b in zip(Pe, Pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
