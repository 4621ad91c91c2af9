"""AlexNet (Krizhevsky et al. 2012) in torchvision's configuration: 5 convolutions, 3 max
pools, 3 fully connected layers, ReLU and dropout. 61,100,840 parameters for 1000 classes."""
from .. import nn
from ..nn import MaxPool2d, AdaptiveAvgPool2d


class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5, in_channels=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, 11, stride=4, padding=2), nn.ReLU(), MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), MaxPool2d(3, 2))
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


class AlexNetSmall(nn.Module):
    """The same recipe scaled for 28x28/32x32 inputs: 5 small convolutions (3 pools), ReLU,
    dropout and 3 fully connected layers; trains on a laptop."""

    def __init__(self, num_classes=10, in_channels=3, input_size=32, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2),
            nn.Conv2d(64, 96, 3, padding=1), nn.ReLU(),
            nn.Conv2d(96, 96, 3, padding=1), nn.ReLU(),
            nn.Conv2d(96, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2))
        side = input_size // 8
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * side * side, 256), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def alexnet(num_classes=1000, dropout=0.5, in_channels=3):
    return AlexNet(num_classes, dropout, in_channels)


def alexnet_small(num_classes=10, in_channels=3, input_size=32, dropout=0.5):
    if input_size < 8:
        raise ValueError(f"alexnet_small: input_size={input_size} must be at least 8")
    return AlexNetSmall(num_classes, in_channels, input_size, dropout)
