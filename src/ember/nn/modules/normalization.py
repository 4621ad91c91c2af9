"""Per-sample normalisation: LayerNorm, GroupNorm, InstanceNorm1d/2d (torch's signatures
and parameter names). Unlike batch norm they use each sample's own statistics, so
training and evaluation agree (InstanceNorm with ``track_running_stats`` excepted)."""
import numbers

from ... import creation
from .. import functional as F
from ..parameter import Parameter
from .module import Module


def _affine(module, shape, on, bias, dtype):
    if on:
        module.weight = Parameter(creation.ones(*shape, dtype=dtype))
        module.bias = Parameter(creation.zeros(*shape, dtype=dtype)) if bias else None
    else:
        module.register_parameter("weight", None)
    if not (on and bias):
        module.register_parameter("bias", None)


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta over the trailing
    ``normalized_shape`` dims of each sample (the Transformer's normalisation)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        if not ns or any(not isinstance(s, numbers.Integral) or s < 0 for s in ns):
            raise ValueError(f"LayerNorm: normalized_shape={normalized_shape!r} must be a non-negative int "
                             "or a non-empty sequence of them")
        self.normalized_shape, self.eps, self.elementwise_affine = tuple(int(s) for s in ns), eps, elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Standardise each sample over groups of channels; per-channel gamma and beta."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None):
        super().__init__()
        if not isinstance(num_groups, int) or num_groups <= 0 or not isinstance(num_channels, int) \
                or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels!r} must be divisible by "
                             f"num_groups={num_groups!r}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine(self, (num_channels,), affine, True, dtype)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    _dims = 3

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 dtype=None):
        super().__init__()
        if not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features={num_features!r} must be a positive int")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, (num_features,), affine, True, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input):
        d = self._dims
        if input.ndim not in (d - 1, d):
            raise ValueError(f"{type(self).__name__}: expected a {d - 1}-D (unbatched) or {d}-D input, "
                             f"got shape {tuple(input.shape)}")
        if input.ndim == d - 1:
            return self.forward(input.unsqueeze(0)).squeeze(0)
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: input has {input.shape[1]} channels in dim 1, "
                             f"expected num_features={self.num_features}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.array)
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               use_input_stats=self.training or not self.track_running_stats,
                               momentum=momentum, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or unbatched (C, L) inputs."""
    _dims = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or unbatched (C, H, W) inputs (style transfer's norm)."""
    _dims = 4
