"""What the two small detectors share: a small convolutional backbone with feature maps
at strides 4, 8 and 16, and the post-processing of per-class scores and boxes."""
import numpy as np

from ...autograd.tensor import _wrap
from ...nn.modules.container import Sequential
from ...nn.modules.convolution import Conv2d
from ...nn.modules.module import Module
from ...nn.modules.norm import BatchNorm2d
from ...nn.modules.activation import ReLU
from ..ops.boxes import clip_boxes_to_image
from ..ops.nms import batched_nms


def _conv(cin, cout, stride=1):
    return [Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), BatchNorm2d(cout), ReLU()]


class Backbone(Module):
    """Stride-2 conv-BN-ReLU stages; returns the maps at strides 4, 8 and 16."""

    def __init__(self, width=32, channels=64):
        super().__init__()
        self.c4 = Sequential(*_conv(3, width // 2, 2), *_conv(width // 2, width, 2),
                             *_conv(width, channels))                  # stride 4
        self.c8 = Sequential(*_conv(channels, channels, 2))           # stride 8
        self.c16 = Sequential(*_conv(channels, channels, 2))          # stride 16

    def forward(self, x):
        f4 = self.c4(x - 0.5)
        f8 = self.c8(f4)
        return [f4, f8, self.c16(f8)]


def postprocess(boxes, scores, image_size, score_thresh=0.05, nms_thresh=0.5, detections=100):
    """One image: ``boxes`` Tensor[R, K, 4] and ``scores`` array[R, K] for the K foreground
    classes (labels 1..K) -> {"boxes", "scores", "labels"} after a score threshold,
    class-wise NMS and the top ``detections``."""
    R, K = scores.shape
    b = clip_boxes_to_image(boxes.detach().reshape(-1, 4), image_size).array
    s = scores.reshape(-1)
    lab = np.tile(np.arange(1, K + 1), R)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    keep = np.flatnonzero((s > score_thresh) & (w >= 1e-2) & (h >= 1e-2))
    b, s, lab = b[keep], s[keep], lab[keep]
    keep = batched_nms(_wrap(b), _wrap(s), _wrap(lab), nms_thresh).array[:detections]
    return {"boxes": _wrap(b[keep].astype(np.float32)), "scores": _wrap(s[keep].astype(np.float32)),
            "labels": _wrap(lab[keep].astype(np.int64))}
