from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict  # noqa: F401
from .linear import Linear, Identity, Flatten, Maxout  # noqa: F401
from .activation import ReLU, LeakyReLU, PReLU, ELU, Sigmoid, Tanh, Softmax, LogSoftmax, Softplus, GELU, Hardtanh, ReLU6  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .norm import BatchNorm1d, BatchNorm2d  # noqa: F401
from .normalization import LayerNorm, GroupNorm, InstanceNorm1d, InstanceNorm2d  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .transformer import (  # noqa: F401
    TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer,
    PositionalEncoding,
)
from .loss import (  # noqa: F401
    MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss,
    KLDivLoss, MultiMarginLoss, FocalLoss, LargeMarginSoftmaxLoss, CenterLoss,
)
from .convolution import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # noqa: F401
from .pooling import (  # noqa: F401
    MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveAvgPool1d,
    AdaptiveAvgPool2d, GlobalAvgPool2d, SpatialPyramidPooling,
)
from .sparse import Embedding  # noqa: F401
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .spatial import Dropout2d, ChannelShuffle, Upsample  # noqa: F401

# Only the classes reach ember.nn (as in torch.nn.modules), not the names of these files.
__all__ = [name for name, obj in dict(globals()).items() if isinstance(obj, type)]
