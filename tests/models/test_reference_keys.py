"""The reference list's remaining models (AlexNet, VGG): every torchvision key, its order and
shape, and the parameter count. With the family tests this covers all 23 entries."""
import pytest

from ._zoo import REFERENCE, assert_matches_torchvision, build

OTHERS = ["alexnet", "vgg11", "vgg16", "vgg16_bn"]
IN_FAMILY_TESTS = {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2",
                   "resnext50_32x4d", "resnext101_32x8d", "densenet121", "densenet161", "densenet169",
                   "densenet201", "googlenet", "googlenet(aux_logits=True)", "inception_v3",
                   "inception_v3(aux_logits=True)", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "mobilenet_v2"}


def test_every_reference_model_is_checked():
    assert set(REFERENCE) == set(OTHERS) | IN_FAMILY_TESTS


@pytest.mark.parametrize("name", OTHERS)
def test_state_dict_equals_torchvision(name):
    assert_matches_torchvision(build(name), name)
