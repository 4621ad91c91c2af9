"""ResNet (He et al. 2015), ResNeXt (Xie et al. 2016) and Wide ResNet (Zagoruyko &
Komodakis 2016) with torchvision's module names, state-dict keys and parameter counts
(ResNet-18 11,689,512; ResNet-50 25,557,032; ResNeXt-50 32x4d 25,028,904), and the CIFAR
ResNets of the paper's section 4.2 (``resnet20``/``resnet56``: 3x3 stem, three stages of
16/32/64 channels, parameter-free shortcuts; 0.27M and 0.85M parameters).

A residual block learns F(x) and outputs relu(F(x) + x): the identity path lets the
gradient reach early layers unchanged, so adding blocks cannot make training error rise
the way stacking plain layers does (see ``ember lab run residual-depth``).

    >>> import ember
    >>> m = ember.models.resnet20(num_classes=10)
    >>> m(ember.randn(2, 3, 32, 32)).shape
    (2, 10)
"""
from .. import nn
from .. import creation
from ..ops import cat
from ._common import check_input, init_torchvision, load_weights


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    return nn.Conv2d(in_planes, out_planes, 3, stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, 1, stride, bias=False)


class BasicBlock(nn.Module):
    """relu(bn(conv3x3(relu(bn(conv3x3(x))))) + shortcut(x)); stride on the first conv."""
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64):
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError(f"BasicBlock: groups={groups}, base_width={base_width}; only 1 and 64 are defined")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """1x1 reduce -> 3x3 (stride, ``groups`` = cardinality) -> 1x1 expand (x4), plus the
    shortcut; width = planes * base_width / 64 * groups (ResNeXt, Wide ResNet)."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet(nn.Module):
    """ImageNet ResNet: 7x7/2 stem, 3x3/2 max pool, four stages (64..512 planes, stride 2
    from the second), global average pool, fc. Inputs of at least 32x32."""
    min_size = 32

    def __init__(self, block, layers, num_classes=1000, groups=1, width_per_group=64, in_channels=3,
                 zero_init_residual=False):
        super().__init__()
        self.in_channels, self.inplanes = in_channels, 64
        self.groups, self.base_width = groups, width_per_group
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], 2)
        self.layer3 = self._make_layer(block, 256, layers[2], 2)
        self.layer4 = self._make_layer(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        init_torchvision(self)
        if zero_init_residual:   # each block starts as the identity (Goyal et al. 2017)
            for m in self.modules():
                if isinstance(m, (Bottleneck, BasicBlock)):
                    nn.init.zeros_(m.bn3.weight if isinstance(m, Bottleneck) else m.bn2.weight)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups, base_width=self.base_width)
                   for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward_features(self, x):
        check_input(x, type(self).__name__, self.in_channels, self.min_size)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        return self.fc(self.avgpool(self.forward_features(x)).flatten(1))


def _resnet(name, block, layers, doc, **fixed):
    def build(weights=None, num_classes=1000, in_channels=3, **kwargs):
        return load_weights(ResNet(block, layers, num_classes, in_channels=in_channels, **fixed, **kwargs),
                            weights)
    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{doc} (torchvision's ``{name}``; ``weights``: None or a safetensors path)."
    return build


resnet18 = _resnet("resnet18", BasicBlock, [2, 2, 2, 2], "ResNet-18, 11,689,512 parameters")
resnet34 = _resnet("resnet34", BasicBlock, [3, 4, 6, 3], "ResNet-34, 21,797,672 parameters")
resnet50 = _resnet("resnet50", Bottleneck, [3, 4, 6, 3], "ResNet-50, 25,557,032 parameters")
resnet101 = _resnet("resnet101", Bottleneck, [3, 4, 23, 3], "ResNet-101, 44,549,160 parameters")
resnet152 = _resnet("resnet152", Bottleneck, [3, 8, 36, 3], "ResNet-152, 60,192,808 parameters")
resnext50_32x4d = _resnet("resnext50_32x4d", Bottleneck, [3, 4, 6, 3],
                          "ResNeXt-50 32x4d (cardinality 32, width 4), 25,028,904 parameters",
                          groups=32, width_per_group=4)
resnext101_32x8d = _resnet("resnext101_32x8d", Bottleneck, [3, 4, 23, 3],
                           "ResNeXt-101 32x8d, 88,791,336 parameters", groups=32, width_per_group=8)
wide_resnet50_2 = _resnet("wide_resnet50_2", Bottleneck, [3, 4, 6, 3],
                          "Wide ResNet-50-2 (bottlenecks twice as wide), 68,883,240 parameters",
                          width_per_group=128)


class ShortcutA(nn.Module):
    """The CIFAR ResNet's parameter-free shortcut (option A): subsample by ``stride`` and
    pad the new channels with zeros."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.stride, self.extra = stride, planes - in_planes

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        if self.extra:
            n, _, h, w = x.shape
            x = cat([x, creation.zeros(n, self.extra, h, w, dtype=x.dtype)], 1)
        return x


class CifarResNet(nn.Module):
    """ResNet for 32x32 inputs (He et al. 2015, section 4.2): 3x3 conv 16, three stages of
    ``n`` basic blocks (16, 32, 64 channels; stride 2 at stages 2 and 3), global average
    pool, fc; 6n + 2 layers. ``residual=False`` drops the shortcuts (the plain net of the
    paper's figure 6); ``shortcut="B"`` uses 1x1 projections where the shape changes."""
    min_size = 4

    def __init__(self, n, num_classes=10, in_channels=3, residual=True, shortcut="A", widths=(16, 32, 64)):
        super().__init__()
        if shortcut not in ("A", "B"):
            raise ValueError(f"CifarResNet: shortcut={shortcut!r} must be 'A' (zero-padding) or 'B' (projection)")
        self.in_channels, self.residual = in_channels, residual
        self.conv1 = conv3x3(in_channels, widths[0])
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        inplanes = widths[0]
        for i, planes in enumerate(widths):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                down = None
                if residual and (stride != 1 or inplanes != planes):
                    down = (ShortcutA(inplanes, planes, stride) if shortcut == "A" else
                            nn.Sequential(conv1x1(inplanes, planes, stride), nn.BatchNorm2d(planes)))
                blocks.append((BasicBlock if residual else PlainBlock)(inplanes, planes, stride, down))
                inplanes = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, num_classes)
        init_torchvision(self, conv_mode="fan_in")

    def forward(self, x):
        check_input(x, type(self).__name__, self.in_channels, self.min_size)
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


class PlainBlock(BasicBlock):
    """A basic block without its shortcut: relu(bn(conv(relu(bn(conv(x))))))."""

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))


def resnet20(weights=None, num_classes=10, in_channels=3, **kwargs):
    """CIFAR ResNet-20 (n=3): 269,722 parameters for 10 classes."""
    return load_weights(CifarResNet(3, num_classes, in_channels, **kwargs), weights)


def resnet56(weights=None, num_classes=10, in_channels=3, **kwargs):
    """CIFAR ResNet-56 (n=9): 853,018 parameters for 10 classes."""
    return load_weights(CifarResNet(9, num_classes, in_channels, **kwargs), weights)
