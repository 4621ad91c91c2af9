"""Inception v3 (Szegedy et al. 2015, "Rethinking the Inception architecture") with
torchvision's module names and parameter counts (23,834,568 without the auxiliary
classifier, 27,161,264 with it), and the Inception v2 block (Ioffe & Szegedy 2015:
batch norm after every convolution, the 5x5 branch as two stacked 3x3).

Factorising convolutions: two 3x3 layers see a 5x5 field with 18 instead of 25 weights
per channel pair; a 1x7 followed by a 7x1 sees 7x7 with 14 instead of 49 (see ``ember lab
run factorised-conv``). Inception v3 uses all three: InceptionA (5x5 and double 3x3),
InceptionC (1x7 / 7x1), InceptionE (1x3 and 3x1 side by side), with grid reductions
(InceptionB, InceptionD) that pool and convolve with stride 2 in parallel.
"""
from collections import namedtuple

from .. import nn
from ..nn import functional as F
from ..ops import cat
from ._common import BasicConv2d, check_input, init_truncated_normal, load_weights

InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])


class InceptionV2Block(nn.Module):
    """Inception v2 module: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 -> 3x3 (the 5x5, factorised) |
    pool -> 1x1, every convolution followed by batch norm and ReLU; ``pool`` "avg" or "max"."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch_dbl_red, ch_dbl, pool_proj, pool="avg"):
        super().__init__()
        if pool not in ("avg", "max"):
            raise ValueError(f"InceptionV2Block: pool={pool!r} must be 'avg' or 'max'")
        self.pool = pool
        self.branch1x1 = BasicConv2d(in_channels, ch1x1, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, ch3x3red, 1)
        self.branch3x3_2 = BasicConv2d(ch3x3red, ch3x3, 3, padding=1)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, ch_dbl_red, 1)
        self.branch3x3dbl_2 = BasicConv2d(ch_dbl_red, ch_dbl, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(ch_dbl, ch_dbl, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_proj, 1)
        self.out_channels = ch1x1 + ch3x3 + ch_dbl + pool_proj

    def forward(self, x):
        pooled = F.avg_pool2d(x, 3, 1, 1) if self.pool == "avg" else F.max_pool2d(x, 3, 1, 1)
        return cat([self.branch1x1(x), self.branch3x3_2(self.branch3x3_1(x)),
                    self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))), self.branch_pool(pooled)], 1)


class InceptionA(nn.Module):
    def __init__(self, in_channels, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, 1)

    def forward(self, x):
        return cat([self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                    self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                    self.branch_pool(F.avg_pool2d(x, 3, 1, 1))], 1)


class InceptionB(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x):
        return cat([self.branch3x3(x), self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                    F.max_pool2d(x, 3, 2)], 1)


class InceptionC(nn.Module):
    def __init__(self, in_channels, channels_7x7):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = self.branch7x7dbl_1(x)
        for i in range(2, 6):
            d = getattr(self, f"branch7x7dbl_{i}")(d)
        return cat([self.branch1x1(x), b7, d, self.branch_pool(F.avg_pool2d(x, 3, 1, 1))], 1)


class InceptionD(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x):
        b = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return cat([self.branch3x3_2(self.branch3x3_1(x)), b, F.max_pool2d(x, 3, 2)], 1)


class InceptionE(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 320, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x):
        b = self.branch3x3_1(x)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        return cat([self.branch1x1(x), self.branch3x3_2a(b), self.branch3x3_2b(b),
                    self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d),
                    self.branch_pool(F.avg_pool2d(x, 3, 1, 1))], 1)


class InceptionAux(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.conv0 = BasicConv2d(in_channels, 128, 1)
        self.conv1 = BasicConv2d(128, 768, 5)
        self.fc = nn.Linear(768, num_classes)

    def forward(self, x):
        x = self.conv1(self.conv0(F.avg_pool2d(x, 5, 3)))
        return self.fc(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


class Inception3(nn.Module):
    """Inception v3 for inputs of at least 75x75 (299x299 in the paper); the auxiliary
    classifier (5x5/3 average pool, then a 5x5 conv, on the 17x17 grid) needs 299x299 in training."""
    min_size, min_size_aux = 75, 299

    def __init__(self, num_classes=1000, aux_logits=False, dropout=0.5, in_channels=3):
        super().__init__()
        self.in_channels, self.aux_logits = in_channels, aux_logits
        self.Conv2d_1a_3x3 = BasicConv2d(in_channels, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.maxpool1 = nn.MaxPool2d(3, 2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.maxpool2 = nn.MaxPool2d(3, 2)
        self.Mixed_5b = InceptionA(192, 32)
        self.Mixed_5c = InceptionA(256, 64)
        self.Mixed_5d = InceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, 128)
        self.Mixed_6c = InceptionC(768, 160)
        self.Mixed_6d = InceptionC(768, 160)
        self.Mixed_6e = InceptionC(768, 192)
        self.AuxLogits = InceptionAux(768, num_classes) if aux_logits else None
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2048, num_classes)
        stds = {} if not aux_logits else {self.AuxLogits.conv1.conv: 0.01, self.AuxLogits.fc: 0.001}
        init_truncated_normal(self, 0.1, stds)

    def forward(self, x):
        aux_on = self.AuxLogits is not None and self.training
        check_input(x, "Inception3", self.in_channels, self.min_size_aux if aux_on else self.min_size)
        x = self.maxpool1(self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x))))
        x = self.maxpool2(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)))
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
            x = getattr(self, name)(x)
        aux = self.AuxLogits(x) if aux_on else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = self.fc(self.dropout(self.avgpool(x)).flatten(1))
        return InceptionOutputs(x, aux) if aux is not None else x


def inception_v3(weights=None, num_classes=1000, aux_logits=False, in_channels=3, **kwargs):
    """Inception v3 (torchvision's ``inception_v3``): 23,834,568 parameters, 27,161,264 with
    ``aux_logits=True`` (which returns ``InceptionOutputs(logits, aux_logits)`` in training)."""
    return load_weights(Inception3(num_classes, aux_logits, in_channels=in_channels, **kwargs), weights)
