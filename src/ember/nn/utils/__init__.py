"""Utilities on parameters and gradients (``torch.nn.utils``'s names)."""
from .clip_grad import (  # noqa: F401
    clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_,
)
from . import rnn  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]
