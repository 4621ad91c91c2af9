"""Test functions of Bayesian optimisation and a small network's validation loss, as
objectives for searches, benchmarks and the lab (``ember tune`` configs name them as
``"ember.tune.examples:branin"``)."""
import math

import numpy as np

from .space import loguniform, randint, uniform

__all__ = ["branin", "BRANIN_SPACE", "BRANIN_MIN", "hartmann6", "HARTMANN6_SPACE", "HARTMANN6_MIN",
           "mlp_digits", "MLP_SPACE"]

BRANIN_SPACE = {"x": uniform(-5, 10), "y": uniform(0, 15)}
BRANIN_MIN = 0.397887


def branin(p):
    """Branin-Hoo on [-5, 10] x [0, 15]: three global minima of 0.397887."""
    x, y = p["x"], p["y"]
    return ((y - 5.1 / (4 * math.pi ** 2) * x ** 2 + 5 / math.pi * x - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10)


HARTMANN6_SPACE = {f"x{i}": uniform(0, 1) for i in range(6)}
HARTMANN6_MIN = -3.32237
_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
               [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                      [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p):
    """Hartmann-6 on [0, 1]^6: global minimum -3.32237."""
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-(_ALPHA * np.exp(-(_A * (x - _P) ** 2).sum(1))).sum())


_DATA = {}

MLP_SPACE = {"lr": loguniform(1e-4, 1.0), "hidden": randint(4, 65), "weight_decay": loguniform(1e-6, 1e-1)}


def mlp_digits(p, report=None):
    """The validation cross-entropy of a one-hidden-layer MLP trained with SGD on 400 8x8
    digits for ``p.get("epochs", 8)`` epochs (reported after each, for early stopping)."""
    import ember
    import ember.nn.functional as F
    from ember.data import datasets
    if not _DATA:
        Xtr, ytr = datasets.load_digits("train", random_state=0, return_X_y=True)
        _DATA["val"] = datasets.load_digits("test", random_state=0, return_X_y=True)
        _DATA["train"] = Xtr[:400], ytr[:400]
    (Xtr, ytr), (Xva, yva) = _DATA["train"], _DATA["val"]
    ember.manual_seed(int(p.get("seed", 0)))
    model = ember.nn.Sequential(ember.nn.Linear(64, int(p["hidden"])), ember.nn.ReLU(),
                                ember.nn.Linear(int(p["hidden"]), 10))
    opt = ember.optim.SGD(model.parameters(), lr=p["lr"], momentum=0.9, weight_decay=p["weight_decay"])
    loss = math.inf
    for epoch in range(1, int(p.get("epochs", 8)) + 1):
        for i in range(0, 400, 50):
            opt.zero_grad()
            F.cross_entropy(model(Xtr[i:i + 50]), ytr[i:i + 50]).backward()
            opt.step()
        with ember.no_grad():
            loss = float(F.cross_entropy(model(Xva), yva))
        if not math.isfinite(loss):
            loss = 10.0         # diverged: a bad but finite value
        if report is not None:
            report(loss, epoch)
    return loss
