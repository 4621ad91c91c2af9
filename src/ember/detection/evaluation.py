"""COCO-style mean average precision with torchmetrics' interface:

    >>> import ember
    >>> from ember.detection import MeanAveragePrecision
    >>> m = MeanAveragePrecision()
    >>> box = ember.tensor([[10.0, 10.0, 50.0, 50.0]])
    >>> m.update([{"boxes": box, "scores": ember.tensor([0.9]), "labels": ember.tensor([1])}],
    ...          [{"boxes": box, "labels": ember.tensor([1])}])
    >>> float(m.compute()["map"])
    1.0

COCO's protocol (pycocotools' evaluate/accumulate/summarize): per image and class,
detections in decreasing score (at most max_det) are matched greedily to the unmatched
ground truth of highest IoU >= t, for t = 0.50, 0.55, ..., 0.95; ground truths outside
an area range are "ignored" (matching one neither helps nor hurts) and so are unmatched
detections outside it. Per class, precision is made monotone (the running maximum from
the right) and read at the 101 recall points 0, 0.01, ..., 1 (0 beyond the last recall
reached); AP is their mean; ``map`` averages over IoU thresholds and classes. Classes
absent from both targets and predictions are skipped; -1 marks an undefined value.
Areas: small < 32^2 <= medium < 96^2 <= large (pixels).
"""
import numpy as np

from ..autograd.tensor import Tensor, _wrap

__all__ = ["MeanAveragePrecision"]

AREAS = {"all": (0.0, 1e10), "small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2),
         "large": (96.0 ** 2, 1e10)}


def _arr(x, dtype=None):
    a = x.array if isinstance(x, Tensor) else np.asarray(x)
    return a.astype(dtype) if dtype is not None else a


def _iou(d, g):
    if not len(d) or not len(g):
        return np.zeros((len(d), len(g)))
    lt = np.maximum(d[:, None, :2], g[None, :, :2])
    rb = np.minimum(d[:, None, 2:], g[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    ad = (d[:, 2] - d[:, 0]) * (d[:, 3] - d[:, 1])
    ag = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1])
    return inter / (ad[:, None] + ag[None, :] - inter)


class MeanAveragePrecision:
    """``MeanAveragePrecision(iou_thresholds=None, rec_thresholds=None,
    max_detection_thresholds=None, class_metrics=False)``; ``update(preds, target)`` with
    lists of per-image dicts (``boxes`` (x1, y1, x2, y2), ``scores``, ``labels``);
    ``compute()`` returns a dict of 0-d Tensors: map, map_50, map_75, map_small,
    map_medium, map_large, mar_1, mar_10, mar_100, mar_small, mar_medium, mar_large,
    classes, and with ``class_metrics`` map_per_class and mar_100_per_class."""

    def __init__(self, iou_thresholds=None, rec_thresholds=None, max_detection_thresholds=None,
                 class_metrics=False):
        self.iou_thresholds = np.asarray(iou_thresholds if iou_thresholds is not None
                                         else np.linspace(0.5, 0.95, 10))
        self.rec_thresholds = np.asarray(rec_thresholds if rec_thresholds is not None
                                         else np.linspace(0.0, 1.0, 101))
        self.max_detection_thresholds = sorted(max_detection_thresholds or [1, 10, 100])
        self.class_metrics = class_metrics
        self.reset()

    def reset(self):
        self._dets, self._gts = [], []

    def update(self, preds, target):
        if len(preds) != len(target):
            raise ValueError(f"MeanAveragePrecision.update: preds has {len(preds)} images but "
                             f"target has {len(target)}")
        for i, (p, t) in enumerate(zip(preds, target)):
            for name, d, keys in (("preds", p, ("boxes", "scores", "labels")),
                                  ("target", t, ("boxes", "labels"))):
                missing = [k for k in keys if k not in d]
                if missing:
                    raise ValueError(f"MeanAveragePrecision.update: {name}[{i}] lacks {missing}")
            db, ds, dl = _arr(p["boxes"], np.float64).reshape(-1, 4), _arr(p["scores"], np.float64), _arr(p["labels"], np.int64)
            gb, gl = _arr(t["boxes"], np.float64).reshape(-1, 4), _arr(t["labels"], np.int64)
            if not (len(db) == len(ds) == len(dl)):
                raise ValueError(f"MeanAveragePrecision.update: preds[{i}] has {len(db)} boxes, "
                                 f"{len(ds)} scores and {len(dl)} labels; they must match")
            if len(gb) != len(gl):
                raise ValueError(f"MeanAveragePrecision.update: target[{i}] has {len(gb)} boxes "
                                 f"and {len(gl)} labels; they must match")
            for name, b in ((f"preds[{i}]['boxes']", db), (f"target[{i}]['boxes']", gb)):
                if not np.isfinite(b).all() or (b[:, 2:] < b[:, :2]).any():
                    raise ValueError(f"MeanAveragePrecision.update: {name} has a NaN or a box "
                                     f"with x2 < x1 or y2 < y1")
            self._dets.append((db, ds, dl))
            self._gts.append((gb, gl))

    # ---- pycocotools' evaluateImg for one image and class, all area ranges at once --------
    def _evaluate(self, det, gt, max_det):
        db, ds = det
        order = np.argsort(-ds, kind="mergesort")[:max_det]
        db, ds = db[order], ds[order]
        T = len(self.iou_thresholds)
        d_area = (db[:, 2] - db[:, 0]) * (db[:, 3] - db[:, 1])
        g_area = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
        ious_all = _iou(db, gt)
        res = {}
        for name, (lo, hi) in AREAS.items():
            g_ig = (g_area < lo) | (g_area > hi)
            gorder = np.argsort(g_ig, kind="mergesort")
            g_ig_s, ious = g_ig[gorder], ious_all[:, gorder]
            dtm = np.zeros((T, len(db)), bool)
            dt_ig = np.zeros((T, len(db)), bool)
            for ti, t in enumerate(self.iou_thresholds):
                gtm = np.zeros(len(gt), bool)
                for di in range(len(db)):
                    best, m = min(t, 1 - 1e-10), -1
                    for gi in range(len(gt)):
                        if gtm[gi]:
                            continue
                        if m > -1 and not g_ig_s[m] and g_ig_s[gi]:
                            break
                        if ious[di, gi] < best:
                            continue
                        best, m = ious[di, gi], gi
                    if m == -1:
                        continue
                    dt_ig[ti, di] = g_ig_s[m]
                    dtm[ti, di] = True
                    gtm[m] = True
            outside = (d_area < lo) | (d_area > hi)
            dt_ig |= ~dtm & outside[None, :]
            res[name] = (ds, dtm, dt_ig, int((~g_ig).sum()))
        return res

    def compute(self):
        T, R = len(self.iou_thresholds), len(self.rec_thresholds)
        labels = np.unique(np.concatenate([d[2] for d in self._dets] + [g[1] for g in self._gts]
                                          + [np.zeros(0, np.int64)]))
        M = self.max_detection_thresholds
        K, A = len(labels), len(AREAS)
        precision = -np.ones((T, R, K, A, len(M)))
        recall = -np.ones((T, K, A, len(M)))
        for k, c in enumerate(labels):
            per_img = []
            for (db, ds, dl), (gb, gl) in zip(self._dets, self._gts):
                di, gi = dl == c, gl == c
                if di.any() or gi.any():
                    per_img.append(self._evaluate((db[di], ds[di]), gb[gi], M[-1]))
            for a, name in enumerate(AREAS):
                for mi, m in enumerate(M):
                    npig = sum(e[name][3] for e in per_img)
                    if npig == 0:
                        continue
                    ds = np.concatenate([e[name][0][:m] for e in per_img])
                    order = np.argsort(-ds, kind="mergesort")
                    dtm = np.concatenate([e[name][1][:, :m] for e in per_img], 1)[:, order]
                    dig = np.concatenate([e[name][2][:, :m] for e in per_img], 1)[:, order]
                    tps = np.cumsum(dtm & ~dig, 1).astype(np.float64)
                    fps = np.cumsum(~dtm & ~dig, 1).astype(np.float64)
                    for t in range(T):
                        tp, fp = tps[t], fps[t]
                        rc = tp / npig
                        pr = tp / np.maximum(tp + fp, np.spacing(1))
                        recall[t, k, a, mi] = rc[-1] if len(rc) else 0.0
                        pr = np.maximum.accumulate(pr[::-1])[::-1] if len(pr) else pr
                        idx = np.searchsorted(rc, self.rec_thresholds, side="left")
                        q = np.zeros(R)
                        ok = idx < len(pr)
                        q[ok] = pr[idx[ok]]
                        precision[t, :, k, a, mi] = q
        return self._summarize(precision, recall, labels)

    def _summarize(self, precision, recall, labels):
        areas = list(AREAS)
        M = self.max_detection_thresholds

        def mean(x):
            x = x[x > -1]
            return float(x.mean()) if x.size else -1.0

        def ap(t=None, area="all", k=None):
            p = precision[..., areas.index(area), -1]
            if t is not None:
                p = p[np.isclose(self.iou_thresholds, t)]
            return mean(p if k is None else p[:, :, k])

        def ar(m, area="all", k=None):
            r = recall[..., areas.index(area), M.index(m)]
            return mean(r if k is None else r[:, k])

        out = {"map": ap(), "map_50": ap(0.5), "map_75": ap(0.75), "map_small": ap(area="small"),
               "map_medium": ap(area="medium"), "map_large": ap(area="large")}
        for m in M:
            out[f"mar_{m}"] = ar(m)
        out.update({f"mar_{a}": ar(M[-1], a) for a in ("small", "medium", "large")})
        res = {k: _wrap(np.asarray(v, np.float32)) for k, v in out.items()}
        if self.class_metrics:
            res["map_per_class"] = _wrap(np.asarray([ap(k=k) for k in range(len(labels))], np.float32))
            res[f"mar_{M[-1]}_per_class"] = _wrap(np.asarray([ar(M[-1], k=k) for k in range(len(labels))],
                                                             np.float32))
        res["classes"] = _wrap(labels.astype(np.int32))
        return res
