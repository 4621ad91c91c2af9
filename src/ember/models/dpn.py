"""Dual Path Networks (Chen et al. 2017): each block has a residual path (ResNet: features
are re-used, added) and a densely connected path (DenseNet: new features are explored,
concatenated), sharing one grouped bottleneck. Layout of the widely used port of the
authors' MXNet weights (``features.conv1_1``, ``conv2_1`` ..., ``conv5_bn_ac``,
``last_linear`` as a 1x1 convolution); DPN-68 12,611,602 and DPN-92 37,668,392 parameters
for 1000 classes."""
from collections import OrderedDict

from .. import nn
from ..nn import functional as F
from ..ops import cat
from ._common import check_input, init_torchvision, load_weights


class CatBnAct(nn.Module):
    """Concatenate a (residual, dense) pair, then BN (eps 0.001) and ReLU."""

    def __init__(self, in_chs):
        super().__init__()
        self.bn = nn.BatchNorm2d(in_chs, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(cat(list(x), 1) if isinstance(x, tuple) else x))


class BnActConv2d(nn.Module):
    """BN (eps 0.001) -> ReLU -> Conv2d without bias (pre-activation)."""

    def __init__(self, in_chs, out_chs, kernel_size, stride, padding=0, groups=1):
        super().__init__()
        self.bn = nn.BatchNorm2d(in_chs, eps=0.001)
        self.conv = nn.Conv2d(in_chs, out_chs, kernel_size, stride, padding, groups=groups, bias=False)

    def forward(self, x):
        return self.conv(F.relu(self.bn(x)))


class InputBlock(nn.Module):
    def __init__(self, num_init_features, kernel_size=7, padding=3, in_channels=3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, num_init_features, kernel_size, 2, padding, bias=False)
        self.bn = nn.BatchNorm2d(num_init_features, eps=0.001)
        self.pool = nn.MaxPool2d(3, 2, 1)

    def forward(self, x):
        return self.pool(F.relu(self.bn(self.conv(x))))


class DualPathBlock(nn.Module):
    """1x1 (num_1x1_a) -> 3x3 grouped (num_3x3_b) -> 1x1 to num_1x1_c + inc channels; the
    first num_1x1_c are added to the residual path, the last ``inc`` appended to the dense
    path. ``block_type`` "proj" / "down" (stride 2) projects the input onto both paths."""

    def __init__(self, in_chs, num_1x1_a, num_3x3_b, num_1x1_c, inc, groups, block_type="normal"):
        super().__init__()
        if block_type not in ("proj", "down", "normal"):
            raise ValueError(f"DualPathBlock: block_type={block_type!r} must be 'proj', 'down' or 'normal'")
        self.num_1x1_c = num_1x1_c
        stride = 2 if block_type == "down" else 1
        self.has_proj = block_type != "normal"
        if self.has_proj:
            setattr(self, f"c1x1_w_s{stride}", BnActConv2d(in_chs, num_1x1_c + 2 * inc, 1, stride))
        self.key_stride = stride
        self.c1x1_a = BnActConv2d(in_chs, num_1x1_a, 1, 1)
        self.c3x3_b = BnActConv2d(num_1x1_a, num_3x3_b, 3, stride, 1, groups)
        self.c1x1_c = BnActConv2d(num_3x3_b, num_1x1_c + inc, 1, 1)

    def forward(self, x):
        x_in = cat(list(x), 1) if isinstance(x, tuple) else x
        if self.has_proj:
            x_s = getattr(self, f"c1x1_w_s{self.key_stride}")(x_in)
            x_s1, x_s2 = x_s[:, :self.num_1x1_c], x_s[:, self.num_1x1_c:]
        else:
            x_s1, x_s2 = x
        out = self.c1x1_c(self.c3x3_b(self.c1x1_a(x_in)))
        return x_s1 + out[:, :self.num_1x1_c], cat([x_s2, out[:, self.num_1x1_c:]], 1)


class DPN(nn.Module):
    min_size = 32

    def __init__(self, small=False, num_init_features=64, k_r=96, groups=32, k_sec=(3, 4, 20, 3),
                 inc_sec=(16, 32, 24, 128), num_classes=1000, in_channels=3):
        super().__init__()
        self.in_channels = in_channels
        bw_factor = 1 if small else 4
        blocks = OrderedDict()
        blocks["conv1_1"] = InputBlock(num_init_features, 3 if small else 7, 1 if small else 3, in_channels)
        in_chs = num_init_features
        for stage, (n, inc) in enumerate(zip(k_sec, inc_sec)):
            bw = (64 << stage) * bw_factor
            r = (k_r * bw) // (64 * bw_factor)
            kind = "proj" if stage == 0 else "down"
            blocks[f"conv{stage + 2}_1"] = DualPathBlock(in_chs, r, r, bw, inc, groups, kind)
            in_chs = bw + 3 * inc
            for i in range(2, n + 1):
                blocks[f"conv{stage + 2}_{i}"] = DualPathBlock(in_chs, r, r, bw, inc, groups)
                in_chs += inc
        blocks["conv5_bn_ac"] = CatBnAct(in_chs)
        self.features = nn.Sequential(blocks)
        self.last_linear = nn.Conv2d(in_chs, num_classes, 1)
        init_torchvision(self, conv_mode="fan_in")

    def forward(self, x):
        check_input(x, "DPN", self.in_channels, self.min_size)
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.last_linear(x).flatten(1)


def dpn68(weights=None, num_classes=1000, in_channels=3):
    """DPN-68 (small stem, k_r 128, 32 groups), 12,611,602 parameters."""
    return load_weights(DPN(True, 10, 128, 32, (3, 4, 12, 3), (16, 32, 32, 64), num_classes, in_channels), weights)


def dpn92(weights=None, num_classes=1000, in_channels=3):
    """DPN-92 (k_r 96, 32 groups), 37,668,392 parameters."""
    return load_weights(DPN(False, 64, 96, 32, (3, 4, 20, 3), (16, 32, 24, 128), num_classes, in_channels), weights)
