"""Pooling layers (torch.nn's names, arguments and reprs) plus ember's ``GlobalAvgPool2d``
and ``SpatialPyramidPooling``. Each is a thin wrapper over :mod:`ember.nn.functional`.

    >>> import ember
    >>> from ember.nn.modules.pooling import MaxPool2d
    >>> MaxPool2d(2)
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> MaxPool2d(2)(ember.randn(1, 3, 8, 8)).shape
    ember.Size([1, 3, 4, 4])
"""
import numbers

from .. import functional as P
from .module import Module


def _stride(kernel_size, stride):
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return kernel_size
    return stride


def _norm(v):
    return tuple(v) if isinstance(v, list) else v


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = _norm(kernel_size)
        self.stride = _norm(_stride(kernel_size, stride))
        self.padding, self.dilation = _norm(padding), _norm(dilation)
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over (N, C, H, W): the largest value of each ``kernel_size`` window
    (see :func:`ember.nn.functional.max_pool2d`). ``stride`` defaults to ``kernel_size``."""

    def forward(self, input):
        return P.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L) (see :func:`ember.nn.functional.max_pool1d`)."""

    def forward(self, input):
        return P.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool2d(Module):
    """2-D average pooling (see :func:`ember.nn.functional.avg_pool2d` for the divisor rules)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = _norm(kernel_size)
        self.stride = _norm(_stride(kernel_size, stride))
        self.padding = _norm(padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        return P.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """1-D average pooling over (N, C, L)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        one = (lambda v: (v,) if isinstance(v, numbers.Integral) else tuple(v))
        self.kernel_size = one(kernel_size)
        self.stride = one(_stride(kernel_size, stride))
        self.padding = one(padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = _norm(output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptiveNd):
    """Average over torch's adaptive bins to a fixed ``output_size`` (None keeps a size)."""

    def forward(self, input):
        return P.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveNd):
    """1-D adaptive average pooling over (N, C, L)."""

    def forward(self, input):
        return P.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptiveNd):
    """Maximum over torch's adaptive bins to a fixed ``output_size``."""

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = bool(return_indices)

    def forward(self, input):
        return P.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """1-D adaptive max pooling over (N, C, L)."""

    def forward(self, input):
        return P.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class GlobalAvgPool2d(Module):
    """Global average pooling, (N, C, H, W) -> (N, C): each channel's mean. Replaces the
    fully connected head of a CNN (Network in Network, GoogLeNet, ResNet), with no
    parameters; equals ``AdaptiveAvgPool2d(1)`` followed by ``Flatten()``.

        >>> import ember
        >>> GlobalAvgPool2d()(ember.ones(2, 5, 3, 3)).shape
        ember.Size([2, 5])
    """

    def forward(self, input):
        return P.global_avg_pool2d(input)


class SpatialPyramidPooling(Module):
    """Spatial pyramid pooling (SPP-net): concatenated adaptive ``l x l`` poolings for each
    ``l`` in ``levels``; output (N, C * sum(l * l)) for any input H, W.

        >>> import ember
        >>> spp = SpatialPyramidPooling((1, 2, 4))
        >>> spp(ember.randn(1, 8, 13, 17)).shape, spp(ember.randn(1, 8, 32, 32)).shape
        (ember.Size([1, 168]), ember.Size([1, 168]))
    """

    def __init__(self, levels=(1, 2, 4), mode="max"):
        super().__init__()
        if mode not in ("max", "avg"):
            raise ValueError(f"SpatialPyramidPooling: mode={mode!r} must be 'max' or 'avg'")
        levels = tuple(levels)
        if not levels or not all(isinstance(l, numbers.Integral) and not isinstance(l, bool) and l >= 1
                                 for l in levels):
            raise ValueError(f"SpatialPyramidPooling: levels={levels!r} must be a non-empty sequence "
                             f"of positive ints")
        self.levels, self.mode = tuple(int(l) for l in levels), mode

    def output_features(self, channels):
        """Length of the output vector for ``channels`` input channels."""
        return channels * sum(l * l for l in self.levels)

    def forward(self, input):
        return P.spatial_pyramid_pool(input, self.levels, self.mode)

    def extra_repr(self):
        return f"levels={self.levels}, mode={self.mode!r}"
