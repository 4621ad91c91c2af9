"""A small Faster R-CNN (Ren et al. 2015), torchvision's structure at toy scale:

1. backbone: the stride-4 map of :class:`~._common.Backbone`;
2. RPN: a 3x3 conv, then per anchor (3 sizes x 3 ratios per cell) an objectness logit
   and four box deltas; anchors are matched to ground truth (IoU >= 0.7 positive, < 0.3
   negative, each ground truth's best anchors positive too), a balanced batch of 128 per
   image trains BCE + smooth L1; proposals are the decoded anchors, clipped, the top
   ``pre_nms`` by objectness, NMS at 0.7, the top ``post_nms``;
3. RoI heads: RoI Align (7x7) of each proposal (plus the ground truths while training),
   two fully connected layers, a classifier over background + K classes and class-wise
   box deltas; proposals are matched at IoU 0.5, 64 per image with 25% positives, loss
   cross-entropy + smooth L1 (or, with ``ohem=k``, every matched proposal scored and the
   k with the highest loss per image backpropagated); at test time per-class decoding,
   score threshold and NMS.

``model(images, targets)`` in training mode returns the four losses, in eval mode a
list of {"boxes", "scores", "labels"}, as torchvision's detectors do.
"""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import _wrap
from ...nn import functional as F
from ...nn.modules.convolution import Conv2d
from ...nn.modules.linear import Linear
from ...nn.modules.module import Module
from ...ops.shape import cat
from ..anchors import AnchorGenerator
from ..box_coder import BoxCoder
from ..ops.boxes import box_iou, clip_boxes_to_image, remove_small_boxes
from ..ops.nms import nms
from ..ops.roi_align import roi_align
from ..sampling import Matcher, BalancedPositiveNegativeSampler, ohem
from ._common import Backbone, postprocess

__all__ = ["FasterRCNNMini"]


def _sampled_indices(sampler, labels):
    pos, neg = sampler([labels])
    return np.flatnonzero(pos[0].array), np.flatnonzero(neg[0].array)


class RPN(Module):
    def __init__(self, channels, sizes=(8, 16, 32), ratios=(0.5, 1.0, 2.0), pre_nms=300,
                 post_nms=(64, 32), generator=None):
        super().__init__()
        self.anchor_generator = AnchorGenerator((sizes,), (ratios,))
        A = self.anchor_generator.num_anchors_per_location()[0]
        self.conv = Conv2d(channels, channels, 3, padding=1)
        self.cls_logits = Conv2d(channels, A, 1)
        self.bbox_pred = Conv2d(channels, 4 * A, 1)
        self.coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
        self.matcher = Matcher(0.7, 0.3, allow_low_quality_matches=True)
        self.sampler = BalancedPositiveNegativeSampler(128, 0.5, generator)
        self.pre_nms, self.post_nms = pre_nms, post_nms

    def forward(self, images, feat, targets=None):
        N, _, H, W = feat.shape
        t = F.relu(self.conv(feat))
        obj = self.cls_logits(t).permute(0, 2, 3, 1).reshape(N, -1)
        A = obj.shape[1] // (H * W)
        deltas = self.bbox_pred(t).reshape(N, A, 4, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, 4)
        anchors = self.anchor_generator(images, [feat])
        size = tuple(images.shape[-2:])
        post = self.post_nms[0] if self.training else self.post_nms[1]
        proposals = []
        with no_grad():
            for i in range(N):
                o = obj[i].array
                top = np.argsort(-o, kind="stable")[:self.pre_nms]
                b = self.coder.decode_single(deltas[i].detach()[_wrap(top)], anchors[i][_wrap(top)])
                b = clip_boxes_to_image(b, size)
                keep = remove_small_boxes(b, 1.0).array
                b, s = b[_wrap(keep)], o[top][keep]
                keep = nms(b, _wrap(s), 0.7).array[:post]
                proposals.append(b[_wrap(keep)])
        losses = {}
        if self.training:
            losses = self.loss(obj, deltas, anchors, targets)
        return proposals, losses

    def loss(self, obj, deltas, anchors, targets):
        cls_terms, reg_terms, count = [], [], 0
        for i, t in enumerate(targets):
            m = self.matcher(box_iou(t["boxes"], anchors[i])).array
            labels = (m >= 0).astype(np.int64) - (m == -2)
            pos, neg = _sampled_indices(self.sampler, labels)
            idx = np.concatenate([pos, neg])
            target = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]).astype(obj.array.dtype)
            cls_terms.append(F.binary_cross_entropy_with_logits(obj[i][_wrap(idx)], _wrap(target),
                                                                reduction="sum"))
            if len(pos):
                tg = self.coder.encode_single(t["boxes"][_wrap(m[pos])], anchors[i][_wrap(pos)])
                reg_terms.append(F.smooth_l1_loss(deltas[i][_wrap(pos)], tg, reduction="sum", beta=1 / 9))
            count += len(idx)
        count = max(count, 1)
        reg = sum(reg_terms) / count if reg_terms else (deltas * 0).sum()
        return {"loss_objectness": sum(cls_terms) / count, "loss_rpn_box_reg": reg}


class RoIHeads(Module):
    """``ohem=k`` (> 0) replaces the balanced random sample by online hard example mining:
    every matched proposal is scored, and only the ``k`` of each image with the highest
    loss (classification + box) are backpropagated."""

    def __init__(self, channels, num_classes, resolution=5, hidden=128, generator=None, ohem=0):
        super().__init__()
        self.ohem = ohem
        self.fc6 = Linear(channels * resolution * resolution, hidden)
        self.fc7 = Linear(hidden, hidden)
        self.cls_score = Linear(hidden, num_classes)
        self.bbox_pred = Linear(hidden, num_classes * 4)
        self.coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
        self.matcher = Matcher(0.5, 0.5, allow_low_quality_matches=False)
        self.sampler = BalancedPositiveNegativeSampler(64, 0.25, generator)
        self.resolution, self.num_classes = resolution, num_classes

    def features(self, feat, proposals, stride):
        x = roi_align(feat, proposals, self.resolution, 1.0 / stride, 2, aligned=True)
        x = F.relu(self.fc6(x.reshape(x.shape[0], -1)))
        x = F.relu(self.fc7(x))
        return self.cls_score(x), self.bbox_pred(x)

    def select(self, proposals, targets):
        """Training: proposals + ground truths, matched and sampled -> (proposals, labels,
        regression targets)."""
        out_p, out_l, out_t = [], [], []
        for p, t in zip(proposals, targets):
            p = cat([p, t["boxes"].to(p.dtype)], 0)
            m = self.matcher(box_iou(t["boxes"], p)).array
            labels = np.where(m >= 0, t["labels"].array[np.maximum(m, 0)], 0)
            labels = np.where(m == -2, -1, labels)
            if self.ohem:
                pos, neg = np.flatnonzero(labels > 0), np.flatnonzero(labels == 0)
            else:
                pos, neg = _sampled_indices(self.sampler, np.where(labels > 0, 1, np.where(labels == 0, 0, -1)))
            idx = np.concatenate([pos, neg])
            ps = p[_wrap(idx)]
            gt = t["boxes"][_wrap(np.maximum(m[idx], 0))]
            out_p.append(ps)
            out_l.append(np.where(np.arange(len(idx)) < len(pos), labels[idx], 0))
            out_t.append(self.coder.encode_single(gt.to(ps.dtype), ps))
        return out_p, out_l, out_t

    def forward(self, feat, proposals, image_size, stride, targets=None):
        if self.training:
            proposals, labels, reg_targets = self.select(proposals, targets)
        logits, deltas = self.features(feat, proposals, stride)
        if self.training:
            y = np.concatenate(labels)
            ce = F.cross_entropy(logits, _wrap(y), reduction="none")
            pos = np.flatnonzero(y > 0)
            box = None
            if len(pos):
                d = deltas.reshape(len(y), -1, 4)[_wrap(pos), _wrap(y[pos])]
                box = F.smooth_l1_loss(d, cat(reg_targets, 0)[_wrap(pos)], reduction="none",
                                       beta=1 / 9).sum(1)
            keep = np.arange(len(y))
            if self.ohem:
                per = ce.array.copy()
                if box is not None:
                    per[pos] += box.array
                sizes = np.cumsum([0] + [len(lab) for lab in labels])
                keep = np.concatenate([a + ohem(_wrap(per[a:b]), self.ohem).array
                                       for a, b in zip(sizes[:-1], sizes[1:])])
            loss_cls = ce[_wrap(keep)].mean()
            chosen = np.flatnonzero(np.isin(pos, keep))
            loss_box = (box[_wrap(chosen)].sum() / len(keep)) if box is not None and len(chosen) \
                else (deltas * 0).sum()
            return None, {"loss_classifier": loss_cls, "loss_box_reg": loss_box}
        probs = F.softmax(logits, -1).array
        boxes = self.coder.decode(deltas.detach(), proposals)            # [R, C, 4]
        out, start = [], 0
        for p in proposals:
            n = p.shape[0]
            out.append(postprocess(boxes[start:start + n, 1:], probs[start:start + n, 1:], image_size))
            start += n
        return out, {}


class FasterRCNNMini(Module):
    """``FasterRCNNMini(num_classes=4, ohem=0)`` (background + 3 shapes) for small images."""

    stride = 4

    def __init__(self, num_classes=4, width=32, channels=64, ohem=0, generator=None):
        super().__init__()
        self.config = {"num_classes": num_classes, "width": width, "channels": channels, "ohem": ohem}
        self.backbone = Backbone(width, channels)
        self.rpn = RPN(channels, generator=generator)
        self.roi_heads = RoIHeads(channels, num_classes, generator=generator, ohem=ohem)

    def forward(self, images, targets=None):
        if self.training and targets is None:
            raise ValueError("FasterRCNNMini: targets are needed in training mode")
        feat = self.backbone(images)[0]
        proposals, rpn_losses = self.rpn(images, feat, targets)
        dets, roi_losses = self.roi_heads(feat, proposals, tuple(images.shape[-2:]), self.stride, targets)
        if self.training:
            return {**rpn_losses, **roi_losses}
        return dets
