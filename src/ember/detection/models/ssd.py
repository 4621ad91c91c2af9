"""A small SSD (Liu et al. 2016): one network pass predicts, at every cell of three
feature maps (strides 4, 8 and 16), class scores and box offsets for a few default boxes
(two sizes at aspect ratio 1 plus ratios 2 and 1/2 per map, growing with the stride).
Default boxes are matched to ground truth (each ground truth's best box, and every box
with IoU >= 0.5); the loss is softmax cross-entropy over background + K classes with
hard negative mining (all positives and the 3x as many negatives with the highest loss)
plus smooth L1 on the positives' offsets, both divided by the number of positives.
Small objects are its weak point: they must be caught by the finest map, whose
features are the shallowest."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import _wrap
from ...nn import functional as F
from ...nn.modules.container import ModuleList
from ...nn.modules.convolution import Conv2d
from ...nn.modules.module import Module
from ...ops.shape import cat
from ..box_coder import BoxCoder
from ..ops.boxes import box_iou
from ..sampling import Matcher, hard_negative_mining
from ._common import Backbone, postprocess

__all__ = ["SSDMini", "default_boxes"]


def default_boxes(grid_sizes, strides, sizes, ratios=(2.0, 0.5)):
    """SSD's default boxes, centred on the cell centres: per cell of map l, squares of
    side s_l and sqrt(s_l s_{l+1}), then s_l at each aspect ratio (w/h = r); array [sum, 4]."""
    out = []
    for l, ((gh, gw), st) in enumerate(zip(grid_sizes, strides)):
        s, s_next = sizes[l], sizes[l + 1]
        wh = [(s, s), (np.sqrt(s * s_next),) * 2] + [(s * np.sqrt(r), s / np.sqrt(r)) for r in ratios]
        wh = np.asarray(wh)
        cy, cx = np.meshgrid((np.arange(gh) + 0.5) * st, (np.arange(gw) + 0.5) * st, indexing="ij")
        c = np.stack([cx.ravel(), cy.ravel()], 1)[:, None, :]
        out.append(np.concatenate([c - wh / 2, c + wh / 2], -1).reshape(-1, 4))
    return np.concatenate(out)


class SSDMini(Module):
    """``SSDMini(num_classes=4, sizes=(8, 16, 32, 48))``: default-box sides per map (the
    last one only sets the second square of the coarsest map)."""

    strides = (4, 8, 16)

    def __init__(self, num_classes=4, width=32, channels=64, sizes=(8, 16, 32, 48),
                 neg_pos_ratio=3):
        super().__init__()
        self.config = {"num_classes": num_classes, "width": width, "channels": channels,
                       "sizes": list(sizes), "neg_pos_ratio": neg_pos_ratio}
        self.backbone = Backbone(width, channels)
        self.A = 4
        self.cls_heads = ModuleList([Conv2d(channels, self.A * num_classes, 3, padding=1) for _ in self.strides])
        self.reg_heads = ModuleList([Conv2d(channels, self.A * 4, 3, padding=1) for _ in self.strides])
        self.num_classes, self.sizes, self.neg_pos_ratio = num_classes, tuple(sizes), neg_pos_ratio
        self.coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
        self.matcher = Matcher(0.5, 0.5, allow_low_quality_matches=True)
        self._anchors = {}

    def anchors(self, feats):
        key = tuple(tuple(f.shape[-2:]) for f in feats)
        if key not in self._anchors:
            self._anchors[key] = default_boxes(key, self.strides, self.sizes).astype(np.float32)
        return _wrap(self._anchors[key])

    def head(self, feats):
        N, K = feats[0].shape[0], self.num_classes
        cls = [h(f).permute(0, 2, 3, 1).reshape(N, -1, K) for h, f in zip(self.cls_heads, feats)]
        reg = [h(f).permute(0, 2, 3, 1).reshape(N, -1, 4) for h, f in zip(self.reg_heads, feats)]
        return cat(cls, 1), cat(reg, 1)

    def loss(self, logits, deltas, anchors, targets):
        N, D, K = logits.shape
        labels = np.zeros((N, D), np.int64)
        reg_t, reg_pos = [], []
        for i, t in enumerate(targets):
            if t["boxes"].shape[0] == 0:
                continue
            m = self.matcher(box_iou(t["boxes"], anchors)).array
            pos = np.flatnonzero(m >= 0)
            labels[i, pos] = t["labels"].array[m[pos]]
            reg_t.append(self.coder.encode_single(t["boxes"][_wrap(m[pos])].to(anchors.dtype),
                                                  anchors[_wrap(pos)]))
            reg_pos.append(i * D + pos)
        ce = F.cross_entropy(logits.reshape(N * D, K), _wrap(labels.ravel()), reduction="none")
        keep = hard_negative_mining(ce.array.reshape(N, D), labels, self.neg_pos_ratio)
        n_pos = max(int((labels > 0).sum()), 1)
        loss_cls = ce[_wrap(np.flatnonzero(keep.ravel()))].sum() / n_pos
        if reg_pos:
            idx = np.concatenate(reg_pos)
            loss_reg = F.smooth_l1_loss(deltas.reshape(N * D, 4)[_wrap(idx)], cat(reg_t, 0),
                                        reduction="sum") / n_pos
        else:
            loss_reg = (deltas * 0).sum()
        return {"loss_classifier": loss_cls, "loss_box_reg": loss_reg}

    def forward(self, images, targets=None):
        if self.training and targets is None:
            raise ValueError("SSDMini: targets are needed in training mode")
        feats = self.backbone(images)
        logits, deltas = self.head(feats)
        anchors = self.anchors(feats)
        if self.training:
            return self.loss(logits, deltas, anchors, targets)
        size = tuple(images.shape[-2:])
        out = []
        with no_grad():
            probs = F.softmax(logits, -1).array
            for i in range(images.shape[0]):
                p = probs[i, :, 1:]
                top = np.argsort(-p.max(1), kind="stable")[:200]
                boxes = self.coder.decode_single(deltas[i].detach()[_wrap(top)], anchors[_wrap(top)])
                boxes = boxes[:, None, :].expand(len(top), p.shape[1], 4)
                out.append(postprocess(boxes, p[top], size, nms_thresh=0.45))
        return out
