"""What every zoo model shares: the input check, torchvision's initialisation, the
``weights=`` argument, and Conv-BN-activation blocks with torchvision's module names."""
import os

from .. import nn
from ..nn import init


def check_input(x, name, in_channels, min_size, multiple=1):
    """A clear error for an input the model cannot take: not (N, C, H, W), wrong channel
    count, spatial size below ``min_size`` or (for U-Net) not a multiple of ``multiple``."""
    shape = tuple(x.shape)
    if len(shape) != 4:
        raise ValueError(f"{name}: expected input (N, {in_channels}, H, W), got shape {shape}")
    if shape[1] != in_channels:
        raise ValueError(f"{name}: input has {shape[1]} channels (shape {shape}), expected "
                         f"in_channels={in_channels}")
    if min(shape[2:]) < min_size:
        raise ValueError(f"{name}: input spatial size {shape[2:]} is too small; expected H, W >= {min_size}")
    if multiple > 1 and (shape[2] % multiple or shape[3] % multiple):
        raise ValueError(f"{name}: input spatial size {shape[2:]} must be divisible by {multiple}")


def init_torchvision(model, linear="default", conv_mode="fan_out"):
    """torchvision's initialisation: convolutions kaiming-normal (fan_out, ReLU gain),
    batch norm weight 1 and bias 0, linear layers as torch's default or ``"normal"``
    (N(0, 0.01), bias 0, MobileNet) or ``"zero_bias"``."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            init.kaiming_normal_(m.weight, mode=conv_mode, nonlinearity="relu")
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear == "normal":
            init.normal_(m.weight, 0.0, 0.01)
            init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear == "zero_bias":
            init.zeros_(m.bias)
    return model


def init_truncated_normal(model, std=0.01, stds=None):
    """GoogLeNet / Inception v3 initialisation: convolutions and linear layers from a normal
    of standard deviation ``std`` (or ``stds[module]``) cut at +-2, batch norm 1 and 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            s = (stds or {}).get(m, std)
            init.normal_(m.weight, 0.0, s)
            m.weight.array[...] = m.weight.array.clip(-2.0, 2.0)
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            init.ones_(m.weight)
            init.zeros_(m.bias)
    return model


class BasicConv2d(nn.Module):
    """Conv2d (no bias) -> BatchNorm2d(eps=0.001) -> ReLU, keys ``conv`` and ``bn``
    (the unit of torchvision's GoogLeNet and Inception v3)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return nn.functional.relu(self.bn(self.conv(x)))


def load_weights(model, weights):
    """``weights=None`` keeps the random initialisation; a path loads a safetensors state
    dict (e.g. one written by :func:`ember.models.convert_torch_checkpoint`), strictly."""
    if weights is None:
        return model
    if not isinstance(weights, (str, os.PathLike)):
        raise ValueError(f"weights={weights!r}: expected None or the path of a safetensors state dict "
                         "(ember downloads nothing; convert torchvision's file with "
                         "ember.models.convert_torch_checkpoint)")
    from ..serialization import load
    model.load_state_dict(load(weights))
    return model


class ConvNormActivation(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm2d -> activation, keys ``0``, ``1`` (and ``2``) as in
    torchvision's ``Conv2dNormActivation``; padding keeps the size at stride 1."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, groups=1,
                 activation=nn.ReLU, padding=None, eps=1e-5):
        padding = (kernel_size - 1) // 2 if padding is None else padding
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=False),
                  nn.BatchNorm2d(out_channels, eps=eps)]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)
        self.out_channels = out_channels


def make_divisible(v, divisor=8, min_value=None):
    """Round a channel count to a multiple of ``divisor`` without going below 90% of it
    (MobileNet's rule, also torchvision's)."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v
