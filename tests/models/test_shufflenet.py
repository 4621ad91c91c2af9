"""ShuffleNet v1 and v2: torchvision's keys, shapes and counts (v2); group widths (v1)."""
import pytest

import ember
from ember import models

from ._zoo import assert_matches_torchvision, build, count, forward_backward


@pytest.mark.parametrize("name", ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0"])
def test_v2_state_dict_equals_torchvision(name):
    assert_matches_torchvision(build(name), name)


def test_v2_forward_backward():
    forward_backward(models.shufflenet_v2_x0_5(num_classes=5), (2, 3, 32, 32), 5)


def test_v1_groups():
    # 1x widths of the paper's table 1; ~1.9M parameters at g=3, 2.4M at g=8 (1000 classes)
    counts = {g: count(build("shufflenet_v1", groups=g)) for g in (1, 3, 8)}
    assert counts == {1: 1_531_936, 3: 1_865_728, 8: 2_434_768}
    m = models.shufflenet_v1(groups=3, num_classes=4)
    assert m.stage2[1].conv1.groups == 3 and m.stage2[0].conv1.groups == 1   # the first 1x1 is not grouped
    forward_backward(m, (2, 3, 32, 32), 4)
    with pytest.raises(ValueError, match=r"groups=5 must be one of \[1, 2, 3, 4, 8\]"):
        models.shufflenet_v1(groups=5)
    with pytest.raises(ValueError, match=r"ShuffleNetV1: input spatial size \(16, 16\) is too small"):
        m(ember.randn(2, 3, 16, 16))
