"""``ember.nn.functional`` (imported as ``F``): layers and losses as functions, with
PyTorch's names. Nothing is defined here: each family lives in its own file of
:mod:`ember.ops` (where a new functional op goes), and this module gathers them.
"""
from ..ops.math import relu, sigmoid, tanh  # noqa: F401
from ..ops.reduce import softmax, log_softmax  # noqa: F401
from ..ops.linalg import linear  # noqa: F401
from ..ops.activation import leaky_relu, prelu, elu, softplus, logsigmoid, gelu, maxout, hardtanh, relu6  # noqa: F401
from ..ops.norm import batch_norm, layer_norm, group_norm, instance_norm  # noqa: F401
from ..ops.loss import (  # noqa: F401
    mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, kl_div, multi_margin_loss, sigmoid_focal_loss, softmax_focal_loss,
)
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.pool import (  # noqa: F401
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
    adaptive_avg_pool1d, adaptive_avg_pool2d, global_avg_pool2d, spatial_pyramid_pool,
)
from ..ops.resample import interpolate  # noqa: F401
from ..ops.shape import channel_shuffle  # noqa: F401
from ..ops.dropout import dropout, dropout2d  # noqa: F401
from ..ops.attention import scaled_dot_product_attention  # noqa: F401

from ..ops.embedding import embedding  # noqa: F401
