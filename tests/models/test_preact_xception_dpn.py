"""Pre-activation ResNet, Xception and DPN: parameter counts of the papers' networks (as
published by their reference ports), forward and backward on small inputs."""
import pytest

import ember
from ember import models

from ._zoo import build, count, forward_backward


def test_parameter_counts():
    # Xception 22.86M (Keras-weights port), DPN-68 12.61M and DPN-92 37.67M (MXNet-weights port)
    assert count(build("xception")) == 22_855_952
    assert count(build("dpn68")) == 12_611_602
    assert count(build("dpn92")) == 37_668_392
    # v2 = v1 - BN of the projection shortcuts + a final BN + BN on the (narrower) block inputs
    assert count(build("preact_resnet18")) == 11_689_512 - 2 * (128 + 256 + 512) + 2 * 512 - (64 + 128 + 256) * 2


@pytest.mark.parametrize("name", ["preact_resnet18", "preact_resnet50", "xception", "dpn68"])
def test_forward_backward_on_32x32(name):
    forward_backward(models.get_model(name, num_classes=5), (2, 3, 32, 32), 5)


def test_preact_identity_path_and_bad_input():
    m = models.preact_resnet18(num_classes=3)
    blk = m.layer1[0]
    assert blk.downsample is None    # identity shortcut: the block's output is x + F(x)
    for p in blk.parameters():
        p.requires_grad_(False)
    ember.nn.init.zeros_(blk.conv2.weight)
    x = ember.randn(2, 64, 8, 8)
    assert ember.allclose(blk.eval()(x), x)
    with pytest.raises(ValueError, match=r"Xception: input has 1 channels"):
        build("xception")(ember.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"DPN: input spatial size \(8, 8\) is too small"):
        build("dpn68")(ember.randn(2, 3, 8, 8))
