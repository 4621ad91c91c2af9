"""Convolution modules: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d."""
import math
import numbers

from ... import creation
from ...ops import conv as C
from .. import init
from ..parameter import Parameter
from .module import Module


def _tuple(v, n, name="", arg="", low=0):
    """``v`` (an int or n ints, each >= ``low``) as an n-tuple; otherwise a clear error."""
    t = (v,) * n if isinstance(v, numbers.Integral) else tuple(v) if isinstance(v, (tuple, list)) else None
    if t is None or len(t) != n or any(not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < low
                                       for k in t):
        raise ValueError(f"{name}: {arg}={v!r} must be an int >= {low} or {n} of them")
    return tuple(int(k) for k in t)


class _ConvNd(Module):
    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, output_padding=0, padding_mode="zeros", dtype=None, generator=None):
        super().__init__()
        name = type(self).__name__
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(v, numbers.Integral) or v <= 0:
                raise ValueError(f"{name}: {arg}={v!r} must be a positive int")
        if in_channels % groups:
            raise ValueError(f"{name}: groups={groups} must divide in_channels={in_channels}")
        if out_channels % groups:
            raise ValueError(f"{name}: groups={groups} must divide out_channels={out_channels}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r}; only 'zeros' is supported")
        n = self._dims
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, name, "kernel_size", 1)
        self.stride, self.dilation = _tuple(stride, n, name, "stride", 1), _tuple(dilation, n, name, "dilation", 1)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, name, "padding")
        self.output_padding = _tuple(output_padding, n, name, "output_padding")
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        # torch's default: kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ("valid",) and self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution layer; weight (out_channels, in_channels / groups, kH, kW).

        >>> import ember
        >>> conv = ember.nn.Conv2d(3, 16, 3, padding=1)
        >>> conv(ember.randn(2, 3, 32, 32)).shape
        ember.Size([2, 16, 32, 32])
    """
    _dims = 2

    def forward(self, input):
        if input.ndim != 4:
            raise ValueError(f"Conv2d: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
        return C.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution layer, e.g. n-gram filters sliding over word embeddings (N, C, L)."""
    _dims = 1

    def forward(self, input):
        if input.ndim != 3:
            raise ValueError(f"Conv1d: expected a 3-D input (N, C, L), got shape {tuple(input.shape)}")
        pad = self.padding if isinstance(self.padding, str) else self.padding[0]
        return C.conv1d(input, self.weight, self.bias, self.stride[0], pad, self.dilation[0], self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution (multiplication by C^T); weight (in_channels, out_channels / groups, kH, kW)."""
    _dims = 2
    _transposed = True

    def forward(self, input):
        if input.ndim != 4:
            raise ValueError(f"ConvTranspose2d: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
        return C.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)


class ConvTranspose1d(_ConvNd):
    _dims = 1
    _transposed = True

    def forward(self, input):
        return C.conv_transpose1d(input, self.weight, self.bias, self.stride[0], self.padding[0],
                                  self.output_padding[0], self.groups, self.dilation[0])
