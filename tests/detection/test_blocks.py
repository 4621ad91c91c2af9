"""Anchors, box coding and matching against torchvision 0.29.1 (fixtures/blocks.npz);
sampling, hard negative mining, bootstrapping and OHEM by their defining properties."""
import os

import numpy as np
import pytest

import ember
from ember.detection.anchors import AnchorGenerator
from ember.detection.box_coder import BoxCoder
from ember.detection.sampling import (Matcher, BalancedPositiveNegativeSampler, iou_bands,
                                      bootstrap, hard_negative_mining, ohem)

with np.load(os.path.join(os.path.dirname(__file__), "fixtures", "blocks.npz")) as _f:
    F = dict(_f)


def test_anchor_generator_38x50_map_nine_anchors():
    ag = AnchorGenerator(((32, 64, 128),), ((0.5, 1.0, 2.0),))
    a = ag(ember.zeros(1, 3, 600, 800), [ember.zeros(1, 4, 38, 50)])
    assert a[0].shape == (17100, 4) and ag.num_anchors_per_location() == [9]
    np.testing.assert_array_equal(a[0].numpy(), F["anchors"])


def test_anchor_generator_two_levels():
    ag = AnchorGenerator(((16,), (32, 64)), ((1.0, 2.0), (0.5, 1.0)))
    a = ag(ember.zeros(2, 3, 64, 96), [ember.zeros(2, 4, 8, 12), ember.zeros(2, 4, 4, 6)])
    assert len(a) == 2
    np.testing.assert_array_equal(a[0].numpy(), F["anchors2"])


def test_box_coder_matches_torchvision_and_round_trips():
    coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
    props, gts = ember.tensor(F["props"]), ember.tensor(F["gts"])
    codes = coder.encode_single(gts, props)
    np.testing.assert_allclose(codes.numpy(), F["codes"], rtol=1e-12)
    np.testing.assert_allclose(coder.decode_single(codes, props).numpy(), F["gts"], atol=1e-9)
    dec = coder.decode_single(ember.tensor(F["wild"]), props)     # includes a clamped dw
    np.testing.assert_allclose(dec.numpy(), F["decoded"], rtol=1e-12)
    assert np.isfinite(dec.numpy()).all()


def test_box_decode_is_differentiable_in_the_codes():
    coder = BoxCoder()
    props = ember.tensor([[1.0, 2.0, 5.0, 9.0]], dtype=ember.float64)
    codes = ember.tensor([[0.1, -0.2, 0.3, 0.05]], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda c: coder.decode_single(c, props), (codes,))


@pytest.mark.parametrize("low_quality, key", [(False, "match"), (True, "match_low")])
def test_matcher(low_quality, key):
    m = Matcher(0.7, 0.3, low_quality)(ember.tensor(F["quality"]))
    np.testing.assert_array_equal(m.numpy(), F[key])


def test_matcher_without_ground_truth_is_an_error():
    with pytest.raises(ValueError, match="no ground-truth boxes"):
        Matcher(0.7, 0.3)(ember.zeros(0, 5))


def test_balanced_sampler_counts_and_membership():
    labels = np.array([1] * 10 + [0] * 100 + [-1] * 20)
    pos, neg = BalancedPositiveNegativeSampler(64, 0.25, ember.Generator().manual_seed(0))([labels])
    p, n = pos[0].numpy().astype(bool), neg[0].numpy().astype(bool)
    assert p.sum() == 10 and n.sum() == 54                     # few positives: negatives fill up
    assert (labels[p] == 1).all() and (labels[n] == 0).all()
    pos, neg = BalancedPositiveNegativeSampler(8, 0.25)([labels])
    assert pos[0].numpy().sum() == 2 and neg[0].numpy().sum() == 6


def test_iou_bands_follow_the_notes():
    bands = iou_bands(np.array([0.9, 0.51, 0.5, 0.3, 0.1, 0.09, 0.0]))
    np.testing.assert_array_equal(bands, [1, 1, 0, 0, 0, -1, -1])


def test_ssd_hard_negative_mining_keeps_three_negatives_per_positive():
    loss = np.array([[0.1, 5.0, 0.3, 0.9, 0.2, 0.8, 0.7, 0.05], [1, 2, 3, 4, 5, 6, 7, 8.0]])
    labels = np.array([[2, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]])
    keep = hard_negative_mining(loss, labels, 3)
    np.testing.assert_array_equal(keep[0], [1, 1, 0, 1, 0, 1, 0, 0])   # positive + top-3 losses
    assert not keep[1].any()                                          # no positive, no negative


def test_ohem_picks_the_highest_losses_and_suppresses_duplicates():
    losses = ember.tensor([0.1, 3.0, 2.0, 0.5, 2.9])
    np.testing.assert_array_equal(ohem(losses, 2).numpy(), [1, 4])
    boxes = ember.tensor([[0, 0, 10, 10], [20, 20, 30, 30], [0, 0, 5, 5], [40, 40, 50, 50],
                          [20, 20, 30, 31.0]])
    np.testing.assert_array_equal(ohem(losses, 2, boxes, 0.7).numpy(), [1, 2])


def test_bootstrapping_adds_the_false_positives():
    # 1-D data: positives near 2, easy negatives near -3, hard negatives near 1
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(2, 0.3, 20), rng.normal(-3, 0.3, 200), rng.normal(1, 0.3, 20)])[:, None]
    y = np.array([1] * 20 + [0] * 220)
    state = {}

    def fit(Xs, ys):                     # threshold halfway between the class means
        state["t"] = (Xs[ys == 1].mean() + Xs[ys == 0].mean()) / 2

    def score(Xs):
        return Xs[:, 0] - state["t"]

    hist = bootstrap(fit, score, X, y, rounds=3, initial_negatives=20, per_round=20, seed=0)
    hard = np.arange(220, 240)
    first_hard = np.isin(hist[0], hard).sum()
    added = np.setdiff1d(hist[1], hist[0])
    assert first_hard <= 5 and np.isin(added, hard).mean() > 0.9     # round 1 mines the hard ones
