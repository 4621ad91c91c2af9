"""Detection claims: RoI Align against RoI pooling, PrRoI's box gradients, bounding-box
regression, hard negative mining, OHEM, focal loss on easy examples, SSD on small
objects, smooth L1 against outliers, anchor coverage and selective search's recall.

Data: the synthetic shapes of :mod:`ember.detection.shapes` (64 x 64 images, squares,
circles and triangles of 5-34 pixels on textured backgrounds). Nothing here uses torch.
"""
import numpy as np

import ember
import ember.nn.functional as F
from ember.detection import ops
from ember.detection.anchors import AnchorGenerator
from ember.detection.box_coder import BoxCoder
from ember.detection.sampling import bootstrap, ohem as ohem_select
from ember.detection.selective_search import selective_search
from ember.detection.shapes import make_shapes
from ember.lab.core import Result, claim, verdict

from ._common import figure, single_thread

SOURCE = "note 001 Q17-Q19, Q33, Q34; note 002 (SSD, focal loss)"


def _smooth_map(rng, size, channels=1):
    """A random feature map with structure at several scales (blurred noise)."""
    x = rng.standard_normal((1, channels, size, size))
    k = np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2)
    k /= k.sum()
    pad = np.pad(x, ((0, 0), (0, 0), (4, 4), (4, 4)), mode="reflect")
    x = sum(k[i] * pad[:, :, i:i + size, :] for i in range(9))
    x = sum(k[i] * x[:, :, :, i:i + size] for i in range(9))
    return x / x.std()


def _random_rois(rng, n, size, lo=3.0, hi=14.0):
    xy = rng.uniform(0, size - hi - 1, (n, 2))
    wh = rng.uniform(lo, hi, (n, 2))
    return np.concatenate([np.zeros((n, 1)), xy, xy + wh], 1)


# -------------------------------------------------------------------------------------------
@claim(id="roi-align-vs-pool", topic="detection", concepts=("det.roi_align", "det.roi_pool", "det.prroi_pool"),
       question="Why does RoI Align replace RoI pooling?",
       statement="RoI pooling rounds the box and its bins to whole feature cells (two quantisations), so a "
                 "bin reads a misplaced window; RoI Align samples the feature map bilinearly at the exact "
                 "positions and is far closer to the true average of the feature over each bin.",
       source=SOURCE,
       method="Random smooth feature maps and RoIs with fractional coordinates; the reference is the exact "
              "integral of the bilinear surface over each bin (PrRoI pooling, checked against numerical "
              "integration in the tests). Compare the quantised average (RoI pooling's rounded box and "
              "floor/ceil bins, averaged) and RoI Align (2x2 and adaptive samples) with it.")
@single_thread()
def roi_align_vs_pool(seed, fast):
    rng = np.random.default_rng(seed)
    size, P = 32, 4
    x = _smooth_map(rng, size)
    rois = _random_rois(rng, 60 if fast else 400, size)
    xt, rt = ember.tensor(x), ember.tensor(rois)
    exact = ops.prroi_pool(xt, rt, P).numpy()
    align2 = ops.roi_align(xt, rt, P, 1.0, 2).numpy()
    align_ad = ops.roi_align(xt, rt, P, 1.0, -1).numpy()
    quant = np.zeros_like(exact)
    for k, (_, x1, y1, x2, y2) in enumerate(rois):           # RoI pooling's windows, averaged
        x1, y1, x2, y2 = (int(np.floor(v + 0.5)) for v in (x1, y1, x2, y2))
        bh, bw = max(y2 - y1 + 1, 1) / P, max(x2 - x1 + 1, 1) / P
        for p in range(P):
            for q in range(P):
                hs, he = y1 + int(np.floor(p * bh)), y1 + int(np.ceil((p + 1) * bh))
                ws, we = x1 + int(np.floor(q * bw)), x1 + int(np.ceil((q + 1) * bw))
                quant[k, 0, p, q] = x[0, 0, hs:he, ws:we].mean()
    err = {name: float(np.abs(v - exact).mean()) for name, v in
           (("roi_pool_quantised", quant), ("roi_align_2x2", align2), ("roi_align_adaptive", align_ad))}
    ratio = err["roi_pool_quantised"] / err["roi_align_2x2"]
    ok = ratio > 3
    num = {"rois": len(rois), "bins": P * P, "mean_abs_error_vs_exact": err,
           "pool_over_align_error": ratio, "feature_std": 1.0}
    fig, ax = figure()
    ax.bar(list(err), list(err.values()), color=["tab:red", "tab:blue", "tab:cyan"])
    ax.set_ylabel("mean |bin - exact integral| (feature std = 1)")
    ax.set_title("error against the exact bin average")
    return Result(verdict(ok), "RoI pooling's quantised bins are > 3x further from the exact bin average "
                  "than RoI Align's 2x2 bilinear samples", num, {"errors": fig},
                  f"mean abs error: quantised {err['roi_pool_quantised']:.3f}, align 2x2 "
                  f"{err['roi_align_2x2']:.3f}, adaptive {err['roi_align_adaptive']:.3f} ({ratio:.1f}x).")


# -------------------------------------------------------------------------------------------
@claim(id="prroi-gradients", topic="detection", concepts=("det.prroi_pool",),
       question="What does Precise RoI pooling (IoU-Net) add over RoI Align?",
       statement="PrRoI pooling integrates the bilinear surface exactly over each bin, so its output is a "
                 "smooth function of the box coordinates with a gradient that can refine the box; RoI Align "
                 "(and RoI pooling) give no gradient with respect to the coordinates.",
       source=SOURCE,
       method="Differentiate PrRoI's output with respect to the box coordinates by backpropagation and "
              "compare with central finite differences; ask RoI Align for the same gradient; refine "
              "jittered boxes by gradient ascent on PrRoI's output over a bright square (IoU before/after).")
@single_thread()
def prroi_gradients(seed, fast):
    rng = np.random.default_rng(seed)
    x = ember.tensor(_smooth_map(rng, 24, 2))
    box = ember.tensor(_random_rois(rng, 1, 24, 5, 12)[:, 1:], requires_grad=True)
    ops.prroi_pool(x, [box], 3).sum().backward()
    g = box.grad.numpy()[0]
    num_g = np.zeros(4)
    for i in range(4):
        e = np.zeros((1, 4))
        e[0, i] = 1e-5
        f = [ops.prroi_pool(x, [ember.tensor(box.detach().numpy() + s * e)], 3).numpy().sum() for s in (1, -1)]
        num_g[i] = (f[0] - f[1]) / 2e-5
    rel = float(np.abs(g - num_g).max() / np.abs(num_g).max())
    b2 = ember.tensor(box.detach().numpy(), requires_grad=True)
    out = ops.roi_align(x, [b2], 3)
    if out.requires_grad:                     # the output is not connected to the box at all
        out.sum().backward()
    align_grad = None if b2.grad is None else float(np.abs(b2.grad.numpy()).max())
    # refine: a bright square on a dark map; maximise mean inside minus mean of a surrounding ring
    img = np.zeros((1, 1, 32, 32))
    img[0, 0, 10:22, 8:20] = 1.0
    gt = np.array([[8.0, 10.0, 20.0, 22.0]]) - 0.5
    before, after = [], []
    for _ in range(2 if fast else 12):
        jit = gt + rng.normal(0, 1.5, (1, 4))
        b = ember.tensor(jit, requires_grad=True)
        opt = ember.optim.Adam([b], lr=0.1)
        for _ in range(40 if fast else 120):
            ring = ember.cat([b[:, :2] - 2, b[:, 2:] + 2], 1)
            score = ops.prroi_pool(ember.tensor(img), [b], 1).sum() - ops.prroi_pool(ember.tensor(img), [ring], 1).sum()
            opt.zero_grad()
            (-score).backward()
            opt.step()
            a = b.array                                   # keep x1 < x2, y1 < y2
            a[:, 2:] = np.maximum(a[:, 2:], a[:, :2] + 1.0)
        before.append(float(_pair_iou(jit, gt)[0]))
        after.append(float(_pair_iou(b.detach().numpy(), gt)[0]))
    ok = rel < 1e-4 and not align_grad and np.mean(after) > np.mean(before) + 0.1
    num = {"prroi_box_grad": g.tolist(), "finite_difference": num_g.tolist(), "max_rel_error": rel,
           "roi_align_box_grad": align_grad, "iou_before_refinement": float(np.mean(before)),
           "iou_after_refinement": float(np.mean(after))}
    fig, ax = figure(ncols=2)
    shifts = np.linspace(-2, 2, 81)
    base = box.detach().numpy()
    for name, fn in (("PrRoI", lambda bb: ops.prroi_pool(x, [bb], 3)),
                     ("RoI pool", lambda bb: ops.roi_pool(x, ember.cat([ember.zeros(1, 1, dtype=ember.float64), bb], 1), 3))):
        ax[0].plot(shifts, [fn(ember.tensor(base + [[s, 0, 0, 0]])).numpy().sum() for s in shifts], label=name)
    ax[0].set_xlabel("shift of x1 (cells)")
    ax[0].set_ylabel("sum of the pooled bins")
    ax[0].legend()
    ax[1].bar(["before", "after"], [np.mean(before), np.mean(after)])
    ax[1].set_ylabel("IoU with the square")
    ax[1].set_title("box refined by PrRoI's gradient")
    return Result(verdict(ok), "backpropagated box gradient of PrRoI equals finite differences to < 1e-4; "
                  "RoI Align gives none; gradient ascent raises the mean IoU of jittered boxes by > 0.1",
                  num, {"gradients": fig},
                  f"max relative error {rel:.1e}; RoI Align box gradient: {align_grad}; IoU "
                  f"{np.mean(before):.2f} -> {np.mean(after):.2f} after refinement.")


# -------------------------------------------------------------------------------------------
@claim(id="focal-loss-easy-examples", topic="detection", concepts=("loss.focal", "det.ssd"),
       question="Why does focal loss help one-stage detectors?",
       statement="A dense detector scores ~10^4-10^5 anchors per image, almost all easy background; with "
                 "cross-entropy their many small losses still dominate the total, while focal loss "
                 "(1 - p_t)^gamma shrinks them so that the few hard examples and positives carry the loss.",
       source=SOURCE,
       method="Logits of a dense detector's anchors: 0.5% positives, 99% of the negatives easy "
              "(logit ~ N(-4.5, 1)) and 1% hard (logit ~ N(0, 1.5)); the share of the summed loss that comes from easy negatives (p_t > 0.9) "
              "under binary cross-entropy and under focal loss (gamma 2, alpha 0.25).")
def focal_loss_easy_examples(seed, fast):
    rng = np.random.default_rng(seed)
    n = 20_000 if fast else 200_000
    y = (rng.uniform(size=n) < 0.005).astype(np.float64)
    z = np.where(y == 1, rng.normal(0.0, 1.5, n), np.where(rng.uniform(size=n) < 0.99,
                                                         rng.normal(-4.5, 1.0, n), rng.normal(0.0, 1.5, n)))
    zt, yt = ember.tensor(z), ember.tensor(y)
    ce = F.binary_cross_entropy_with_logits(zt, yt, reduction="none").numpy()
    fl = ops.sigmoid_focal_loss(zt, yt, 0.25, 2.0).numpy()
    p = 1 / (1 + np.exp(-z))
    easy = (y == 0) & (1 - p > 0.9)
    share = {"cross_entropy": float(ce[easy].sum() / ce.sum()), "focal": float(fl[easy].sum() / fl.sum())}
    pos_share = {"cross_entropy": float(ce[y == 1].sum() / ce.sum()), "focal": float(fl[y == 1].sum() / fl.sum())}
    ok = share["cross_entropy"] > pos_share["cross_entropy"] and share["focal"] < 0.05
    num = {"anchors": n, "positives": int(y.sum()), "easy_negatives": int(easy.sum()),
           "easy_share_of_loss": share, "positive_share_of_loss": pos_share}
    fig, ax = figure()
    ax.bar(list(share), list(share.values()), color=["tab:gray", "tab:orange"])
    ax.set_ylabel("share of the total loss from easy negatives")
    return Result(verdict(ok), "easy negatives carry more of the cross-entropy than all positives together, but < 5% of "
                  "the focal loss",
                  num, {"loss-share": fig},
                  f"easy negatives ({easy.mean():.0%} of anchors) give {share['cross_entropy']:.0%} of the "
                  f"cross-entropy and {share['focal']:.1%} of the focal loss.")


# -------------------------------------------------------------------------------------------
@claim(id="smooth-l1-outliers", topic="detection", concepts=("loss.smooth_l1", "det.box_coder"),
       question="Why does Fast R-CNN regress boxes with smooth L1 rather than L2?",
       statement="Smooth L1 is quadratic near zero and linear beyond, so an outlier's gradient is bounded "
                 "(|d| <= 1) instead of growing with the error: a few wild targets pull an L2 fit away but "
                 "barely move a smooth-L1 fit.",
       source=SOURCE,
       method="Fit y = a x + b by gradient descent on data with 10% gross outliers under L2 and under "
              "smooth L1 (beta 1); compare the fitted parameters with the true ones and the largest "
              "per-sample gradient.")
@single_thread()
def smooth_l1_outliers(seed, fast):
    rng = np.random.default_rng(seed)
    n = 200
    xs = rng.uniform(-2, 2, n)
    ys = 2.0 * xs + 1.0 + rng.normal(0, 0.1, n)
    out = rng.uniform(size=n) < 0.1
    ys[out] += rng.uniform(8, 15, out.sum())
    X, Y = ember.tensor(xs), ember.tensor(ys)
    res = {}
    for name, loss_fn in (("l2", lambda p, t: F.mse_loss(p, t, reduction="none")),
                          ("smooth_l1", lambda p, t: F.smooth_l1_loss(p, t, reduction="none", beta=1.0))):
        w = ember.zeros(2, dtype=ember.float64, requires_grad=True)
        opt = ember.optim.Adam([w], lr=0.05)
        for _ in range(300 if fast else 1000):
            loss = loss_fn(w[0] * X + w[1], Y).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        pred = (w[0] * X + w[1]).detach().requires_grad_()
        loss_fn(pred, Y).sum().backward()
        res[name] = {"slope": float(w[0].item()), "intercept": float(w[1].item()),
                     "param_error": float(np.hypot(w[0].item() - 2, w[1].item() - 1)),
                     "max_sample_grad": float(np.abs(pred.grad.numpy()).max())}
    ok = res["smooth_l1"]["param_error"] < res["l2"]["param_error"] / 3 and res["smooth_l1"]["max_sample_grad"] <= 1.0
    fig, ax = figure()
    ax.scatter(xs, ys, s=6, c=np.where(out, "tab:red", "tab:gray"))
    grid = np.linspace(-2, 2, 10)
    for name, c in (("l2", "tab:red"), ("smooth_l1", "tab:blue")):
        ax.plot(grid, res[name]["slope"] * grid + res[name]["intercept"], c, label=name)
    ax.plot(grid, 2 * grid + 1, "k--", label="true")
    ax.legend()
    return Result(verdict(ok), "smooth L1's parameter error is < 1/3 of L2's and no sample's gradient "
                  "exceeds 1", {"outliers": int(out.sum()), **res}, {"fits": fig},
                  f"parameter error: L2 {res['l2']['param_error']:.2f}, smooth L1 "
                  f"{res['smooth_l1']['param_error']:.2f}; largest per-sample gradient L2 "
                  f"{res['l2']['max_sample_grad']:.1f} vs smooth L1 {res['smooth_l1']['max_sample_grad']:.1f}.")


# -------------------------------------------------------------------------------------------
@claim(id="anchor-coverage", topic="detection", concepts=("det.anchors", "det.iou"),
       question="Why 3 scales x 3 aspect ratios of anchors per cell?",
       statement="Objects come in many sizes and shapes; a ground truth is only learnable by the RPN if "
                 "some anchor overlaps it well (IoU >= 0.5 or 0.7), and several sizes per cell raise that "
                 "recall far more than one size can.",
       source=SOURCE,
       method="On the synthetic shapes (5-34 px objects, 64 x 64 images, a stride-4 map), the share of "
              "ground-truth boxes whose best anchor reaches IoU 0.5 / 0.7, for anchor sets from one size "
              "and ratio to several sizes x ratios.")
def anchor_coverage(seed, fast):
    _, boxes, _ = make_shapes(60 if fast else 400, seed=seed)
    gt = ember.tensor(np.concatenate(boxes).astype(np.float64))
    configs = {"1 size x 1 ratio": ((16,), (1.0,)), "1 size x 3 ratios": ((16,), (0.5, 1.0, 2.0)),
               "3 sizes x 1 ratio": ((8, 16, 32), (1.0,)), "3 sizes x 3 ratios": ((8, 16, 32), (0.5, 1.0, 2.0)),
               "5 sizes x 1 ratio": ((6, 9, 14, 21, 32), (1.0,))}
    res = {}
    for name, (sizes, ratios) in configs.items():
        ag = AnchorGenerator((sizes,), (ratios,))
        a = ag(ember.zeros(1, 3, 64, 64), [ember.zeros(1, 1, 16, 16)])[0].double()
        best = ops.box_iou(gt, a).numpy().max(1)
        res[name] = {"anchors": int(a.shape[0]), "recall_at_0.5": float((best >= 0.5).mean()),
                     "recall_at_0.7": float((best >= 0.7).mean())}
    gain = res["3 sizes x 1 ratio"]["recall_at_0.7"] - res["1 size x 1 ratio"]["recall_at_0.7"]
    ok = gain > 0.2 and res["3 sizes x 3 ratios"]["recall_at_0.5"] >= res["1 size x 1 ratio"]["recall_at_0.5"]
    fig, ax = figure(size=(6.5, 3.6))
    names = list(res)
    for t, c in (("recall_at_0.5", "tab:blue"), ("recall_at_0.7", "tab:orange")):
        ax.plot(range(len(names)), [res[n][t] for n in names], "o-", color=c, label=t)
    ax.set_xticks(range(len(names)), [f"{n}\n({res[n]['anchors']})" for n in names], fontsize=7)
    ax.set_ylabel("ground truths covered")
    ax.legend()
    return Result(verdict(ok), "three sizes raise the recall at IoU 0.7 by > 0.2 over one size",
                  {"ground_truths": int(gt.shape[0]), **res}, {"coverage": fig},
                  f"recall@0.7: one anchor per cell {res['1 size x 1 ratio']['recall_at_0.7']:.2f}, 3 sizes "
                  f"{res['3 sizes x 1 ratio']['recall_at_0.7']:.2f}, 3x3 {res['3 sizes x 3 ratios']['recall_at_0.7']:.2f}.")


# -------------------------------------------------------------------------------------------
@claim(id="selective-search-recall", topic="detection", concepts=("det.selective_search",),
       question="How does selective search find object proposals, and how many does it need?",
       statement="Grouping an over-segmentation hierarchically by colour, texture, size and fill yields a few "
                 "hundred class-agnostic boxes that cover nearly every object at IoU 0.5.",
       source=SOURCE,
       method="selective_search(mode='fast') (and 'quality' in full mode) on synthetic shapes images; "
              "recall of the ground truths at IoU 0.5 against the number of top-ranked proposals kept.")
def selective_search_recall(seed, fast):
    images, boxes, _ = make_shapes(4 if fast else 30, seed=seed + 1)
    ks = [1, 2, 5, 10, 20, 50, 100, 200, 100000]
    res = {}
    for mode in (("fast",) if fast else ("fast", "quality")):
        hits, counts = [], []
        for img, b in zip(images, boxes):
            p = selective_search(img, mode, seed=seed).double()
            counts.append(p.shape[0])
            iou = ops.box_iou(ember.tensor(b.astype(np.float64)), p).numpy()
            hits.append([(iou[:, :k].max(1) >= 0.5) for k in ks])
        rec = [float(np.concatenate([h[i] for h in hits]).mean()) for i in range(len(ks))]
        res[mode] = {"proposals_per_image": float(np.mean(counts)),
                     "recall_at_0.5": dict(zip(["all" if k == 100000 else str(k) for k in ks], rec))}
    r = res["fast"]["recall_at_0.5"]
    ok = r["all"] >= 0.9 and r["all"] > r["5"]
    fig, ax = figure()
    for mode in res:
        ax.plot([min(k, res[mode]["proposals_per_image"]) for k in ks], list(res[mode]["recall_at_0.5"].values()),
                "o-", label=mode)
    ax.set_xscale("log")
    ax.set_xlabel("proposals kept per image")
    ax.set_ylabel("recall at IoU 0.5")
    ax.legend()
    return Result(verdict(ok), "with all its proposals (fast mode) selective search recalls >= 90% of the "
                  "objects at IoU 0.5, more than its top 5", {"images": len(images), **res}, {"recall": fig},
                  f"fast: {res['fast']['proposals_per_image']:.0f} proposals/image, recall "
                  f"{r['5']:.2f} at 5, {r['all']:.2f} with all.")


# -------------------------------------------------------------------------------------------
# region features for the R-CNN-style experiments: RoI Align of the pixels around a box and
# how far each sample is from the box border's mean colour (a crude foreground map)
# -------------------------------------------------------------------------------------------
def _jitter(boxes, rng, k, sigma):
    b = np.repeat(boxes, k, 0).astype(np.float64)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    cx = b[:, 0] + w / 2 + rng.normal(0, sigma, len(b)) * w
    cy = b[:, 1] + h / 2 + rng.normal(0, sigma, len(b)) * h
    w, h = w * np.exp(rng.normal(0, sigma, len(b))), h * np.exp(rng.normal(0, sigma, len(b)))
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


def _region_features(images, idx, props, S=8):
    w, h = props[:, 2] - props[:, 0], props[:, 3] - props[:, 1]
    ctx = props + np.stack([-w, -h, w, h], 1) * 0.25
    x = ember.tensor(images.transpose(0, 3, 1, 2).astype(np.float64))
    f = ops.roi_align(x, ember.tensor(np.concatenate([idx[:, None].astype(np.float64), ctx], 1)), S, 1.0, 2,
                      True).numpy()
    border = np.concatenate([f[:, :, 0], f[:, :, -1], f[:, :, :, 0], f[:, :, :, -1]], 2).mean(2)
    fg = np.sqrt(((f - border[:, :, None, None]) ** 2).sum(1)).reshape(len(f), -1)
    return np.concatenate([fg / (fg.max(1, keepdims=True) + 1e-6), np.ones((len(f), 1))], 1)


def _pair_iou(a, b):
    lt, rb = np.maximum(a[:, :2], b[:, :2]), np.minimum(a[:, 2:], b[:, 2:])
    inter = np.clip(rb - lt, 0, None).prod(1)
    area = lambda z: np.clip(z[:, 2:] - z[:, :2], 0, None).prod(1)   # noqa: E731
    return inter / (area(a) + area(b) - inter)


def _regions(n, seed, per_image=40):
    """Random boxes and jittered ground truths on shapes images, with each one's best IoU."""
    rng = np.random.default_rng(seed)
    images, boxes, _ = make_shapes(n, seed=seed)
    P, I, best = [], [], []
    for i, b in enumerate(boxes):
        side = np.minimum(rng.uniform(5, 34, (per_image, 1)) * np.exp(rng.normal(0, 0.2, (per_image, 2))), 60)
        xy = rng.uniform(0, 64 - side)
        p = np.concatenate([np.concatenate([xy, xy + side], 1), _jitter(b, rng, 3, 0.2)])
        P.append(p)
        I.append(np.full(len(p), i))
        best.append(ops.box_iou(ember.tensor(p), ember.tensor(b.astype(np.float64))).numpy().max(1))
    P, I, best = map(np.concatenate, (P, I, best))
    return _region_features(images, I, P), best


def _ap(y, s):
    """Average precision (scikit-learn's definition: the mean of the precision at each
    positive, ranked by decreasing score; scores here are continuous, without ties)."""
    y = np.asarray(y)[np.argsort(-np.asarray(s), kind="stable")]
    hits = np.cumsum(y)
    return float((hits[y == 1] / (np.flatnonzero(y == 1) + 1)).mean())


@claim(id="bbox-regression", topic="detection", concepts=("det.box_coder", "det.roi_align"),
       question="What does R-CNN's bounding-box regression do?",
       statement="A regressor from a proposal's features to the offsets (tx, ty, tw, th) of its ground truth "
                 "moves imprecise proposals onto the objects: their IoU with the ground truth rises.",
       source=SOURCE,
       method="Jitter the ground-truth boxes of synthetic shapes images into proposals (IoU mostly 0.4-0.8); "
              "features: RoI Align of the pixels around the proposal, as distance from the border colour "
              "(8x8); ridge regression (as R-CNN) to BoxCoder targets; mean IoU of held-out proposals before "
              "and after decoding the predicted offsets.")
@single_thread()
def bbox_regression(seed, fast):
    rng = np.random.default_rng(seed)
    coder = BoxCoder()

    def split(n, s):
        images, boxes, _ = make_shapes(n, seed=s)
        G = np.concatenate(boxes).astype(np.float64)
        I = np.concatenate([np.full(len(b), i) for i, b in enumerate(boxes)])
        G, I = np.repeat(G, 4, 0), np.repeat(I, 4)
        P = _jitter(G, rng, 1, 0.15)
        return _region_features(images, I, P), P, G

    Xtr, Ptr, Gtr = split(60 if fast else 400, seed)
    Xte, Pte, Gte = split(40 if fast else 200, seed + 1)
    T = coder.encode_single(ember.tensor(Gtr), ember.tensor(Ptr)).numpy()
    W = np.linalg.solve(Xtr.T @ Xtr + np.eye(Xtr.shape[1]), Xtr.T @ T)
    dec = coder.decode_single(ember.tensor(Xte @ W), ember.tensor(Pte)).numpy()
    before, after = _pair_iou(Pte, Gte), _pair_iou(dec, Gte)
    ok = after.mean() > before.mean() + 0.05
    num = {"train_proposals": len(Ptr), "test_proposals": len(Pte), "mean_iou_before": float(before.mean()),
           "mean_iou_after": float(after.mean()), "share_iou_0.7_before": float((before >= 0.7).mean()),
           "share_iou_0.7_after": float((after >= 0.7).mean())}
    fig, ax = figure()
    ax.hist([before, after], bins=20, range=(0, 1), label=["proposals", "after regression"])
    ax.set_xlabel("IoU with the ground truth")
    ax.legend()
    return Result(verdict(ok), "mean IoU of held-out proposals rises by > 0.05 after regression", num,
                  {"iou": fig}, f"mean IoU {before.mean():.2f} -> {after.mean():.2f}; IoU >= 0.7: "
                  f"{(before >= 0.7).mean():.0%} -> {(after >= 0.7).mean():.0%}.")


@claim(id="hard-negative-mining", topic="detection", concepts=("det.hard_negative",),
       question="What is R-CNN's hard negative mining?",
       statement="Most negative regions are easy background; training on them alone teaches little. "
                 "Bootstrapping (train, add the negatives the classifier scores highest, retrain) gives a "
                 "better object/background classifier than the same number of random negatives.",
       source=SOURCE,
       method="Regions of synthetic shapes images (random boxes and jittered ground truths) labelled by the "
              "notes' IoU bands (positive > 0.5; negatives below); a ridge classifier on region features, "
              "trained on all positives and either N random negatives or N negatives chosen by 3 rounds of "
              "bootstrapping; average precision on held-out regions (negatives with IoU < 0.5).")
@single_thread()
def hard_negative_mining(seed, fast):
    from ember.detection.sampling import iou_bands
    Xtr, btr = _regions(25 if fast else 300, seed)
    Xte, bte = _regions(20 if fast else 150, seed + 1)
    ytr, yte = (iou_bands(btr) == 1).astype(int), (iou_bands(bte) == 1).astype(int)
    n_pos = int(ytr.sum())
    state = {}

    def fit(X, y):
        t = np.where(y == 1, 1.0, -1.0)
        state["w"] = np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ t)

    def score(X):
        return X @ state["w"]

    budget = n_pos
    hist = bootstrap(fit, score, Xtr, ytr, rounds=3, initial_negatives=budget // 3, per_round=budget // 3, seed=seed)
    ap_mined = _ap(yte, score(Xte))
    neg = np.flatnonzero(ytr == 0)
    rng = np.random.default_rng(seed)
    aps_random = []
    for r in range(5):
        idx = np.concatenate([np.flatnonzero(ytr == 1), rng.permutation(neg)[:len(hist[-1])]])
        fit(Xtr[idx], ytr[idx])
        aps_random.append(_ap(yte, score(Xte)))
    ap_random = float(np.mean(aps_random))
    ok = ap_mined > ap_random
    num = {"positives": n_pos, "negatives_used": len(hist[-1]), "negative_pool": len(neg),
           "ap_bootstrapped": ap_mined, "ap_random_negatives": ap_random, "ap_random_runs": aps_random,
           "hard_share_of_mined": float((btr[hist[-1]] >= 0.1).mean()),
           "hard_share_of_pool": float((btr[neg] >= 0.1).mean())}
    fig, ax = figure()
    ax.bar(["random negatives", "bootstrapped"], [ap_random, ap_mined], color=["tab:gray", "tab:green"])
    ax.set_ylabel("average precision (held-out regions)")
    return Result(verdict(ok), "bootstrapped negatives give a higher held-out AP than as many random ones",
                  num, {"ap": fig}, f"AP {ap_random:.3f} (random) vs {ap_mined:.3f} (mined); the mined set "
                  f"has {num['hard_share_of_mined']:.0%} negatives with IoU >= 0.1 (pool "
                  f"{num['hard_share_of_pool']:.0%}).")


@claim(id="ohem", topic="detection", concepts=("det.ohem",),
       question="What is online hard example mining (OHEM)?",
       statement="Ranking the RoIs of each batch by their current loss and backpropagating only the top k "
                 "trains a better classifier than backpropagating k random RoIs, at the same cost per step.",
       source=SOURCE,
       method="Region features and IoU-band labels as in hard-negative-mining; a small MLP trained by SGD "
              "for the same number of steps, each step computing the loss of 256 candidate RoIs and "
              "backpropagating 32 of them: the 32 with the highest loss (OHEM, after NMS-free ranking) or "
              "32 at random; held-out average precision.")
@single_thread()
def ohem(seed, fast):
    from ember.detection.sampling import iou_bands
    Xtr, btr = _regions(40 if fast else 300, seed)
    Xte, bte = _regions(30 if fast else 150, seed + 1)
    ytr, yte = (iou_bands(btr) == 1).astype(np.float64), (iou_bands(bte) == 1).astype(int)
    res = {}
    for mode in ("random", "ohem"):
        g = ember.Generator().manual_seed(seed)
        rng = np.random.default_rng(seed)
        net = ember.nn.Sequential(ember.nn.Linear(Xtr.shape[1], 32, generator=g), ember.nn.ReLU(),
                                  ember.nn.Linear(32, 1, generator=g))
        opt = ember.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        for _ in range(100 if fast else 600):
            cand = rng.choice(len(Xtr), 256, replace=False)
            x, y = ember.tensor(Xtr[cand].astype(np.float32)), ember.tensor(ytr[cand].astype(np.float32))
            losses = F.binary_cross_entropy_with_logits(net(x)[:, 0], y, reduction="none")
            pick = ohem_select(losses.detach(), 32) if mode == "ohem" else ember.tensor(rng.choice(256, 32, replace=False))
            loss = losses[pick].mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with ember.no_grad():
            res[mode] = _ap(yte, net(ember.tensor(Xte.astype(np.float32)))[:, 0].numpy())
    ok = res["ohem"] > res["random"]
    fig, ax = figure()
    ax.bar(["random 32 of 256", "OHEM top 32 of 256"], [res["random"], res["ohem"]], color=["tab:gray", "tab:purple"])
    ax.set_ylabel("average precision (held-out regions)")
    return Result(verdict(ok), "OHEM's held-out AP is higher than random selection's at the same number of "
                  "backpropagated RoIs", {"positive_rate": float(ytr.mean()), "ap": res}, {"ap": fig},
                  f"AP random {res['random']:.3f} vs OHEM {res['ohem']:.3f}.")


@claim(id="ssd-small-objects", topic="detection", concepts=("det.ssd",),
       question="Why is SSD weak on small objects, and what helps?",
       statement="SSD must find small objects on its finest, shallowest feature map with few matching "
                 "default boxes, so its AP is lowest on small objects; zoom-out augmentation (shrinking "
                 "training images into a larger canvas) creates more small training objects and raises it.",
       source=SOURCE,
       method="Train SSD-mini on the synthetic shapes with and without zoom-out (same seed, steps and "
              "data); AP@0.5 on held-out images for small (side < 13 px), medium (13-22) and large (> 22) "
              "objects (ground truths of other sizes and detections outside the size range are left out).")
@single_thread()
def ssd_small_objects(seed, fast):
    from ember.detection.shapes import ShapesDataset
    from ember.detection.training import build, fit, predict, zoom_out
    from ember.detection import MeanAveragePrecision
    train = ShapesDataset(16 if fast else 800, seed=seed)
    test = ShapesDataset(8 if fast else 200, seed=seed + 10_000)
    groups = {"small": (0, 13), "medium": (13, 22), "large": (22, 1e9)}

    def side(b):
        return np.sqrt(np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None))

    res = {}
    for name, aug in (("plain", None), ("zoom_out", zoom_out)):
        ember.manual_seed(seed)                   # the same initial weights for both runs
        model = build("ssd-mini")
        fit(model, train, epochs=1 if fast else 6, batch_size=8, lr=2e-3, seed=seed, augment=aug)
        preds = predict(model, test)
        res[name] = {}
        for g, (lo, hi) in groups.items():
            m = MeanAveragePrecision(iou_thresholds=[0.5])
            P, T = [], []
            for i, p in enumerate(preds):
                t = test[i][1]
                keep_t = (side(t["boxes"].numpy()) >= lo) & (side(t["boxes"].numpy()) < hi)
                keep_p = (side(p["boxes"].numpy()) >= lo * 0.8) & (side(p["boxes"].numpy()) < hi * 1.25)
                P.append({k: v[ember.tensor(np.flatnonzero(keep_p))] for k, v in p.items()})
                T.append({k: v[ember.tensor(np.flatnonzero(keep_t))] for k, v in t.items()})
            m.update(P, T)
            res[name][g] = float(m.compute()["map"].item())
    plain, zoom = res["plain"], res["zoom_out"]
    ok = plain["small"] < plain["large"] - 0.05 and zoom["small"] > plain["small"] + 0.02
    fig, ax = figure()
    xs = np.arange(3)
    ax.bar(xs - 0.2, [plain[g] for g in groups], 0.4, label="SSD")
    ax.bar(xs + 0.2, [zoom[g] for g in groups], 0.4, label="SSD + zoom-out")
    ax.set_xticks(xs, list(groups))
    ax.set_ylabel("AP@0.5")
    ax.legend()
    return Result(verdict(ok, inconclusive=fast), "plain SSD's small-object AP is > 0.05 below its large-object "
                  "AP, and zoom-out raises the small-object AP by > 0.02 (fast mode is too short to decide)",
                  {"train_images": len(train), "test_images": len(test), "ap_50_by_size": res}, {"ap": fig},
                  f"AP@0.5 small/medium/large: plain {plain['small']:.2f}/{plain['medium']:.2f}/"
                  f"{plain['large']:.2f}, zoom-out {zoom['small']:.2f}/{zoom['medium']:.2f}/{zoom['large']:.2f}.")
