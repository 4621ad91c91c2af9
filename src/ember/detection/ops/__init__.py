"""``ember.detection.ops``: torchvision.ops' detection operators (same names, signatures
and semantics) plus precise RoI pooling."""
from ...ops.loss import sigmoid_focal_loss  # noqa: F401  (torchvision's formula already)
from .boxes import (box_area, box_iou, generalized_box_iou, distance_box_iou,  # noqa: F401
                    complete_box_iou, box_convert, clip_boxes_to_image, remove_small_boxes)
from .nms import nms, batched_nms  # noqa: F401
from .roi_align import roi_align, ps_roi_align, prroi_pool  # noqa: F401
from .roi_pool import roi_pool  # noqa: F401
from .poolers import MultiScaleRoIAlign  # noqa: F401

__all__ = ["box_area", "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou",
           "box_convert", "clip_boxes_to_image", "remove_small_boxes", "nms", "batched_nms",
           "roi_align", "ps_roi_align", "prroi_pool", "roi_pool", "sigmoid_focal_loss",
           "MultiScaleRoIAlign"]
