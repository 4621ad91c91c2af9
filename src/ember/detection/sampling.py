"""Which predictions train on which ground truth, and on which examples:

* ``Matcher`` (torchvision's): each prediction takes the ground truth it overlaps most;
  below ``low_threshold`` it is background (-1), between the thresholds it is ignored
  (-2); ``allow_low_quality_matches`` also keeps, for every ground truth, the
  predictions that are its best match even when below ``high_threshold``.
* ``BalancedPositiveNegativeSampler`` (torchvision's): a random mini-batch per image of
  at most ``positive_fraction`` positives, the rest negatives.
* R-CNN's hard negative mining with IoU bands: positives IoU > 0.5, negatives 0.1-0.5,
  hard negatives < 0.1 (:func:`iou_bands`), and bootstrapping (:func:`bootstrap`): train on
  positives and a subset of negatives, add the negatives the classifier gets wrong, train
  again, for a number of rounds (the "wrong-answer notebook").
* SSD's hard negative mining (:func:`hard_negative_mining`): keep every positive and the
  ``neg_pos_ratio`` x as many negatives with the highest loss.
* OHEM (:func:`ohem`): rank the RoIs of a batch by their loss (one forward pass for all),
  optionally remove near-duplicates by NMS on the loss, and backpropagate only the top k.
"""
import numpy as np

from ..autograd.tensor import Tensor, _wrap
from ..random import rng as _rng
from .ops.nms import nms

__all__ = ["Matcher", "BalancedPositiveNegativeSampler", "iou_bands", "bootstrap",
           "hard_negative_mining", "ohem", "POSITIVE", "NEGATIVE", "HARD_NEGATIVE"]


def _array(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


class Matcher:
    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2

    def __init__(self, high_threshold, low_threshold, allow_low_quality_matches=False):
        if not 0 <= low_threshold <= high_threshold:
            raise ValueError(f"Matcher: low_threshold={low_threshold} must be in [0, "
                             f"high_threshold={high_threshold}]")
        self.high_threshold, self.low_threshold = high_threshold, low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality_matrix):
        """``match_quality_matrix``: [M ground truths, N predictions] (IoUs). Returns
        Tensor[N] int64: the matched ground truth, or -1 (background) / -2 (ignored)."""
        q = _array(match_quality_matrix)
        if q.ndim != 2:
            raise ValueError(f"Matcher: match_quality_matrix must be [M, N], got shape {q.shape}")
        if q.shape[0] == 0:
            raise ValueError("Matcher: match_quality_matrix has no rows: no ground-truth boxes "
                             "available for one of the images during training")
        vals, matches = q.max(0), q.argmax(0).astype(np.int64)
        original = matches.copy()
        matches[vals < self.low_threshold] = self.BELOW_LOW_THRESHOLD
        matches[(vals >= self.low_threshold) & (vals < self.high_threshold)] = self.BETWEEN_THRESHOLDS
        if self.allow_low_quality_matches:
            best = q.max(1)
            upd = np.nonzero(q == best[:, None])[1]
            matches[upd] = original[upd]
        return _wrap(matches)


class BalancedPositiveNegativeSampler:
    """``__call__(matched_idxs)`` with per-image label Tensors (>= 1 positive, 0 negative,
    -1 ignored) returns two lists of uint8 masks (positives, negatives)."""

    def __init__(self, batch_size_per_image, positive_fraction, generator=None):
        if batch_size_per_image < 1 or not 0 <= positive_fraction <= 1:
            raise ValueError(f"BalancedPositiveNegativeSampler: batch_size_per_image="
                             f"{batch_size_per_image} must be >= 1 and positive_fraction="
                             f"{positive_fraction} in [0, 1]")
        self.batch_size_per_image, self.positive_fraction = batch_size_per_image, positive_fraction
        self.generator = generator

    def __call__(self, matched_idxs):
        rng = _rng(self.generator)
        pos_out, neg_out = [], []
        for m in matched_idxs:
            m = _array(m)
            pos, neg = np.flatnonzero(m >= 1), np.flatnonzero(m == 0)
            n_pos = min(len(pos), int(self.batch_size_per_image * self.positive_fraction))
            n_neg = min(len(neg), self.batch_size_per_image - n_pos)
            pm, nm = np.zeros(len(m), np.uint8), np.zeros(len(m), np.uint8)
            pm[rng.permutation(pos)[:n_pos]] = 1
            nm[rng.permutation(neg)[:n_neg]] = 1
            pos_out.append(_wrap(pm))
            neg_out.append(_wrap(nm))
        return pos_out, neg_out


POSITIVE, NEGATIVE, HARD_NEGATIVE = 1, 0, -1


def iou_bands(max_iou, positive=0.5, negative=(0.1, 0.5)):
    """R-CNN's bands on each region's best IoU with a ground truth: POSITIVE (1) above
    ``positive``, NEGATIVE (0) within ``negative`` = [lo, hi], HARD_NEGATIVE (-1) below lo
    (the pool that bootstrapping mines from). Returns an int64 array."""
    iou = _array(max_iou)
    lo, hi = negative
    if not 0 <= lo <= hi <= positive:
        raise ValueError(f"iou_bands: need 0 <= negative[0] <= negative[1] <= positive, got "
                         f"negative={negative}, positive={positive}")
    out = np.full(iou.shape, HARD_NEGATIVE, np.int64)
    out[(iou >= lo) & (iou <= hi)] = NEGATIVE
    out[iou > positive] = POSITIVE
    return out


def bootstrap(fit, score, features, labels, rounds=3, initial_negatives=None, per_round=None,
              seed=0):
    """Bootstrapped hard negative mining (R-CNN): ``fit(X, y)`` trains a classifier,
    ``score(X)`` returns its positive-class scores. Round 0 trains on every positive and
    ``initial_negatives`` random negatives; each later round adds the ``per_round``
    highest-scoring negatives not yet used (false positives first) and retrains.
    Returns the list of used negative index arrays, one per round."""
    X, y = np.asarray(features), np.asarray(labels)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y != 1)
    rng = np.random.default_rng(seed)
    k0 = len(pos) if initial_negatives is None else initial_negatives
    per_round = per_round or max(k0, 1)
    used = rng.permutation(neg)[:k0]
    history = []
    for r in range(rounds):
        idx = np.concatenate([pos, used])
        fit(X[idx], (y[idx] == 1).astype(np.int64))
        history.append(used.copy())
        if r == rounds - 1:
            break
        rest = np.setdiff1d(neg, used)
        if not len(rest):
            break
        s = np.asarray(score(X[rest]))
        used = np.concatenate([used, rest[np.argsort(-s, kind="stable")[:per_round]]])
    return history


def hard_negative_mining(loss, labels, neg_pos_ratio=3):
    """SSD: a boolean mask of every positive (label > 0) and the ``neg_pos_ratio`` x
    (number of positives) negatives (label == 0) with the highest ``loss``, per row of a
    [N, A] batch (or for one [A] vector)."""
    L, y = _array(loss), _array(labels)
    if L.shape != y.shape:
        raise ValueError(f"hard_negative_mining: loss has shape {L.shape} but labels {y.shape}")
    squeeze = L.ndim == 1
    L, y = np.atleast_2d(L), np.atleast_2d(y)
    pos = y > 0
    n_neg = np.minimum(neg_pos_ratio * pos.sum(1, keepdims=True), (y == 0).sum(1, keepdims=True))
    neg_loss = np.where(y == 0, L, -np.inf)
    rank = np.argsort(np.argsort(-neg_loss, axis=1, kind="stable"), axis=1, kind="stable")
    keep = pos | ((rank < n_neg) & (y == 0))
    return keep[0] if squeeze else keep


def ohem(losses, batch_size, boxes=None, nms_threshold=0.7):
    """Online hard example mining: indices of the ``batch_size`` RoIs with the highest loss
    (after NMS on the losses when ``boxes`` are given, so overlapping RoIs do not count
    twice). Take ``losses[idx].mean()`` to backpropagate through only those."""
    L = _array(losses).astype(np.float64).ravel()
    if boxes is not None:
        order = nms(boxes, _wrap(L), nms_threshold).array
    else:
        order = np.argsort(-L, kind="stable")
    return _wrap(order[:batch_size].astype(np.int64))
