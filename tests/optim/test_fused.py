"""The batched ("fused") update of a group's small parameters: taken when every parameter
has a gradient, and it follows torch's trajectories exactly like the per-parameter path."""
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
