"""MobileNet v2: torchvision's keys, shapes and parameter count; forward and backward."""
import pytest

import ember
from ember import models

from ._zoo import assert_matches_torchvision, build, count, forward_backward


def test_state_dict_equals_torchvision():
    assert_matches_torchvision(build("mobilenet_v2"), "mobilenet_v2")


def test_width_multiplier_and_small_input_forward_backward():
    small = models.mobilenet_v2(num_classes=10, width_mult=0.25)
    assert count(small) < count(models.mobilenet_v2(num_classes=10)) / 4
    forward_backward(small, (2, 3, 32, 32), 10)
    with pytest.raises(ValueError, match=r"MobileNetV2: input spatial size \(8, 8\) is too small"):
        small(ember.randn(1, 3, 8, 8))
