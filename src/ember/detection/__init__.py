"""``ember.detection``: object detection. ``ops`` holds torchvision.ops' operators (box
geometry, NMS, RoI pooling and align, PrRoI pooling); the building blocks of detectors
(anchors, box coding, matching, sampling, hard-example mining), a synthetic shapes data
set, COCO-style mean average precision and two small detectors live beside it."""
from . import ops  # noqa: F401
from .evaluation import MeanAveragePrecision  # noqa: F401
