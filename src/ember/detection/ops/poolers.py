"""``MultiScaleRoIAlign`` (torchvision.ops.poolers): RoI Align over a feature pyramid,
each box read from the level that suits its size (FPN's rule
``k = floor(k0 + log2(sqrt(area) / s0))``, clamped to the pyramid)."""
import math

import numpy as np

from ...autograd.tensor import _wrap
from ...nn.modules.module import Module
from ...ops.shape import cat
from . import _check
from .roi_align import roi_align

__all__ = ["MultiScaleRoIAlign"]


class MultiScaleRoIAlign(Module):
    """``MultiScaleRoIAlign(featmap_names, output_size, sampling_ratio, *,
    canonical_scale=224, canonical_level=4)``; ``forward(x, boxes, image_shapes)`` with
    ``x`` a dict of feature maps, ``boxes`` a list of per-image Tensor[L, 4] in image
    coordinates and ``image_shapes`` the (height, width) of each image. The scale of
    each map is inferred as a power of two, as torchvision does."""

    def __init__(self, featmap_names, output_size, sampling_ratio, *, canonical_scale=224,
                 canonical_level=4):
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = list(featmap_names)
        self.output_size = tuple(output_size)
        self.sampling_ratio = sampling_ratio
        self.canonical_scale, self.canonical_level = canonical_scale, canonical_level

    def _levels(self, boxes, scales):
        lmin, lmax = -math.log2(scales[0]), -math.log2(scales[-1])
        b = np.concatenate([bb.array for bb in boxes]).astype(np.float64)
        s = np.sqrt((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
        k = np.floor(self.canonical_level + np.log2(s / self.canonical_scale) + 1e-6)
        return (np.clip(k, lmin, lmax) - lmin).astype(np.int64)

    def forward(self, x, boxes, image_shapes):
        op = "MultiScaleRoIAlign"
        missing = [n for n in self.featmap_names if n not in x]
        if missing:
            raise KeyError(f"{op}: feature maps {missing} are not in x (keys {list(x)})")
        if len(boxes) != len(image_shapes):
            raise ValueError(f"{op}: boxes has {len(boxes)} images but image_shapes has "
                             f"{len(image_shapes)}")
        feats = [x[n] for n in self.featmap_names]
        boxes = [_check.boxes(b, op, f"boxes[{i}]") for i, b in enumerate(boxes)]
        height = max(s[0] for s in image_shapes)          # torchvision infers from heights
        scales = [2.0 ** round(math.log2(f.shape[-2] / height)) for f in feats]
        n = sum(b.shape[0] for b in boxes)
        bidx = np.concatenate([np.full(b.shape[0], i, np.float64) for i, b in enumerate(boxes)])
        rois = cat([_wrap(bidx[:, None].astype(feats[0].array.dtype)),
                    cat([b.detach() for b in boxes], 0).to(feats[0].array.dtype)], 1)
        if len(feats) == 1:
            return roi_align(feats[0], rois, self.output_size, scales[0], self.sampling_ratio)
        levels = self._levels(boxes, scales)
        parts, order = [], []
        for lvl, (f, s) in enumerate(zip(feats, scales)):
            idx = np.flatnonzero(levels == lvl)
            if len(idx):
                parts.append(roi_align(f, rois[_wrap(idx)], self.output_size, s, self.sampling_ratio))
                order.append(idx)
        out = cat(parts, 0)
        inv = np.empty(n, np.int64)
        inv[np.concatenate(order)] = np.arange(n)
        return out[_wrap(inv)]
