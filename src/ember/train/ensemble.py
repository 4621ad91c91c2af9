"""Ensembles: average or blend the predictions of several models (different seeds, or the
snapshots of one run with a cyclic learning rate).

    >>> import ember
    >>> members = [ember.nn.Linear(3, 2) for _ in range(3)]
    >>> ens = Ensemble(members)
    >>> ens(ember.randn(4, 3)).shape            # the averaged class probabilities
    (4, 2)
"""
import copy
import math

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from .callbacks import Callback

__all__ = ["Ensemble", "average_probabilities", "fit_blend_weights", "SnapshotEnsemble", "cyclic_cosine_lr"]


def _probs(model, X):
    import ember.nn.functional as F
    with no_grad():
        model.eval()
        return F.softmax(model(X), dim=-1).array


def average_probabilities(models, X, weights=None):
    """The (weighted) mean of the members' softmax probabilities on ``X`` (an array)."""
    P = np.stack([_probs(m, X) for m in models])
    w = np.full(len(models), 1 / len(models)) if weights is None else np.asarray(weights, float)
    return np.tensordot(w, P, axes=1)


def fit_blend_weights(probs, y):
    """Blending: non-negative weights summing to 1 (a softmax of free parameters) that
    minimise the log loss of the blended held-out probabilities ``probs`` (members x
    samples x classes) against the labels ``y``."""
    from scipy.optimize import minimize
    P = np.asarray(probs, float)
    y = np.asarray(y, int)
    picked = P[:, np.arange(P.shape[1]), y]         # members x samples

    def loss(a):
        w = np.exp(a - a.max())
        w /= w.sum()
        return -np.log(np.maximum(w @ picked, 1e-12)).mean()
    res = minimize(loss, np.zeros(len(P)), method="L-BFGS-B")
    w = np.exp(res.x - res.x.max())
    return w / w.sum()


class Ensemble(nn.Module):
    """A module whose output is the weighted mean of its members' class probabilities
    (``combine="prob"``) or of their outputs (``"mean"``, for regression)."""

    def __init__(self, models, weights=None, combine="prob"):
        super().__init__()
        if len(models) == 0:
            raise ValueError("Ensemble: models is empty")
        if combine not in ("prob", "mean"):
            raise ValueError(f"Ensemble: combine={combine!r}; expected 'prob' or 'mean'")
        self.members = nn.ModuleList(list(models))
        self.weights = [1 / len(models)] * len(models) if weights is None else [float(w) for w in weights]
        self.combine = combine

    def forward(self, x):
        import ember.nn.functional as F
        out = None
        for w, m in zip(self.weights, self.members):
            y = m(x)
            y = F.softmax(y, dim=-1) if self.combine == "prob" else y
            out = y * w if out is None else out + y * w
        return out


def cyclic_cosine_lr(epoch, cycle_epochs, lr_max, lr_min=0.0):
    """The learning rate of ``epoch`` (from 0) under cosine annealing restarted every
    ``cycle_epochs`` (Huang et al.'s snapshot ensembles): ``lr_max`` at each cycle's start,
    near ``lr_min`` at its end."""
    t = (epoch % cycle_epochs) / cycle_epochs
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t))


class SnapshotEnsemble(Callback):
    """A Trainer callback: sets the cyclic cosine learning rate at each epoch and keeps a copy
    of the model at the end of each cycle (in ``snapshots``, ready for :class:`Ensemble`)."""

    def __init__(self, cycle_epochs, lr_max, lr_min=0.0):
        if cycle_epochs < 1:
            raise ValueError(f"SnapshotEnsemble: cycle_epochs={cycle_epochs!r} must be >= 1")
        self.cycle_epochs, self.lr_max, self.lr_min = cycle_epochs, lr_max, lr_min
        self.snapshots = []

    def on_epoch_begin(self, trainer, epoch):
        lr = cyclic_cosine_lr(epoch - 1, self.cycle_epochs, self.lr_max, self.lr_min)
        for g in trainer.optimizer.param_groups:
            g["lr"] = lr

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch % self.cycle_epochs == 0:
            self.snapshots.append(copy.deepcopy(trainer.model))
