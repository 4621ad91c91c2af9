"""Layers on feature maps: channel-wise dropout, ShuffleNet's channel shuffle and
upsampling (torch.nn's names, arguments and reprs).

    >>> import ember
    >>> from ember.nn.modules.spatial import Upsample
    >>> Upsample(scale_factor=2)(ember.ones(1, 1, 2, 2)).shape
    ember.Size([1, 1, 4, 4])
"""
import numbers

from ...ops.resample import MODES
from .. import functional as P
from .module import Module


class Dropout2d(Module):
    """Zero whole channels with probability ``p`` in training and scale the rest by
    ``1 / (1 - p)``; identity in eval (see :func:`ember.nn.functional.dropout2d`).
    ``inplace`` is kept for torch compatibility (shown in the repr); the output is a new tensor.

        >>> import ember
        >>> Dropout2d(0.5).eval()(ember.ones(1, 2, 2, 2)).sum().item()
        8.0
    """

    def __init__(self, p=0.5, inplace=False, generator=None):
        super().__init__()
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or p != p or not 0 <= p < 1:
            raise ValueError(f"Dropout2d: p={p!r} must be a probability in [0, 1)")
        self.p, self.inplace, self.generator = float(p), bool(inplace), generator

    def forward(self, input):
        return P.dropout2d(input, self.p, self.training, generator=self.generator)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class ChannelShuffle(Module):
    """ShuffleNet's channel shuffle with ``groups`` groups (torch.nn.ChannelShuffle)."""

    def __init__(self, groups):
        super().__init__()
        if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
            raise ValueError(f"ChannelShuffle: groups={groups!r} must be a positive int")
        self.groups = int(groups)

    def forward(self, input):
        return P.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class Upsample(Module):
    """Resize by ``scale_factor`` or to ``size`` with :func:`ember.nn.functional.interpolate`
    (modes ``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"Upsample: exactly one of size and scale_factor must be given, got "
                             f"size={size!r} and scale_factor={scale_factor!r}")
        if mode not in MODES:
            raise ValueError(f"Upsample: mode={mode!r} must be one of {MODES}")
        self.size = tuple(size) if isinstance(size, list) else size
        if isinstance(scale_factor, (tuple, list)):
            scale_factor = tuple(float(f) for f in scale_factor)
        elif scale_factor is not None:
            scale_factor = float(scale_factor)
        self.scale_factor, self.mode = scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):
        return P.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
