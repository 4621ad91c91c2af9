"""Xception (Chollet 2017): Inception's idea taken to the limit -- every convolution after
the stem is depthwise separable (a 3x3 per-channel convolution, then a 1x1 across
channels), in residual blocks: entry flow (to 728 channels at 1/16), a middle flow of
eight 728-channel blocks, an exit flow (1024, 1536, 2048). 22,855,952 parameters for 1000
classes, the layout of the widely used port of Keras' weights (``block1..12``, ``rep``)."""
from .. import nn
from ..nn import functional as F
from ._common import check_input, init_torchvision, load_weights


class SeparableConv2d(nn.Module):
    """Depthwise ``conv1`` (groups = in_channels) then pointwise 1x1 ``pointwise``."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class Block(nn.Module):
    """``reps`` x (ReLU, separable 3x3, BN), a 3x3 max pool of stride ``strides`` if > 1, plus
    a shortcut (1x1 conv + BN when the shape changes)."""

    def __init__(self, in_filters, out_filters, reps, strides=1, start_with_relu=True, grow_first=True):
        super().__init__()
        if out_filters != in_filters or strides != 1:
            self.skip = nn.Conv2d(in_filters, out_filters, 1, strides, bias=False)
            self.skipbn = nn.BatchNorm2d(out_filters)
        else:
            self.skip = self.skipbn = None
        rep, filters = [], in_filters
        if grow_first:
            rep += [nn.ReLU(), SeparableConv2d(in_filters, out_filters), nn.BatchNorm2d(out_filters)]
            filters = out_filters
        for _ in range(reps - 1):
            rep += [nn.ReLU(), SeparableConv2d(filters, filters), nn.BatchNorm2d(filters)]
        if not grow_first:
            rep += [nn.ReLU(), SeparableConv2d(in_filters, out_filters), nn.BatchNorm2d(out_filters)]
        if not start_with_relu:
            rep = rep[1:]
        if strides != 1:
            rep.append(nn.MaxPool2d(3, strides, 1))
        self.rep = nn.Sequential(*rep)

    def forward(self, x):
        skip = x if self.skip is None else self.skipbn(self.skip(x))
        return self.rep(x) + skip


class Xception(nn.Module):
    min_size = 32

    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__()
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, 32, 3, 2, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.block1 = Block(64, 128, 2, 2, start_with_relu=False)
        self.block2 = Block(128, 256, 2, 2)
        self.block3 = Block(256, 728, 2, 2)
        for i in range(4, 12):
            setattr(self, f"block{i}", Block(728, 728, 3, 1))
        self.block12 = Block(728, 1024, 2, 2, grow_first=False)
        self.conv3 = SeparableConv2d(1024, 1536)
        self.bn3 = nn.BatchNorm2d(1536)
        self.conv4 = SeparableConv2d(1536, 2048)
        self.bn4 = nn.BatchNorm2d(2048)
        self.fc = nn.Linear(2048, num_classes)
        init_torchvision(self)

    def forward(self, x):
        check_input(x, "Xception", self.in_channels, self.min_size)
        x = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))
        for i in range(1, 13):
            x = getattr(self, f"block{i}")(x)
        x = F.relu(self.bn4(self.conv4(F.relu(self.bn3(self.conv3(x))))))
        return self.fc(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


def xception(weights=None, num_classes=1000, in_channels=3):
    """Xception (22,855,952 parameters for 1000 classes)."""
    return load_weights(Xception(num_classes, in_channels), weights)
