"""ShuffleNet v1 (Zhang et al. 2017) and v2 (Ma et al. 2018); v2 with torchvision's module
names and parameter counts (x0.5: 1,366,792; x1.0: 2,278,604).

v1 makes the 1x1 convolutions grouped (``groups`` g cuts their cost by g) and, because
stacked group convolutions would never mix information across groups, shuffles the
channels between them (reshape to (g, C/g), transpose, flatten). v2 follows the paper's
four guidelines instead: equal input/output widths, no group 1x1 convs, fewer branches,
fewer element-wise ops -- each unit splits the channels in two, transforms one half and
concatenates, then shuffles.

    >>> import ember
    >>> ember.models.shufflenet_v2_x0_5(num_classes=10)(ember.randn(2, 3, 32, 32)).shape
    (2, 10)
"""
from .. import nn
from ..nn import functional as F
from ..ops import cat
from ._common import check_input, init_torchvision, load_weights


def _dw(channels, stride):
    return nn.Conv2d(channels, channels, 3, stride, 1, groups=channels, bias=False)


class ShuffleV2Unit(nn.Module):
    """Stride 1: split channels in half, (1x1, BN, ReLU, 3x3 dw, BN, 1x1, BN, ReLU) on one
    half, concatenate, shuffle. Stride 2: both branches see the whole input (``branch1``:
    3x3 dw, BN, 1x1, BN, ReLU) and the width doubles."""

    def __init__(self, inp, oup, stride):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"ShuffleV2Unit: stride={stride} must be 1 or 2")
        bf = oup // 2
        if stride == 1 and inp != 2 * bf:
            raise ValueError(f"ShuffleV2Unit: stride 1 needs inp={inp} == 2 * (oup // 2) = {2 * bf}")
        self.stride = stride
        if stride > 1:
            self.branch1 = nn.Sequential(_dw(inp, stride), nn.BatchNorm2d(inp), nn.Conv2d(inp, bf, 1, bias=False),
                                         nn.BatchNorm2d(bf), nn.ReLU())
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU(),
            _dw(bf, stride), nn.BatchNorm2d(bf), nn.Conv2d(bf, bf, 1, bias=False), nn.BatchNorm2d(bf), nn.ReLU())

    def forward(self, x):
        if self.stride == 1:
            half = x.shape[1] // 2
            out = cat([x[:, :half], self.branch2(x[:, half:])], 1)
        else:
            out = cat([self.branch1(x), self.branch2(x)], 1)
        return F.channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    min_size = 32

    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000, in_channels=3):
        super().__init__()
        if len(stages_repeats) != 3 or len(stages_out_channels) != 5:
            raise ValueError("ShuffleNetV2: expected 3 stage repeats and 5 output widths, got "
                             f"{stages_repeats} and {stages_out_channels}")
        self.in_channels = in_channels
        c = stages_out_channels[0]
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for i, (reps, out) in enumerate(zip(stages_repeats, stages_out_channels[1:4])):
            units = [ShuffleV2Unit(c, out, 2)] + [ShuffleV2Unit(out, out, 1) for _ in range(reps - 1)]
            setattr(self, f"stage{i + 2}", nn.Sequential(*units))
            c = out
        last = stages_out_channels[-1]
        self.conv5 = nn.Sequential(nn.Conv2d(c, last, 1, bias=False), nn.BatchNorm2d(last), nn.ReLU())
        self.fc = nn.Linear(last, num_classes)

    def forward(self, x):
        check_input(x, "ShuffleNetV2", self.in_channels, self.min_size)
        x = self.stage4(self.stage3(self.stage2(self.maxpool(self.conv1(x)))))
        return self.fc(self.conv5(x).mean((2, 3)))


def shufflenet_v2_x0_5(weights=None, num_classes=1000, in_channels=3):
    """ShuffleNet v2 0.5x (torchvision's, 1,366,792 parameters)."""
    return load_weights(ShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 1024], num_classes, in_channels), weights)


def shufflenet_v2_x1_0(weights=None, num_classes=1000, in_channels=3):
    """ShuffleNet v2 1.0x (torchvision's, 2,278,604 parameters)."""
    return load_weights(ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024], num_classes, in_channels), weights)


# ShuffleNet v1, table 1 of the paper: output channels of stages 2-4 for g = 1, 2, 3, 4, 8
V1_WIDTHS = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960), 4: (272, 544, 1088), 8: (384, 768, 1536)}


class ShuffleV1Unit(nn.Module):
    """1x1 group conv (bottleneck = out/4), BN, ReLU, channel shuffle, 3x3 depthwise
    (stride), BN, 1x1 group conv, BN; added to the input (stride 1) or concatenated with
    its 3x3/2 average pool (stride 2), then ReLU."""

    def __init__(self, inp, oup, stride, groups, first_group=True):
        super().__init__()
        self.stride, self.groups = stride, groups
        out = oup - inp if stride == 2 else oup
        mid = oup // 4
        g1 = groups if first_group else 1   # the first unit's input (24 channels) is not grouped
        self.conv1 = nn.Conv2d(inp, mid, 1, groups=g1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = _dw(mid, stride)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(out)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.channel_shuffle(y, self.groups) if self.groups > 1 else y
        y = self.bn3(self.conv3(self.bn2(self.conv2(y))))
        if self.stride == 2:
            return F.relu(cat([F.avg_pool2d(x, 3, 2, 1), y], 1))
        return F.relu(x + y)


class ShuffleNetV1(nn.Module):
    min_size = 32

    def __init__(self, groups=3, num_classes=1000, width_mult=1.0, in_channels=3, stages_repeats=(4, 8, 4)):
        super().__init__()
        if groups not in V1_WIDTHS:
            raise ValueError(f"ShuffleNetV1: groups={groups!r} must be one of {sorted(V1_WIDTHS)}")
        self.in_channels = in_channels
        widths = [int(w * width_mult) // (4 * groups) * 4 * groups for w in V1_WIDTHS[groups]]
        c = 24
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for i, (reps, out) in enumerate(zip(stages_repeats, widths)):
            units = [ShuffleV1Unit(c, out, 2, groups, first_group=i > 0)]
            units += [ShuffleV1Unit(out, out, 1, groups) for _ in range(reps - 1)]
            setattr(self, f"stage{i + 2}", nn.Sequential(*units))
            c = out
        self.fc = nn.Linear(c, num_classes)
        init_torchvision(self, conv_mode="fan_in")

    def forward(self, x):
        check_input(x, "ShuffleNetV1", self.in_channels, self.min_size)
        x = self.stage4(self.stage3(self.stage2(self.maxpool(self.conv1(x)))))
        return self.fc(x.mean((2, 3)))


def shufflenet_v1(weights=None, groups=3, num_classes=1000, width_mult=1.0, in_channels=3):
    """ShuffleNet v1 1x with ``groups`` g in {1, 2, 3, 4, 8} (the paper's table 1 widths)."""
    return load_weights(ShuffleNetV1(groups, num_classes, width_mult, in_channels), weights)
