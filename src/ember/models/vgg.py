"""VGG (Simonyan & Zisserman 2014): stacks of 3x3 convolutions and 2x2 max pools, in
torchvision's configurations (VGG-16: 138,357,544 parameters), with or without batch norm,
and ``vgg_small`` for 32x32 inputs (the benchmark network)."""
from .. import nn
from ..nn import MaxPool2d, AdaptiveAvgPool2d

CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def make_layers(cfg, batch_norm=False, in_channels=3):
    layers = []
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(2, 2))
        else:
            layers.append(nn.Conv2d(in_channels, v, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU())
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, features, num_classes=1000, dropout=0.5, pool=7, hidden=4096):
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((pool, pool))
        last = [m for m in features.modules() if isinstance(m, nn.Conv2d)][-1].out_channels
        self.classifier = nn.Sequential(
            nn.Linear(last * pool * pool, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def _constructor(name, cfg, batch_norm):
    def build(num_classes=1000, dropout=0.5, in_channels=3):
        return VGG(make_layers(CFGS[cfg], batch_norm, in_channels), num_classes, dropout)
    build.__name__ = build.__qualname__ = name
    build.__doc__ = (f"VGG configuration {cfg} ({name}){' with batch norm' if batch_norm else ''}, "
                     f"torchvision's layout and parameter count.")
    return build


vgg11, vgg11_bn = _constructor("vgg11", "A", False), _constructor("vgg11_bn", "A", True)
vgg13, vgg13_bn = _constructor("vgg13", "B", False), _constructor("vgg13_bn", "B", True)
vgg16, vgg16_bn = _constructor("vgg16", "D", False), _constructor("vgg16_bn", "D", True)
vgg19, vgg19_bn = _constructor("vgg19", "E", False), _constructor("vgg19_bn", "E", True)


class VGGSmall(nn.Module):
    """conv3x3 32 x2 -> pool -> conv3x3 64 x2 -> pool -> fc 256 -> fc num_classes
    (the VGG recipe for 28x28 / 32x32 inputs; the network of the speed benchmark)."""

    def __init__(self, num_classes=10, in_channels=3, input_size=32, batch_norm=False):
        super().__init__()
        self.features = make_layers([32, 32, "M", 64, 64, "M"], batch_norm, in_channels)
        side = input_size // 4
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * side * side, 256), nn.ReLU(),
                                        nn.Linear(256, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def vgg_small(num_classes=10, in_channels=3, input_size=32, batch_norm=False):
    if input_size < 4:
        raise ValueError(f"vgg_small: input_size={input_size} must be at least 4")
    return VGGSmall(num_classes, in_channels, input_size, batch_norm)
