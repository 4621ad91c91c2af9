"""Training and evaluating the small detectors on the synthetic shapes, and the
``ember train --model fasterrcnn-mini|ssd-mini --data shapes`` tasks.

    ember train --model fasterrcnn-mini --data shapes --epochs 12 --out runs/frcnn

writes ``model.safetensors`` (weights), ``config.json`` (model name and settings) and
``metrics.json`` (COCO-style mAP on the held-out test images) to the output folder.
"""
import json
import time
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import _wrap
from ..optim.adaptive import Adam
from ..random import manual_seed
from .evaluation import MeanAveragePrecision
from .models import FasterRCNNMini, SSDMini
from .shapes import ShapesDataset, collate

__all__ = ["MODELS", "fit", "predict", "evaluate", "build", "save", "load", "train_fasterrcnn", "train_ssd",
           "zoom_out"]

MODELS = {"fasterrcnn-mini": FasterRCNNMini, "ssd-mini": SSDMini}


def build(name, config=None):
    if name not in MODELS:
        raise ValueError(f"unknown detector {name!r}; valid: {', '.join(MODELS)}")
    return MODELS[name](**(config or {}))


def zoom_out(images, targets, rng, max_scale=2.0):
    """SSD's zoom-out augmentation: shrink each image by a random factor in [1, max_scale]
    into a canvas of the mean colour at a random place (boxes follow), so that objects
    appear smaller and the fine feature maps see more of them."""
    x = images.array
    N, C, H, W = x.shape
    out, new_t = np.empty_like(x), []
    for i in range(N):
        s = rng.uniform(1.0, max_scale)
        h, w = int(H / s), int(W / s)
        oy, ox = rng.integers(0, H - h + 1), rng.integers(0, W - w + 1)
        ys, xs = (np.arange(h) * H / h).astype(int), (np.arange(w) * W / w).astype(int)
        out[i] = x[i].mean((1, 2), keepdims=True)
        out[i, :, oy:oy + h, ox:ox + w] = x[i][:, ys][:, :, xs]
        b = targets[i]["boxes"].array * np.array([w / W, h / H, w / W, h / H]) + [ox, oy, ox, oy]
        new_t.append({"boxes": _wrap(b.astype(np.float32)), "labels": targets[i]["labels"]})
    return _wrap(out), new_t


def fit(model, dataset, epochs=10, batch_size=8, lr=2e-3, seed=0, log=None, augment=None):
    """Adam with a cosine learning rate; returns the per-epoch mean of the summed losses."""
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = Adam(model.parameters(), lr=lr)
    n = len(dataset)
    steps_per_epoch = max(n // batch_size, 1)
    total = epochs * steps_per_epoch
    history, step = [], 0
    model.train()
    for epoch in range(epochs):
        order = rng.permutation(n)
        losses = []
        for b in range(steps_per_epoch):
            images, targets = collate([dataset[int(i)] for i in order[b * batch_size:(b + 1) * batch_size]])
            if augment is not None:
                images, targets = augment(images, targets, rng)
            for g in opt.param_groups:
                g["lr"] = lr * 0.5 * (1 + np.cos(np.pi * step / total))
            loss_dict = model(images, targets)
            loss = sum(loss_dict.values())
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
        if losses:
            history.append(float(np.mean(losses)))
            if log:
                log(f"epoch {epoch + 1}/{epochs}  loss {history[-1]:.4f}  lr {opt.param_groups[0]['lr']:.2e}")
    model.eval()
    return history


def predict(model, dataset, batch_size=16):
    model.eval()
    preds = []
    with no_grad():
        for s in range(0, len(dataset), batch_size):
            images, _ = collate([dataset[i] for i in range(s, min(s + batch_size, len(dataset)))])
            preds += model(images)
    return preds


def evaluate(model, dataset, batch_size=16, class_metrics=False):
    """COCO-style metrics (floats) of ``model`` on ``dataset``."""
    preds = predict(model, dataset, batch_size)
    m = MeanAveragePrecision(class_metrics=class_metrics)
    m.update(preds, [dataset[i][1] for i in range(len(dataset))])
    return {k: (v.numpy().tolist()) for k, v in m.compute().items()}


def save(model, name, out, metrics=None, history=None):
    from ..serialization import save as _save
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _save(model.state_dict(), str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps({"model": name, "config": model.config}))
    if metrics is not None:
        (out / "metrics.json").write_text(json.dumps({**metrics, "history": history or []}, indent=1))
    return out


def load(checkpoint):
    """A detector from ``model.safetensors`` and the ``config.json`` beside it."""
    from ..serialization import load as _load
    path = Path(checkpoint)
    cfg = json.loads((path.parent / "config.json").read_text())
    model = build(cfg["model"], cfg["config"])
    model.load_state_dict(_load(str(path)))
    model.eval()
    return model


def _task(name, args, augment=None):
    if getattr(args, "data", "shapes") != "shapes":
        raise SystemExit(f"ember: {name} trains on --data shapes (the synthetic detection set), "
                         f"got --data {args.data}")
    train = ShapesDataset(1000, seed=args.seed)
    test = ShapesDataset(200, seed=args.seed + 10_000)
    manual_seed(args.seed)
    model = build(name)
    lr = args.lr if args.lr != 3e-3 else 2e-3          # the CLI's default suits classifiers
    t0 = time.perf_counter()
    hist = fit(model, train, args.epochs, min(args.batch_size, 16), lr, args.seed,
               log=None if args.no_progress else print, augment=augment)
    metrics = evaluate(model, test)
    metrics["train_seconds"] = time.perf_counter() - t0
    out = save(model, name, args.out or f"runs/{name}-shapes", metrics, hist)
    print(f"{name}: AP@0.5 {metrics['map_50']:.3f}  mAP {metrics['map']:.3f} on 200 test images; "
          f"wrote {out}/: model.safetensors, config.json, metrics.json")
    return 0


def train_fasterrcnn(args):
    return _task("fasterrcnn-mini", args)


def train_ssd(args):
    return _task("ssd-mini", args)
