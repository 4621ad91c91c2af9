"""GoogLeNet / Inception v1 (Szegedy et al. 2014) with torchvision's module names and
parameter counts (6,624,904 without the auxiliary classifiers, 13,004,888 with them).

An Inception module runs four branches side by side on the same input -- 1x1, 1x1 then
3x3, 1x1 then "5x5", 3x3 max pool then 1x1 -- and concatenates them; the 1x1 convolutions
before the wide kernels cut the channels (and the multiply-adds) first (see ``ember lab
run one-by-one-conv``). Like torchvision, the "5x5" branch uses a 3x3 kernel (the layout
of its published weights). With ``aux_logits`` two auxiliary classifiers on inception 4a
and 4d add gradient to the middle of the network while training; the model then returns
``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)`` in training mode.
"""
from collections import namedtuple

from .. import nn
from ..nn import functional as F
from ..ops import cat
from ._common import BasicConv2d, check_input, init_truncated_normal, load_weights

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])


class Inception(nn.Module):
    """Four parallel branches concatenated: ch1x1 + ch3x3 + ch5x5 + pool_proj channels."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1), BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1), BasicConv2d(ch5x5red, ch5x5, 3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(in_channels, pool_proj, 1))

    def forward(self, x):
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: 4x4 adaptive average pool, 1x1 conv 128, fc 1024, dropout, fc."""

    def __init__(self, in_channels, num_classes, dropout=0.7):
        super().__init__()
        self.conv = BasicConv2d(in_channels, 128, 1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4))).flatten(1)
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


class GoogLeNet(nn.Module):
    min_size = 15

    def __init__(self, num_classes=1000, aux_logits=False, dropout=0.2, dropout_aux=0.7, in_channels=3):
        super().__init__()
        self.in_channels, self.aux_logits = in_channels, aux_logits
        self.conv1 = BasicConv2d(in_channels, 64, 7, 2, 3)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes, dropout_aux)
            self.aux2 = InceptionAux(528, num_classes, dropout_aux)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(1024, num_classes)
        init_truncated_normal(self, 0.01)

    def forward(self, x):
        check_input(x, "GoogLeNet", self.in_channels, self.min_size)
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        return GoogLeNetOutputs(x, aux2, aux1) if aux1 is not None else x


def googlenet(weights=None, num_classes=1000, aux_logits=False, in_channels=3, **kwargs):
    """GoogLeNet (torchvision's ``googlenet``): 6,624,904 parameters, 13,004,888 with
    ``aux_logits=True`` (which returns three logits in training mode)."""
    return load_weights(GoogLeNet(num_classes, aux_logits, in_channels=in_channels, **kwargs), weights)
