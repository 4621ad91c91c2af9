"""Two small detectors for the synthetic shapes: a two-stage Faster R-CNN and an SSD."""
from .fasterrcnn import FasterRCNNMini  # noqa: F401
from .ssd import SSDMini  # noqa: F401
