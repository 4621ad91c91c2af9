"""U-Net (Ronneberger et al. 2015) for dense prediction: a contracting path (two 3x3
conv-BN-ReLU, then 2x2 max pool; channels double at each of ``depth`` levels) and an
expanding path (2x2 transposed convolution up, concatenate the skip connection of the
same level, two 3x3 conv-BN-ReLU), and a 1x1 convolution to ``num_classes`` per-pixel
logits. The skips carry the fine spatial detail that the pooled path has lost. Padded
convolutions keep sizes, so H and W must be divisible by 2**depth.

    >>> import ember
    >>> ember.models.unet_small(in_channels=1, num_classes=2)(ember.randn(2, 1, 16, 16)).shape
    (2, 2, 16, 16)
"""
from .. import nn
from ..ops import cat
from ._common import check_input, init_torchvision, load_weights


class DoubleConv(nn.Sequential):
    """(3x3 conv, BN, ReLU) twice: keys ``0``..``5``."""

    def __init__(self, in_channels, out_channels):
        super().__init__(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels),
                         nn.ReLU(), nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=2, depth=4, base_channels=64):
        super().__init__()
        for arg, v in (("depth", depth), ("base_channels", base_channels), ("num_classes", num_classes)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"UNet: {arg}={v!r} must be a positive int")
        self.in_channels, self.depth = in_channels, depth
        widths = [base_channels << i for i in range(depth + 1)]
        self.inc = DoubleConv(in_channels, widths[0])
        self.down = nn.ModuleList([DoubleConv(widths[i], widths[i + 1]) for i in range(depth)])
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList([nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2)
                                 for i in reversed(range(depth))])
        self.up_conv = nn.ModuleList([DoubleConv(2 * widths[i], widths[i]) for i in reversed(range(depth))])
        self.outc = nn.Conv2d(widths[0], num_classes, 1)
        init_torchvision(self, conv_mode="fan_in")

    def forward(self, x):
        check_input(x, "UNet", self.in_channels, 2 ** self.depth, multiple=2 ** self.depth)
        skips = [self.inc(x)]
        for down in self.down:
            skips.append(down(self.pool(skips[-1])))
        x = skips.pop()
        for up, conv in zip(self.up, self.up_conv):
            x = conv(cat([skips.pop(), up(x)], 1))
        return self.outc(x)


def unet(in_channels=1, num_classes=2, depth=4, base_channels=64, weights=None):
    """The paper's U-Net with padded convolutions and batch norm (depth 4, 64 base
    channels: 31,036,546 parameters for 1 input channel and 2 classes)."""
    return load_weights(UNet(in_channels, num_classes, depth, base_channels), weights)


def unet_small(in_channels=1, num_classes=2, depth=2, base_channels=8, weights=None):
    """A small U-Net (depth 2, 8 base channels) that trains in seconds on 16x16-32x32 masks."""
    return load_weights(UNet(in_channels, num_classes, depth, base_channels), weights)
