"""The lab's one helper module, ``ember.lab.claims._common``: statistics over seeds, the
training loop's batch schedule and divergence stop, evaluation, model and data builders."""
import math

import numpy as np
import pytest

import ember
from ember import nn
from ember.lab.claims._common import (digits, evaluate, fit, make_mlp, mean_std, paired_difference,
                                      stratified_subset)


def test_mean_std_is_the_sample_std_over_seeds():
    m, sd = mean_std([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and sd == pytest.approx(math.sqrt(5 / 3), rel=1e-15)      # ddof=1, not sqrt(5/4)
    assert mean_std([0.7]) == (0.7, 0.0)                                       # one seed: no spread measured
    assert all(math.isnan(v) for v in mean_std([1.0, float("nan")]))


def test_paired_difference():
    m, sd, se = paired_difference([0.01, 0.03, 0.02])
    assert m == pytest.approx(0.02) and sd == pytest.approx(0.01) and se == pytest.approx(0.01 / math.sqrt(3))
    m, sd, se = paired_difference([0.5])
    assert m == 0.5 and math.isnan(sd) and math.isnan(se)


def _batches_seen(n, **kw):
    """The rows of X = [[0], [1], ..., [n-1]] that fit trains on, batch by batch."""
    X = np.arange(n, dtype=np.float32).reshape(n, 1)
    y = np.zeros(n, dtype=np.int64)
    seen = []

    def record(xb):
        seen.append(xb[:, 0].astype(int).tolist())
        return xb
    hist = fit(nn.Linear(1, 2), X, y, "sgd", lr=0.0, transform=record, **kw)
    return seen, hist


def test_fit_epochs_walk_a_fresh_permutation_each_epoch():
    seen, hist = _batches_seen(7, epochs=2, batch_size=3, seed=5)
    rng = np.random.default_rng(5)
    p1, p2 = rng.permutation(7).tolist(), rng.permutation(7).tolist()
    assert seen == [p1[0:3], p1[3:6], p1[6:7], p2[0:3], p2[3:6], p2[6:7]]       # the short batch is kept
    assert len(hist["loss"]) == 6


def test_fit_steps_with_drop_last_and_full_batch():
    seen, hist = _batches_seen(7, steps=5, batch_size=3, drop_last=True, seed=5)
    rng = np.random.default_rng(5)
    p1, p2, p3 = (rng.permutation(7).tolist() for _ in range(3))
    assert seen == [p1[0:3], p1[3:6], p2[0:3], p2[3:6], p3[0:3]]
    seen, hist = _batches_seen(7, steps=3)
    assert seen == [list(range(7))] * 3 and len(hist["loss"]) == 3           # whole set, in order
    with pytest.raises(ValueError, match="exactly one of steps= and epochs="):
        fit(nn.Linear(1, 2), np.zeros((3, 1), np.float32), np.zeros(3, np.int64), steps=1, epochs=1)


def test_fit_stops_at_divergence_and_pads_the_losses():
    rs = np.random.default_rng(0)
    X = ember.tensor(rs.normal(size=(32, 4)).astype(np.float32) * 10)
    y = ember.tensor(rs.normal(size=(32, 1)).astype(np.float32))
    model = nn.Linear(4, 1, generator=ember.Generator().manual_seed(0))
    hist = fit(model, X, y, "sgd", lr=10.0, steps=100, loss_fn=lambda out, t: ((out - t) ** 2).mean())
    k = hist["diverged"]
    assert k is not None and 0 < k < 100
    assert len(hist["loss"]) == 100 and np.isfinite(hist["loss"][:k]).all() and np.isnan(hist["loss"][k + 1:]).all()
    assert hist["loss"][k - 1] > 1e6 * hist["loss"][0]


def test_evaluate_exact_accuracy_and_mode_left_alone():
    net = make_mlp(64, (16,), 10, seed=0, dropout=(0.5,))
    Xtr, ytr, Xte, yte = digits(seed=0, n_test=45)
    ev = evaluate(net, Xte, yte)
    k = int((ev.pred == yte.array).sum())
    assert ev.accuracy == k / 45 and isinstance(ev.accuracy, float)
    assert net.training                                      # evaluated in eval mode, left in train mode
    net.eval()
    with ember.no_grad():
        ref = net(Xte)
    assert evaluate(net, Xte.array, yte.array).loss == ev.loss and not net.training
    assert np.array_equal(ref.array.argmax(1), ev.pred)


def test_make_mlp_dropout_does_not_change_the_init():
    plain = make_mlp(64, (32, 32), 10, seed=3)
    drop = make_mlp(64, (32, 32), 10, seed=3, dropout=(0.2, 0.5, 0.5), dropout_seed=3)
    assert [type(m).__name__ for m in drop] == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU",
                                                "Dropout", "Linear"]
    assert [m.p for m in drop if isinstance(m, nn.Dropout)] == [0.2, 0.5, 0.5]
    lin_p = [m for m in plain if isinstance(m, nn.Linear)]
    lin_d = [m for m in drop if isinstance(m, nn.Linear)]
    assert all(np.array_equal(a.weight.array, b.weight.array) and np.array_equal(a.bias.array, b.bias.array)
               for a, b in zip(lin_p, lin_d))


def test_digits_shapes_and_stratified_subset():
    Xtr, ytr, Xte, yte = digits(tensors=False)
    assert Xtr.shape == (1347, 64) and Xte.shape == (450, 64) and isinstance(Xtr, np.ndarray)
    Ximg = digits(images=True, tensors=False)[0]
    assert Ximg.shape == (1347, 1, 8, 8) and np.array_equal(Ximg.reshape(1347, 64), Xtr)
    idx = stratified_subset(ytr, 150, np.random.default_rng(0))
    assert len(set(idx.tolist())) == 150 and np.bincount(ytr[idx]).tolist() == [15] * 10
    other = stratified_subset(ytr, 300, np.random.default_rng(0), exclude=idx)
    assert not set(other.tolist()) & set(idx.tolist()) and np.bincount(ytr[other]).tolist() == [30] * 10
