"""U-Net and DCGAN: shapes, parameter counts of the reference networks, forward and
backward, bad input."""
import pytest

import ember
from ember import models

from ._zoo import build, count, forward_backward


def test_unet_shapes_counts_and_divisibility():
    assert count(build("unet", in_channels=1, num_classes=2)) == 31_036_546
    m = models.unet(in_channels=3, num_classes=4, depth=3, base_channels=4)
    assert forward_backward(m, (2, 3, 16, 24)).shape == (2, 4, 16, 24)
    assert count(models.unet_small()) == 29_490
    with pytest.raises(ValueError, match=r"UNet: input spatial size \(16, 20\) must be divisible by 8"):
        m(ember.randn(1, 3, 16, 20))
    with pytest.raises(ValueError, match=r"UNet: input spatial size \(4, 4\) is too small; expected H, W >= 8"):
        m(ember.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match="depth=0 must be a positive int"):
        models.unet(depth=0)


def test_dcgan_tutorial_counts_and_small_variants():
    # PyTorch's DCGAN tutorial (64x64, nz=100, ngf=ndf=64, nc=3)
    assert count(build("dcgan_generator")) == 3_576_704
    assert count(build("dcgan_discriminator")) == 2_765_568
    assert list(models.dcgan_generator().state_dict())[:2] == ["main.0.weight", "main.1.weight"]
    g = models.dcgan_generator(nz=8, ngf=4, nc=1, image_size=16)
    d = models.dcgan_discriminator(nc=1, ndf=4, image_size=16, sigmoid=False)
    fake = forward_backward(g, (3, 8))
    assert fake.shape == (3, 1, 16, 16) and float(fake.abs().max()) <= 1.0
    assert forward_backward(d, (3, 1, 16, 16)).shape == (3,)
    with pytest.raises(ValueError, match=r"expected 16x16 images, got shape \(3, 1, 32, 32\)"):
        d(ember.randn(3, 1, 32, 32))
    with pytest.raises(ValueError, match="image_size=24 must be 16, 32, 64 or 128"):
        models.dcgan_generator(image_size=24)
