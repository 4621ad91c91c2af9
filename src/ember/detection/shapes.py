"""A synthetic detection data set made locally: coloured squares, circles and triangles
(labels 1, 2, 3; 0 is background, torchvision's convention) of several sizes, some
small, on textured backgrounds (a smooth colour gradient, random stripes and noise),
with their boxes. Objects overlap little (IoU < 0.1 between any two).

    >>> from ember.detection.shapes import ShapesDataset
    >>> ds = ShapesDataset(4, image_size=64, seed=0)
    >>> image, target = ds[0]
    >>> image.shape, sorted(target)
    ((3, 64, 64), ['boxes', 'labels'])

``make_shapes`` returns the arrays (images [N, H, W, 3] float32 in [0, 1], per-image
box and label arrays); ``save_png`` writes the images as PNG files plus an
``annotations.json``.
"""
import json
import os

import numpy as np

from ..autograd.tensor import _wrap
from ..data.dataset import Dataset

__all__ = ["CLASSES", "make_shapes", "ShapesDataset", "save_png", "collate"]

CLASSES = ("background", "square", "circle", "triangle")
SIZES = {"small": (6, 12), "medium": (13, 22), "large": (23, 34)}


def _background(rng, s):
    yy, xx = np.mgrid[0:s, 0:s] / s
    base = rng.uniform(0.2, 0.8, 3)
    grad = rng.uniform(-0.2, 0.2, (2, 3))
    img = base + yy[..., None] * grad[0] + xx[..., None] * grad[1]
    ang, freq = rng.uniform(0, np.pi), rng.uniform(4, 12)
    stripes = np.sin(2 * np.pi * freq * (np.cos(ang) * xx + np.sin(ang) * yy))
    img += 0.06 * stripes[..., None] * rng.uniform(0.5, 1, 3)
    img += rng.normal(0, 0.03, img.shape)
    return img


def _mask(kind, s, x0, y0, w):
    yy, xx = np.mgrid[0:s, 0:s] + 0.5
    if kind == 1:
        return (xx >= x0) & (xx < x0 + w) & (yy >= y0) & (yy < y0 + w)
    if kind == 2:
        r = w / 2
        return (xx - x0 - r) ** 2 + (yy - y0 - r) ** 2 <= r * r
    # upward triangle: apex at the top middle, base along the bottom edge
    u = (yy - y0) / w
    return (u >= 0) & (u <= 1) & (np.abs(xx - x0 - w / 2) <= u * w / 2)


def _box(mask):
    ys, xs = np.nonzero(mask)
    return [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def _iou(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def make_shapes(n, image_size=64, max_objects=3, small_fraction=0.3, seed=0):
    """``n`` images: (images float32 [n, S, S, 3], list of boxes float32 [k, 4] in
    (x1, y1, x2, y2) pixels, list of labels int64 [k]). Each image has 1..max_objects
    objects; each is small with probability ``small_fraction``, else medium or large."""
    if n < 1 or image_size < 32 or max_objects < 1:
        raise ValueError(f"make_shapes: need n >= 1, image_size >= 32 and max_objects >= 1, got "
                         f"n={n}, image_size={image_size}, max_objects={max_objects}")
    rng = np.random.default_rng(seed)
    s = image_size
    scale = s / 64
    images, boxes, labels = np.empty((n, s, s, 3), np.float32), [], []
    for i in range(n):
        img = _background(rng, s)
        bs, ls = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            for _try in range(20):
                size = "small" if rng.uniform() < small_fraction else rng.choice(["medium", "large"])
                lo, hi = SIZES[size]
                w = rng.uniform(lo, hi) * scale
                x0, y0 = rng.uniform(0, s - w, 2)
                kind = int(rng.integers(1, 4))
                m = _mask(kind, s, x0, y0, w)
                if m.sum() < 4:
                    continue
                b = _box(m)
                if all(_iou(b, o) < 0.1 for o in bs):
                    break
            else:
                continue
            colour = rng.uniform(0, 1, 3)
            while np.abs(colour - img[m].mean(0)).sum() < 0.6:   # keep it visible
                colour = rng.uniform(0, 1, 3)
            img[m] = colour + rng.normal(0, 0.02, (m.sum(), 3))
            bs.append(b)
            ls.append(kind)
        images[i] = np.clip(img, 0, 1)
        boxes.append(np.asarray(bs, np.float32).reshape(-1, 4))
        labels.append(np.asarray(ls, np.int64))
    return images, boxes, labels


class ShapesDataset(Dataset):
    """``ShapesDataset(n, image_size=64, max_objects=3, small_fraction=0.3, seed=0)``:
    item i is (image Tensor[3, S, S] float32, {"boxes": Tensor[k, 4], "labels": Tensor[k]})."""

    def __init__(self, n, image_size=64, max_objects=3, small_fraction=0.3, seed=0):
        self.images, self.boxes, self.labels = make_shapes(n, image_size, max_objects,
                                                           small_fraction, seed)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return (_wrap(np.ascontiguousarray(self.images[i].transpose(2, 0, 1))),
                {"boxes": _wrap(self.boxes[i]), "labels": _wrap(self.labels[i])})


def collate(batch):
    """A DataLoader ``collate_fn``: (images Tensor[N, 3, S, S], list of target dicts)."""
    from ..ops.shape import stack
    return stack([b[0] for b in batch]), [b[1] for b in batch]


def save_png(directory, images, boxes, labels):
    """Write ``image_00000.png``... and ``annotations.json`` (boxes, labels, class names)."""
    import matplotlib.image as mpimg
    os.makedirs(directory, exist_ok=True)
    ann = {"classes": list(CLASSES), "images": []}
    for i, img in enumerate(images):
        name = f"image_{i:05d}.png"
        mpimg.imsave(os.path.join(directory, name), np.clip(img, 0, 1))
        ann["images"].append({"file": name, "boxes": np.asarray(boxes[i]).tolist(),
                              "labels": np.asarray(labels[i]).tolist()})
    with open(os.path.join(directory, "annotations.json"), "w") as f:
        json.dump(ann, f)
    return directory
