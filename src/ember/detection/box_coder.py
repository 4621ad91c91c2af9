"""``BoxCoder`` (torchvision.models.detection._utils): the bounding-box regression targets
of R-CNN. For a proposal P (centre px, py, size pw, ph) and its ground truth G:

    tx = wx (gx - px) / pw     ty = wy (gy - py) / ph
    tw = ww log(gw / pw)       th = wh log(gh / ph)

``decode`` inverts it, clamping tw, th at ``bbox_xform_clip`` = log(1000 / 16) so that a
wild prediction cannot overflow exp. Written with ember ops: decoding is differentiable
in the codes (and the boxes)."""
import math

from ..ops.math import exp, log
from ..ops.shape import cat, stack
from .ops import _check

__all__ = ["BoxCoder"]


class BoxCoder:
    def __init__(self, weights=(1.0, 1.0, 1.0, 1.0), bbox_xform_clip=math.log(1000.0 / 16)):
        if len(weights) != 4 or not all(w > 0 for w in weights):
            raise ValueError(f"BoxCoder: weights={weights!r} must be four positive numbers (wx, wy, ww, wh)")
        self.weights = tuple(float(w) for w in weights)
        self.bbox_xform_clip = bbox_xform_clip

    def encode_single(self, reference_boxes, proposals):
        """Targets Tensor[N, 4] that turn each proposal into its reference (ground-truth) box."""
        g = _check.boxes(reference_boxes, "BoxCoder.encode", "reference_boxes")
        p = _check.boxes(proposals, "BoxCoder.encode", "proposals")
        if g.shape[0] != p.shape[0]:
            raise ValueError(f"BoxCoder.encode: reference_boxes has {g.shape[0]} rows but "
                             f"proposals has {p.shape[0]}")
        wx, wy, ww, wh = self.weights
        pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
        px, py = p[:, 0] + 0.5 * pw, p[:, 1] + 0.5 * ph
        gw, gh = g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]
        gx, gy = g[:, 0] + 0.5 * gw, g[:, 1] + 0.5 * gh
        return stack([wx * (gx - px) / pw, wy * (gy - py) / ph, ww * log(gw / pw),
                      wh * log(gh / ph)], dim=1)

    def decode_single(self, rel_codes, boxes):
        """Boxes Tensor[N, 4 k] from codes Tensor[N, 4 k] applied to ``boxes`` Tensor[N, 4]."""
        b = _check.boxes(boxes, "BoxCoder.decode", "boxes")
        if rel_codes.ndim != 2 or rel_codes.shape[1] % 4 or rel_codes.shape[0] != b.shape[0]:
            raise ValueError(f"BoxCoder.decode: rel_codes must have shape [{b.shape[0]}, 4 k], got "
                             f"{tuple(rel_codes.shape)}")
        b = b.to(rel_codes.dtype)
        wx, wy, ww, wh = self.weights
        widths, heights = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        cx, cy = b[:, 0] + 0.5 * widths, b[:, 1] + 0.5 * heights
        dx, dy = rel_codes[:, 0::4] / wx, rel_codes[:, 1::4] / wy
        dw = (rel_codes[:, 2::4] / ww).clamp(max=self.bbox_xform_clip)
        dh = (rel_codes[:, 3::4] / wh).clamp(max=self.bbox_xform_clip)
        pcx, pcy = dx * widths[:, None] + cx[:, None], dy * heights[:, None] + cy[:, None]
        hw, hh = 0.5 * exp(dw) * widths[:, None], 0.5 * exp(dh) * heights[:, None]
        return stack([pcx - hw, pcy - hh, pcx + hw, pcy + hh], dim=2).reshape(b.shape[0], -1)

    def encode(self, reference_boxes, proposals):
        """Per-image lists in, one list of per-image targets out."""
        return [self.encode_single(g, p) for g, p in zip(reference_boxes, proposals)]

    def decode(self, rel_codes, boxes):
        """``rel_codes`` Tensor[sum N_i, 4 k] for the concatenated per-image ``boxes``:
        Tensor[sum N_i, k, 4]."""
        b = cat([_check.boxes(x, "BoxCoder.decode", "boxes") for x in boxes], 0)
        return self.decode_single(rel_codes.reshape(b.shape[0], -1), b).reshape(b.shape[0], -1, 4)
