"""Linear (the notes' Affine layer), Identity, Flatten, Maxout."""
import math

from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def _check_positive_int(value, name, cls):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{cls}: {name}={value!r} must be a positive int")


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), initialised like torch:
    W, b ~ U(-1/sqrt(in_features), 1/sqrt(in_features))."""

    def __init__(self, in_features, out_features, bias=True, dtype=None, generator=None):
        super().__init__()
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=dtype))
        self.bias = Parameter(creation.empty(out_features, dtype=dtype)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        # kaiming_uniform_(a=sqrt(5)) reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input (the identity output of a regression network)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Maxout(Module):
    """Maxout unit: the maximum of ``pieces`` affine maps, max_k (x W_k^T + b_k), for each of
    ``out_features`` outputs. ReLU is the special case of two pieces, one fixed at zero."""

    def __init__(self, in_features, out_features, pieces=2, bias=True, generator=None):
        super().__init__()
        _check_positive_int(pieces, "pieces", "Maxout")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        self.linear = Linear(in_features, out_features * pieces, bias=bias, generator=generator)

    def forward(self, input):
        return F.maxout(self.linear(input), self.pieces)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"
