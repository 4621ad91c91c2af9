"""MobileNet v2 (Sandler et al. 2018) with torchvision's module names and parameter count
(3,504,872 for 1000 classes).

Its inverted residual block expands the channels with a 1x1 convolution (factor t = 6),
filters each channel alone with a 3x3 depthwise convolution (``groups`` = channels), and
projects back with a linear 1x1 convolution (no activation: a ReLU in the narrow space
would destroy information). A depthwise-separable convolution costs
k^2 C + C C' multiply-adds per pixel instead of k^2 C C' (see ``ember lab run
depthwise-separable``).

    >>> import ember
    >>> ember.models.mobilenet_v2(num_classes=10, width_mult=0.25)(ember.randn(2, 3, 32, 32)).shape
    (2, 10)
"""
from .. import nn
from ._common import ConvNormActivation, check_input, init_torchvision, load_weights, make_divisible

INVERTED_RESIDUAL_SETTING = [  # t (expansion), c (channels), n (blocks), s (first stride)
    [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]


class InvertedResidual(nn.Module):
    """1x1 expand (ReLU6) -> 3x3 depthwise (ReLU6) -> 1x1 linear projection; the input is
    added back when the stride is 1 and the channel count is unchanged."""

    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"InvertedResidual: stride={stride} must be 1 or 2")
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = [] if expand_ratio == 1 else [ConvNormActivation(inp, hidden, 1, activation=nn.ReLU6)]
        layers += [ConvNormActivation(hidden, hidden, 3, stride, groups=hidden, activation=nn.ReLU6),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)
        self.out_channels, self.stride = oup, stride

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """Stem 3x3/2 conv 32, 17 inverted residual blocks, 1x1 conv 1280, global average pool,
    dropout, fc. ``width_mult`` scales every width (rounded to multiples of 8)."""
    min_size = 32

    def __init__(self, num_classes=1000, width_mult=1.0, in_channels=3, dropout=0.2, round_nearest=8):
        super().__init__()
        self.in_channels = in_channels
        input_channel = make_divisible(32 * width_mult, round_nearest)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features = [ConvNormActivation(in_channels, input_channel, 3, 2, activation=nn.ReLU6)]
        for t, c, n, s in INVERTED_RESIDUAL_SETTING:
            out = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(InvertedResidual(input_channel, out, s if i == 0 else 1, t))
                input_channel = out
        features.append(ConvNormActivation(input_channel, self.last_channel, 1, activation=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.last_channel, num_classes))
        init_torchvision(self, linear="normal")

    def forward(self, x):
        check_input(x, "MobileNetV2", self.in_channels, self.min_size)
        x = self.features(x)
        return self.classifier(nn.functional.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


def mobilenet_v2(weights=None, num_classes=1000, width_mult=1.0, in_channels=3, **kwargs):
    """MobileNet v2 (torchvision's ``mobilenet_v2``; 3,504,872 parameters at width 1.0)."""
    return load_weights(MobileNetV2(num_classes, width_mult, in_channels, **kwargs), weights)
