"""``ember.nn.functional`` (imported as ``F``): layers and losses as functions, with
PyTorch's names. Nothing is defined here: each family lives in its own file of
:mod:`ember.ops` (where a new functional op goes), and this module gathers them.

Dropout is here until the element-wise and channel-wise versions share ``ops/dropout.py``.
"""
import numbers

import numpy as np

from ..autograd.function import Function
from ..ops._util import Tensor
from ..random import rng
from ..ops.math import relu, sigmoid, tanh  # noqa: F401
from ..ops.reduce import softmax, log_softmax  # noqa: F401
from ..ops.linalg import linear  # noqa: F401
from ..ops.activation import leaky_relu, prelu, elu, softplus, gelu, maxout  # noqa: F401
from ..ops.norm import batch_norm  # noqa: F401
from ..ops.loss import (  # noqa: F401
    mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, kl_div, multi_margin_loss, sigmoid_focal_loss, softmax_focal_loss,
    _check_reduction,
)
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.pool import (  # noqa: F401
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
    adaptive_avg_pool1d, adaptive_avg_pool2d, global_avg_pool2d, spatial_pyramid_pool,
)
from ..ops.resample import interpolate  # noqa: F401
from ..ops.shape import channel_shuffle  # noqa: F401
from ..ops.dropout import dropout2d  # noqa: F401


class Dropout(Function):
    """Multiply by a random keep-mask (scaled); the gradient is multiplied by the same mask."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return x.data * mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None


def dropout(input, p=0.5, training=True, inplace=False, generator=None, scaling="inverted"):
    """Zero each element with probability ``p`` during training.

    ``scaling="inverted"`` (torch's, the default) divides kept values by 1 - p during
    training and does nothing at test time; ``scaling="classic"`` (the notes' original
    formulation) keeps values unscaled in training and multiplies by the keep probability
    1 - p at test time. Both have the same expected output."""
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: input must be an ember Tensor, got {type(input).__name__}")
    x = input
    if not isinstance(p, numbers.Real) or not 0 <= p < 1 or p != p:
        raise ValueError(f"dropout: p={p!r} must be a probability in [0, 1)")
    if scaling not in ("inverted", "classic"):
        raise ValueError(f"dropout: scaling={scaling!r} must be 'inverted' or 'classic'")
    if not training:
        return x if scaling == "inverted" or p == 0 else x * (1.0 - p)
    if p == 0:
        return x
    keep = rng(generator).random(x.shape) >= p
    mask = keep.astype(x.data.dtype)
    if scaling == "inverted":
        mask *= 1.0 / (1.0 - p)
    return Dropout.apply(x, mask)
