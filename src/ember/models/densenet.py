"""DenseNet (Huang et al. 2016) with torchvision's module names and parameter counts
(DenseNet-121 7,978,856; -161 28,681,000; -169 14,149,480; -201 20,013,928), the paper's
B / C / BC variants, and the CIFAR DenseNet-BC (L=100, k=12; 0.8M parameters).

Each layer of a dense block receives the concatenation of all earlier feature maps of the
block and adds ``growth_rate`` (k) new ones, so block l sees k0 + k (l - 1) channels.
"B" puts a 1x1 bottleneck (``bn_size`` * k channels) before each 3x3 convolution; "C"
compresses the channels by ``compression`` (theta) in each transition layer. torchvision's
networks are DenseNet-BC (bn_size 4, theta 0.5).

    >>> import ember
    >>> ember.models.densenet_bc_100_12()(ember.randn(2, 3, 32, 32)).shape
    (2, 10)
"""
from collections import OrderedDict

from .. import nn
from ..nn import functional as F
from ..ops import cat
from ._common import check_input, init_torchvision, load_weights


class DenseLayer(nn.Module):
    """BN-ReLU-Conv1x1(bn_size k) -BN-ReLU-Conv3x3(k) (``bottleneck``), or BN-ReLU-Conv3x3(k)."""

    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate, bottleneck=True):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU()
        if bottleneck:
            self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, 1, bias=False)
            self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
            self.relu2 = nn.ReLU()
            self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(num_input_features, growth_rate, 3, padding=1, bias=False)
        self.bottleneck, self.drop_rate = bottleneck, float(drop_rate)

    def forward(self, features):
        x = self.conv1(self.relu1(self.norm1(cat(features, 1))))
        if self.bottleneck:
            x = self.conv2(self.relu2(self.norm2(x)))
        return F.dropout(x, self.drop_rate, self.training) if self.drop_rate > 0 else x


class DenseBlock(nn.ModuleDict):
    """``denselayer1..n``; the output concatenates the input and every layer's new maps."""

    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate, bottleneck=True):
        super().__init__()
        for i in range(num_layers):
            self[f"denselayer{i + 1}"] = DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size,
                                                    drop_rate, bottleneck)

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return cat(features, 1)


class Transition(nn.Sequential):
    """BN-ReLU-Conv1x1 (to ``num_output_features``) -AvgPool 2x2 between dense blocks."""

    def __init__(self, num_input_features, num_output_features):
        super().__init__(OrderedDict([
            ("norm", nn.BatchNorm2d(num_input_features)), ("relu", nn.ReLU()),
            ("conv", nn.Conv2d(num_input_features, num_output_features, 1, bias=False)),
            ("pool", nn.AvgPool2d(2, 2))]))


class DenseNet(nn.Module):
    """Stem (ImageNet: 7x7/2 conv + 3x3/2 max pool; ``small_inputs``: one 3x3 conv),
    dense blocks with transitions, final BN, ReLU, global average pool, fc."""

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4,
                 drop_rate=0.0, num_classes=1000, in_channels=3, bottleneck=True, compression=0.5,
                 small_inputs=False):
        super().__init__()
        if not 0 < compression <= 1:
            raise ValueError(f"DenseNet: compression={compression} must be in (0, 1]")
        self.in_channels = in_channels
        self.min_size = 2 ** (len(block_config) - 1) * (1 if small_inputs else 4)
        if small_inputs:
            stem = [("conv0", nn.Conv2d(in_channels, num_init_features, 3, padding=1, bias=False))]
        else:
            stem = [("conv0", nn.Conv2d(in_channels, num_init_features, 7, 2, 3, bias=False)),
                    ("norm0", nn.BatchNorm2d(num_init_features)), ("relu0", nn.ReLU()),
                    ("pool0", nn.MaxPool2d(3, 2, 1))]
        self.features = nn.Sequential(OrderedDict(stem))
        n = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}",
                                     DenseBlock(num_layers, n, bn_size, growth_rate, drop_rate, bottleneck))
            n += num_layers * growth_rate
            if i != len(block_config) - 1:
                out = int(n * compression)
                self.features.add_module(f"transition{i + 1}", Transition(n, out))
                n = out
        self.features.add_module(f"norm{len(block_config) + 1}", nn.BatchNorm2d(n))
        self.classifier = nn.Linear(n, num_classes)
        self.num_features = n
        init_torchvision(self, linear="zero_bias", conv_mode="fan_in")

    def forward(self, x):
        check_input(x, "DenseNet", self.in_channels, self.min_size)
        x = F.relu(self.features(x))
        return self.classifier(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


def _densenet(name, growth_rate, block_config, num_init_features, params):
    def build(weights=None, num_classes=1000, in_channels=3, variant="BC", drop_rate=0.0, **kwargs):
        if variant not in ("", "B", "C", "BC"):
            raise ValueError(f"{name}: variant={variant!r} must be '' (plain), 'B' (bottleneck), "
                             "'C' (compression) or 'BC'")
        model = DenseNet(growth_rate, block_config, num_init_features, drop_rate=drop_rate, num_classes=num_classes,
                         in_channels=in_channels, bottleneck="B" in variant,
                         compression=kwargs.pop("compression", 0.5 if "C" in variant else 1.0), **kwargs)
        return load_weights(model, weights)
    build.__name__ = build.__qualname__ = name
    build.__doc__ = (f"{name} (torchvision's, {params:,} parameters as DenseNet-BC); ``variant`` 'B', 'C' or "
                     "'' selects the paper's other variants (different widths, so different weights).")
    return build


densenet121 = _densenet("densenet121", 32, (6, 12, 24, 16), 64, 7_978_856)
densenet161 = _densenet("densenet161", 48, (6, 12, 36, 24), 96, 28_681_000)
densenet169 = _densenet("densenet169", 32, (6, 12, 32, 32), 64, 14_149_480)
densenet201 = _densenet("densenet201", 32, (6, 12, 48, 32), 64, 20_013_928)


def densenet_bc_100_12(weights=None, num_classes=10, in_channels=3, growth_rate=12, depth=100,
                       compression=0.5, **kwargs):
    """CIFAR DenseNet-BC (depth 100, growth rate 12): three dense blocks of (depth - 4) / 6
    bottleneck layers, a 3x3 stem of 2k channels, 769,162 parameters for 10 classes."""
    if (depth - 4) % 6:
        raise ValueError(f"densenet_bc_100_12: depth={depth} must be 6n + 4")
    n = (depth - 4) // 6
    model = DenseNet(growth_rate, (n, n, n), 2 * growth_rate, num_classes=num_classes, in_channels=in_channels,
                     compression=compression, small_inputs=True, **kwargs)
    return load_weights(model, weights)
