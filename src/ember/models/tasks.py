"""Training runs of the zoo that are not classification, for ``ember train --model NAME``
(``cli.TASK_MODELS``): a DCGAN on the 8x8 digits (upsampled to 16x16) and a U-Net on a
generated segmentation task. Each function takes the parsed ``ember train`` arguments
(``epochs``, ``lr``, ``batch_size``, ``seed``, ``out``), writes its outputs to ``--out``
and returns 0. ``--lr`` left at the CLI's default means the task's own default.

* ``dcgan``: alternating updates (one discriminator step on a real and a fake batch, then
  one generator step), the non-saturating generator loss -log D(G(z)) (the minimax
  log(1 - D(G(z))) has no gradient when D rejects the fakes early on), Adam(2e-4, 0.5);
  a PNG grid of samples from fixed noise each epoch, losses and D's outputs in
  ``metrics.json``, and the number of digit classes that a classifier trained on real
  digits sees among 100 samples (mode coverage).
* ``unet``: images of circles, squares and triangles on noisy backgrounds, per-pixel
  classes (background, circle, square, triangle), cross-entropy; Dice and IoU of each
  shape class on held-out images, and a PNG of inputs, true and predicted masks.
"""
import json
import time
from pathlib import Path

import numpy as np

import ember
from .. import nn
from ..nn import functional as F
from .dcgan import dcgan_discriminator, dcgan_generator
from .unet import unet_small

CLI_DEFAULT_LR = 3e-3


def _out(args, name):
    out = Path(args.out) if args.out else Path("runs") / name
    out.mkdir(parents=True, exist_ok=True)
    return out


def _save_png(path, images, nrow, cmap="gray", vmin=-1.0, vmax=1.0, titles=None):
    """A grid of images (N, H, W) as one PNG (matplotlib's Figure, no pyplot state)."""
    from matplotlib.figure import Figure
    n = len(images)
    ncol = nrow
    rows = (n + ncol - 1) // ncol
    fig = Figure(figsize=(ncol * 1.0, rows * (1.0 if titles is None else 1.2)))
    for i, img in enumerate(images):
        ax = fig.add_subplot(rows, ncol, i + 1)
        ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=7)
    fig.savefig(path, dpi=80)


# -------------------------------------------------------------------------------------------
# DCGAN on digits
# -------------------------------------------------------------------------------------------

def digits_16(split="train", seed=0):
    """The 8x8 digits upsampled 2x (pixel repeat) to 16x16, scaled to [-1, 1]; (X, y) arrays."""
    from ..data.datasets import load_digits
    X, y = load_digits(split, random_state=seed, as_images=True, return_X_y=True)
    X = np.kron(X.numpy(), np.ones((1, 1, 2, 2), np.float32))
    return X * 2 - 1, y.numpy()


def digit_classifier(seed=0, epochs=40):
    """A small classifier of 16x16 digits in [-1, 1] (logistic regression on pixels, trained
    with Adam); used to read generated samples. Returns (model, test accuracy)."""
    ember.manual_seed(seed)
    Xtr, ytr = digits_16("train", seed)
    Xte, yte = digits_16("test", seed)
    clf = nn.Sequential(nn.Flatten(), nn.Linear(256, 10))
    opt = ember.optim.Adam(clf.parameters(), lr=1e-2)
    X, y = ember.tensor(Xtr), ember.tensor(ytr)
    for _ in range(epochs):
        opt.zero_grad()
        F.cross_entropy(clf(X), y).backward()
        opt.step()
    with ember.no_grad():
        acc = float((clf(ember.tensor(Xte)).argmax(1).numpy() == yte).mean())
    return clf, acc


def mode_coverage(clf, samples, threshold=0.5):
    """(distinct classes among confidently classified samples, mean max probability)."""
    with ember.no_grad():
        p = F.softmax(clf(ember.tensor(samples)), 1).numpy()
    conf = p.max(1)
    return int(len(set(p.argmax(1)[conf > threshold].tolist()))), float(conf.mean())


def train_gan(epochs=10, batch_size=64, lr=2e-4, nz=32, width=32, seed=0, on_epoch=None, d_steps=1,
              saturating=False, data=None):
    """Train a 16x16 DCGAN on digits; returns (G, D, history). ``on_epoch(epoch, G, fixed_z)``
    is called after each epoch. ``saturating=True`` uses the minimax generator loss
    log(1 - D(G(z))) instead of the non-saturating one (for the lab)."""
    ember.manual_seed(seed)
    X = digits_16("train", seed)[0] if data is None else data
    G = dcgan_generator(nz=nz, ngf=width, nc=1, image_size=16)
    D = dcgan_discriminator(nc=1, ndf=width, image_size=16, sigmoid=False)
    opt_g = ember.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = ember.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    g = ember.Generator().manual_seed(seed)
    fixed_z = ember.randn(64, nz, generator=g)
    rng = np.random.default_rng(seed)
    hist = {"loss_d": [], "loss_g": [], "d_real": [], "d_fake": []}
    for epoch in range(epochs):
        G.train(), D.train()
        sums = np.zeros(4)
        perm = rng.permutation(len(X))
        steps = 0
        for i in range(0, len(X) - batch_size + 1, batch_size):
            real = ember.tensor(X[perm[i:i + batch_size]])
            n = real.shape[0]
            ones, zeros = ember.ones(n), ember.zeros(n)
            for _ in range(d_steps):   # discriminator: real -> 1, fake -> 0
                with ember.no_grad():
                    fake = G(ember.randn(n, nz, generator=g))
                opt_d.zero_grad()
                out_real, out_fake = D(real), D(fake)
                loss_d = (F.binary_cross_entropy_with_logits(out_real, ones)
                          + F.binary_cross_entropy_with_logits(out_fake, zeros))
                loss_d.backward()
                opt_d.step()
            opt_g.zero_grad()   # generator: make D call the fakes real
            out = D(G(ember.randn(n, nz, generator=g)))
            if saturating:   # minimise log(1 - D(G(z))) = -BCE(out, 0)
                loss_g = -F.binary_cross_entropy_with_logits(out, zeros)
            else:
                loss_g = F.binary_cross_entropy_with_logits(out, ones)
            loss_g.backward()
            opt_g.step()
            sums += [loss_d.item(), loss_g.item(), float(out_real.sigmoid().mean()), float(out_fake.sigmoid().mean())]
            steps += 1
        for k, v in zip(hist, sums / max(steps, 1)):
            hist[k].append(float(v))
        if on_epoch is not None:
            G.eval()
            on_epoch(epoch, G, fixed_z)
    return G, D, hist


def sample(G, z):
    with ember.no_grad():
        return G.eval()(z).numpy()


def run_dcgan(args):
    """``ember train --model dcgan``: a 16x16 DCGAN on digits, samples/epoch_NNN.png per epoch."""
    out = _out(args, "dcgan-digits")
    (out / "samples").mkdir(exist_ok=True)
    lr = 2e-4 if args.lr == CLI_DEFAULT_LR else args.lr

    def on_epoch(epoch, G, z):
        _save_png(out / "samples" / f"epoch_{epoch + 1:03d}.png", sample(G, z)[:, 0], nrow=8)
        if not args.no_progress:
            print(f"epoch {epoch + 1}: wrote samples/epoch_{epoch + 1:03d}.png")
    t0 = time.perf_counter()
    G, D, hist = train_gan(args.epochs, args.batch_size, lr, seed=args.seed, on_epoch=on_epoch)
    clf, clf_acc = digit_classifier(args.seed)
    covered, conf = mode_coverage(clf, sample(G, ember.randn(100, 32, generator=ember.Generator().manual_seed(1))))
    metrics = {**{k: v[-1] for k, v in hist.items()}, "classes_covered_of_10": covered,
               "mean_classifier_confidence": conf, "classifier_test_accuracy": clf_acc,
               "train_seconds": round(time.perf_counter() - t0, 3)}
    ember.serialization.save({"generator": G.state_dict(), "discriminator": D.state_dict()},
                             str(out / "model.safetensors"))
    (out / "history.json").write_text(json.dumps(hist, indent=2))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"DCGAN: D(x) {metrics['d_real']:.2f}, D(G(z)) {metrics['d_fake']:.2f}, {covered}/10 digit classes "
          f"among 100 samples; wrote {out}/: samples/, model.safetensors, metrics.json, history.json")
    return 0


# -------------------------------------------------------------------------------------------
# U-Net on generated shapes
# -------------------------------------------------------------------------------------------

SHAPES = ("circle", "square", "triangle")


def make_shapes(n, size=32, noise=0.3, seed=0):
    """``n`` grey images (N, 1, size, size) with 1-3 shapes each (circle, square, triangle;
    random sizes, positions and brightness) on a background of Gaussian noise with standard
    deviation ``noise`` plus a random gradient; masks (N, size, size) int64 with 0 for
    background and 1..3 for the shape class (a later shape covers an earlier one)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    images = np.empty((n, 1, size, size), np.float32)
    masks = np.zeros((n, size, size), np.int64)
    for i in range(n):
        gx, gy = rng.uniform(-0.3, 0.3, 2)
        img = gx * (xx / size - 0.5) + gy * (yy / size - 0.5) + noise * rng.standard_normal((size, size))
        for _ in range(rng.integers(1, 4)):
            kind = rng.integers(0, 3)
            r = rng.uniform(size / 8, size / 4)
            cy, cx = rng.uniform(r, size - r, 2)
            if kind == 0:
                inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            elif kind == 1:
                inside = (np.abs(yy - cy) <= r * 0.85) & (np.abs(xx - cx) <= r * 0.85)
            else:   # upward triangle: below the apex, above the base, between the two sides
                inside = (yy <= cy + r * 0.8) & (np.abs(xx - cx) <= (yy - (cy - r)) * 0.6)
            img[inside] = rng.uniform(0.7, 1.3)
            masks[i][inside] = kind + 1
        images[i, 0] = img
    return images, masks


def dice_iou(pred, target, num_classes):
    """Per-class Dice 2|P & T| / (|P| + |T|) and IoU |P & T| / |P | T| for classes
    1..num_classes-1 (background excluded), over all pixels of the batch; NaN for a class
    absent from both."""
    dice, iou = [], []
    for c in range(1, num_classes):
        p, t = pred == c, target == c
        inter, total, union = (p & t).sum(), p.sum() + t.sum(), (p | t).sum()
        dice.append(2 * inter / total if total else float("nan"))
        iou.append(inter / union if union else float("nan"))
    return np.array(dice, float), np.array(iou, float)


def train_unet(epochs=10, n_train=512, size=32, batch_size=32, lr=3e-3, seed=0, base_channels=8):
    """Train ``unet_small`` on :func:`make_shapes`; returns (model, history, test set)."""
    ember.manual_seed(seed)
    Xtr, Mtr = make_shapes(n_train, size, seed=seed)
    test = make_shapes(128, size, seed=seed + 10_000)
    model = unet_small(in_channels=1, num_classes=len(SHAPES) + 1, base_channels=base_channels)
    opt = ember.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    hist = {"loss": [], "mean_dice": [], "mean_iou": [], "foreground_dice": []}
    for _ in range(epochs):
        model.train()
        perm, losses = rng.permutation(n_train), []
        for i in range(0, n_train, batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(ember.tensor(Xtr[idx])), ember.tensor(Mtr[idx]))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        dice, iou = evaluate_unet(model, *test)
        fg = dice_iou(predict_masks(model, test[0]) > 0, test[1] > 0, 2)[0][0]
        hist["foreground_dice"].append(float(fg))
        hist["loss"].append(float(np.mean(losses)))
        hist["mean_dice"].append(float(np.nanmean(dice)))
        hist["mean_iou"].append(float(np.nanmean(iou)))
    return model, hist, test


def predict_masks(model, X):
    with ember.no_grad():
        return model.eval()(ember.tensor(X)).argmax(1).numpy()


def evaluate_unet(model, X, M):
    return dice_iou(predict_masks(model, X), M, len(SHAPES) + 1)


def run_unet(args):
    """``ember train --model unet``: U-Net on generated shapes; Dice/IoU, predicted masks PNG."""
    out = _out(args, "unet-shapes")
    lr = 3e-3 if args.lr == CLI_DEFAULT_LR else args.lr
    t0 = time.perf_counter()
    model, hist, (X, M) = train_unet(args.epochs, batch_size=args.batch_size, lr=lr, seed=args.seed)
    dice, iou = evaluate_unet(model, X, M)
    pred = predict_masks(model, X[:8])
    k = len(SHAPES)
    _save_png(out / "masks.png", np.concatenate([X[:8, 0], M[:8] / k * 2 - 1, pred / k * 2 - 1]), nrow=8,
              titles=["input"] * 8 + ["true"] * 8 + ["predicted"] * 8)
    metrics = {"dice": dict(zip(SHAPES, dice.tolist())), "iou": dict(zip(SHAPES, iou.tolist())),
               "foreground_dice": hist["foreground_dice"][-1],
               "mean_dice": float(np.nanmean(dice)), "mean_iou": float(np.nanmean(iou)),
               "train_seconds": round(time.perf_counter() - t0, 3)}
    ember.serialization.save_checkpoint(str(out / "model.safetensors"), model.state_dict(),
                                        config={"model": "unet_small", "num_classes": k + 1})
    (out / "history.json").write_text(json.dumps(hist, indent=2))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"U-Net on shapes: mean Dice {metrics['mean_dice']:.3f}, mean IoU {metrics['mean_iou']:.3f}; "
          f"wrote {out}/: masks.png, model.safetensors, metrics.json, history.json")
    return 0
