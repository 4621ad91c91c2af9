"""Training recipes: ensembles (averaging, blending, snapshots with a cyclic schedule) and
pseudo-labelling (warm-up, the pseudo-labelled share of each batch, the threshold)."""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.train import (Ensemble, SnapshotEnsemble, average_probabilities, cyclic_cosine_lr,
                         fit_blend_weights, fit_pseudo_labels)


def test_ensemble_averages_member_probabilities():
    ember.manual_seed(0)
    members = [nn.Linear(5, 3) for _ in range(3)]
    x = ember.randn(7, 5)
    ref = np.mean([F.softmax(m(x), dim=-1).array for m in members], 0)
    np.testing.assert_allclose(Ensemble(members)(x).array, ref, rtol=1e-6)
    np.testing.assert_allclose(average_probabilities(members, x), ref, rtol=1e-6)
    w = [0.5, 0.3, 0.2]
    ref_w = sum(wi * F.softmax(m(x), dim=-1).array for wi, m in zip(w, members))
    np.testing.assert_allclose(Ensemble(members, weights=w)(x).array, ref_w, rtol=1e-6)
    with pytest.raises(ValueError, match="combine='vote'"):
        Ensemble(members, combine="vote")


def test_blend_weights_favour_the_member_that_predicts_well():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    good = np.full((300, 3), 0.05)
    good[np.arange(300), y] = 0.9
    noise = rng.dirichlet(np.ones(3), 300)
    w = fit_blend_weights(np.stack([noise, good]), y)
    assert w.sum() == pytest.approx(1.0) and w[1] > 0.9


def test_snapshot_ensemble_follows_the_cyclic_schedule_and_keeps_one_model_per_cycle():
    assert cyclic_cosine_lr(0, 4, 0.1) == pytest.approx(0.1)
    assert cyclic_cosine_lr(2, 4, 0.1) == pytest.approx(0.05)
    assert cyclic_cosine_lr(4, 4, 0.1) == pytest.approx(0.1)      # restart
    ember.manual_seed(0)
    from ember.data import DataLoader, TensorDataset
    X = ember.randn(32, 4)
    y = ember.tensor((X.array[:, 0] > 0).astype(np.int64))
    model = nn.Linear(4, 2)
    cb = SnapshotEnsemble(cycle_epochs=2, lr_max=0.2)
    lrs = []
    trainer = ember.train.Trainer(model, ember.optim.SGD(model.parameters(), lr=1.0), progress=False,
                                  callbacks=[cb, ember.train.LambdaCallback(
                                      on_epoch_end=lambda t, e, logs: lrs.append(logs["lr"]))])
    trainer.fit(DataLoader(TensorDataset(X, y), batch_size=8), epochs=6)
    np.testing.assert_allclose(lrs, [0.2, 0.1] * 3)
    assert len(cb.snapshots) == 3
    assert not np.allclose(cb.snapshots[0].weight.array, cb.snapshots[2].weight.array)


class _Recorder(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner, self.sizes = inner, []

    def forward(self, x):
        if self.training:
            self.sizes.append(x.shape[0])
        return self.inner(x)


def test_pseudo_labels_start_after_warmup_and_fill_a_quarter_of_each_batch():
    from ember.data import datasets
    X, y = datasets.load_digits("train", random_state=0, return_X_y=True)
    ember.manual_seed(0)
    model = _Recorder(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)))
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    hist = fit_pseudo_labels(model, opt, X[:256], y[:256], X[300:800], epochs=14, warmup_epochs=12,
                             batch_size=64, pseudo_fraction=0.25, threshold=0.9)
    assert hist["n_confident"][:12] == [0] * 12 and min(hist["n_confident"][12:]) > 100
    # warm-up: batches of 64 labelled; then 48 labelled + 16 pseudo-labelled
    assert model.sizes[:48] == [64] * 48
    assert model.sizes[48:] == [48 + 16] * 5 + [256 - 5 * 48 + 16] + [48 + 16] * 5 + [256 - 5 * 48 + 16]
    idx, lab = hist["pseudo_labels"]
    assert np.mean(lab == y.array[300:800][idx]) > 0.9        # confident labels are mostly right
    with pytest.raises(ValueError, match="pseudo_fraction=1.5 must be in"):
        fit_pseudo_labels(model, opt, X[:10], y[:10], X[10:20], pseudo_fraction=1.5)
