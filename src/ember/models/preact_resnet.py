"""Pre-activation ResNet (He et al. 2016, "Identity mappings in deep residual networks"),
ResNet v2: each block computes x + F(x) with F = conv(relu(bn(conv(relu(bn(x)))))), so the
shortcut path is a pure identity from the input to the output of the network (no ReLU
after the addition) and a final BN-ReLU precedes the pooling. Layout as torchvision's
ResNet (``conv1``, ``layer1..4``, ``fc``) plus ``bn_final``; projection shortcuts are 1x1
convolutions of the pre-activated input."""
from .. import nn
from ..nn import functional as F
from ._common import check_input, init_torchvision, load_weights
from .resnet import conv1x1, conv3x3


class PreActBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.downsample = conv1x1(inplanes, planes, stride) if stride != 1 or inplanes != planes else None

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        shortcut = x if self.downsample is None else self.downsample(pre)
        return self.conv2(F.relu(self.bn2(self.conv1(pre)))) + shortcut


class PreActBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        out = planes * self.expansion
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = conv1x1(inplanes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out)
        self.downsample = conv1x1(inplanes, out, stride) if stride != 1 or inplanes != out else None

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        shortcut = x if self.downsample is None else self.downsample(pre)
        y = self.conv2(F.relu(self.bn2(self.conv1(pre))))
        return self.conv3(F.relu(self.bn3(y))) + shortcut


class PreActResNet(nn.Module):
    min_size = 32

    def __init__(self, block, layers, num_classes=1000, in_channels=3):
        super().__init__()
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for j in range(n):
                blocks.append(block(inplanes, planes, 2 if i > 0 and j == 0 else 1))
                inplanes = planes * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.bn_final = nn.BatchNorm2d(inplanes)
        self.fc = nn.Linear(inplanes, num_classes)
        init_torchvision(self)

    def forward(self, x):
        check_input(x, "PreActResNet", self.in_channels, self.min_size)
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(F.adaptive_avg_pool2d(F.relu(self.bn_final(x)), (1, 1)).flatten(1))


def preact_resnet18(weights=None, num_classes=1000, in_channels=3):
    """Pre-activation ResNet-18 (11,687,848 parameters for 1000 classes)."""
    return load_weights(PreActResNet(PreActBlock, [2, 2, 2, 2], num_classes, in_channels), weights)


def preact_resnet34(weights=None, num_classes=1000, in_channels=3):
    """Pre-activation ResNet-34."""
    return load_weights(PreActResNet(PreActBlock, [3, 4, 6, 3], num_classes, in_channels), weights)


def preact_resnet50(weights=None, num_classes=1000, in_channels=3):
    """Pre-activation ResNet-50 (bottleneck blocks)."""
    return load_weights(PreActResNet(PreActBottleneck, [3, 4, 6, 3], num_classes, in_channels), weights)
