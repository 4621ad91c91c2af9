"""DenseNet: torchvision's keys, shapes and counts; the B / C / BC variants; the CIFAR
DenseNet-BC; forward and backward."""
import pytest

import ember
from ember import models

from ._zoo import assert_matches_torchvision, build, count, forward_backward


@pytest.mark.parametrize("name", ["densenet121", "densenet161", "densenet169", "densenet201"])
def test_state_dict_equals_torchvision(name):
    assert_matches_torchvision(build(name), name)


def test_variants_change_width_as_the_paper_says():
    bc, b, c, plain = (count(build("densenet121", variant=v)) for v in ("BC", "B", "C", ""))
    assert bc == 7_978_856
    assert bc < c < plain and bc < b < plain   # bottlenecks and compression each cut parameters
    assert [k for k in build("densenet121", variant="C").state_dict() if "denselayer1.conv2" in k] == []
    with pytest.raises(ValueError, match="variant='D'"):
        models.densenet121(variant="D")


def test_cifar_densenet_bc_count_and_forward_backward():
    # Huang et al. 2016, table 2: DenseNet-BC (L=100, k=12) has 0.8M parameters
    assert count(build("densenet_bc_100_12")) == 769_162
    small = models.densenet_bc_100_12(depth=10, growth_rate=4, num_classes=3, in_channels=1)
    forward_backward(small, (2, 1, 8, 8), 3)
    with pytest.raises(ValueError, match=r"DenseNet: input spatial size \(2, 2\) is too small; expected H, W >= 4"):
        small(ember.randn(2, 1, 2, 2))
    with pytest.raises(ValueError, match="depth=11 must be 6n \\+ 4"):
        models.densenet_bc_100_12(depth=11)
