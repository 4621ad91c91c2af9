"""Dropout (functional forms): element-wise (``dropout``) and channel-wise (``dropout2d``).
Inverted dropout multiplies by a random keep mask already scaled by ``1 / (1 - p)``, so
evaluation is the identity. The mask is a constant of the graph (:class:`DropoutMask`):
the gradient is the output gradient times the same mask.

    >>> import ember
    >>> dropout2d(ember.ones(1, 2, 1, 1), 0.5, training=False).tolist()
    [[[[1.0]], [[1.0]]]]
"""
import numbers

import numpy as np

from ..autograd.function import Function
from ..random import rng
from ._util import require_tensor
from ._window import float_input

__all__ = ["dropout", "dropout2d"]


class DropoutMask(Function):
    """``x * mask`` for a constant (scaled keep) mask that broadcasts against ``x``; the
    gradient is ``g * mask``."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return x.array * mask

    @staticmethod
    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return g * mask, None


def _check_p(p, op):
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or p != p or not 0 <= p < 1:
        raise ValueError(f"{op}: p={p!r} must be a probability in [0, 1)")


def dropout(input, p=0.5, training=True, inplace=False, generator=None, scaling="inverted"):
    """Zero each element with probability ``p`` during training.

    ``scaling="inverted"`` (torch's, the default) divides kept values by 1 - p during
    training and does nothing at test time; ``scaling="classic"`` (the notes' original
    formulation) keeps values unscaled in training and multiplies by the keep probability
    1 - p at test time. Both have the same expected output. ``inplace`` is accepted for
    torch compatibility; the result is always a new tensor."""
    require_tensor(input, "dropout")
    _check_p(p, "dropout")
    if scaling not in ("inverted", "classic"):
        raise ValueError(f"dropout: scaling={scaling!r} must be 'inverted' or 'classic'")
    x = input
    if not training:
        return x if scaling == "inverted" or p == 0 else x * (1.0 - p)
    if p == 0:
        return x
    dt = x.array.dtype if x.array.dtype in (np.float32, np.float64) else np.float64
    mask = (rng(generator).random(x.shape, dtype=dt) >= p).astype(dt)
    if scaling == "inverted":
        mask *= 1.0 / (1.0 - p)
    return DropoutMask.apply(x, mask)


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Spatial (channel-wise) dropout: in training each whole channel ``x[n, c]`` is zeroed
    with probability ``p`` and the kept channels are scaled by ``1 / (1 - p)`` (inverted
    dropout, so evaluation is the identity). Neighbouring activations of a feature map are
    strongly correlated, so dropping single pixels regularises little; dropping channels
    does (Tompson et al., 2015). A 3-D input is read as (N, C, L), as torch does.
    ``inplace`` is accepted for torch compatibility; the result is always a new tensor.

        >>> import ember
        >>> y = dropout2d(ember.ones(1, 4, 2, 2), 0.5, generator=ember.Generator().manual_seed(0))
        >>> sorted(set(y.flatten().tolist())) in ([0.0, 2.0], [2.0], [0.0])
        True
    """
    x = float_input(input, "dropout2d")
    _check_p(p, "dropout2d")
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape "
                         f"{tuple(int(s) for s in x.shape)}")
    if not training or p == 0:
        return x
    mshape = tuple(int(s) for s in x.shape[:2]) + (1,) * (x.ndim - 2)
    mask = (rng(generator).random(mshape) >= p).astype(x.dtype)
    mask *= x.dtype.type(1.0 / (1.0 - p))
    return DropoutMask.apply(x, mask)
