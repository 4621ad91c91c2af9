"""``AnchorGenerator`` (torchvision.models.detection.anchor_utils): at every cell of each
feature map, one anchor per (size, aspect ratio) pair, centred on the cell's top-left
corner in image pixels (the cell index times the stride). A 38 x 50 map with 3 sizes x
3 ratios gives 38 * 50 * 9 = 17,100 anchors, ordered cell by cell (row-major), the 9
anchors of a cell together, as torchvision orders them."""
import numpy as np

from ..autograd.tensor import _wrap
from ..nn.modules.module import Module

__all__ = ["AnchorGenerator"]


def _nested(x, name):
    if not isinstance(x, (tuple, list)) or not x:
        raise ValueError(f"AnchorGenerator: {name}={x!r} must be a non-empty tuple")
    if not isinstance(x[0], (tuple, list)):
        x = tuple((v,) for v in x)
    for v in x:
        if not all(isinstance(s, (int, float)) and s > 0 for s in v):
            raise ValueError(f"AnchorGenerator: {name}={x!r} must hold positive numbers")
    return tuple(tuple(float(s) for s in v) for v in x)


class AnchorGenerator(Module):
    """``AnchorGenerator(sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),))``: one
    tuple of sizes and one of ratios (height / width) per feature map. Anchor (size s,
    ratio r) has width s / sqrt(r) and height s * sqrt(r) (area s^2), rounded to whole
    pixels as torchvision does. ``forward(images, feature_maps)`` returns one
    Tensor[sum_l H_l W_l A_l, 4] of (x1, y1, x2, y2) anchors per image."""

    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)):
        super().__init__()
        self.sizes = _nested(sizes, "sizes")
        self.aspect_ratios = _nested(aspect_ratios, "aspect_ratios")
        if len(self.aspect_ratios) == 1 and len(self.sizes) > 1:
            self.aspect_ratios = self.aspect_ratios * len(self.sizes)
        if len(self.sizes) != len(self.aspect_ratios):
            raise ValueError(f"AnchorGenerator: sizes has {len(self.sizes)} levels but "
                             f"aspect_ratios has {len(self.aspect_ratios)}")
        self.cell_anchors = [self.generate_anchors(s, r) for s, r in zip(self.sizes, self.aspect_ratios)]

    @staticmethod
    def generate_anchors(scales, aspect_ratios):
        """The anchors of one cell centred on 0: array[len(ratios) * len(scales), 4]."""
        scales, ratios = np.asarray(scales, np.float64), np.asarray(aspect_ratios, np.float64)
        h_ratios = np.sqrt(ratios)
        ws = ((1 / h_ratios)[:, None] * scales[None, :]).ravel()
        hs = (h_ratios[:, None] * scales[None, :]).ravel()
        return np.round(np.stack([-ws, -hs, ws, hs], 1) / 2)

    def num_anchors_per_location(self):
        return [len(s) * len(r) for s, r in zip(self.sizes, self.aspect_ratios)]

    def grid_anchors(self, grid_sizes, strides):
        """All anchors of the maps of ``grid_sizes`` [(H, W)] with ``strides`` [(sy, sx)]."""
        if len(grid_sizes) != len(self.cell_anchors):
            raise ValueError(f"AnchorGenerator: {len(grid_sizes)} feature maps but anchors are "
                             f"configured for {len(self.cell_anchors)} (one sizes tuple per map)")
        out = []
        for (gh, gw), (sy, sx), base in zip(grid_sizes, strides, self.cell_anchors):
            ys, xs = np.meshgrid(np.arange(gh) * sy, np.arange(gw) * sx, indexing="ij")
            shifts = np.stack([xs.ravel(), ys.ravel(), xs.ravel(), ys.ravel()], 1).astype(np.float64)
            out.append((shifts[:, None, :] + base[None, :, :]).reshape(-1, 4))
        return np.concatenate(out) if out else np.zeros((0, 4))

    def forward(self, images, feature_maps):
        """``images``: Tensor[N, C, H, W] (or an (H, W) image size with N = the maps' batch);
        ``feature_maps``: list of Tensor[N, C_l, H_l, W_l]."""
        size = tuple(images.shape[-2:]) if hasattr(images, "shape") else tuple(images)
        grids = [tuple(f.shape[-2:]) for f in feature_maps]
        strides = [(size[0] // g[0], size[1] // g[1]) for g in grids]
        a = self.grid_anchors(grids, strides)
        dtype = feature_maps[0].array.dtype if feature_maps else np.float32
        n = images.shape[0] if hasattr(images, "shape") else feature_maps[0].shape[0]
        return [_wrap(a.astype(dtype)) for _ in range(n)]
