"""ResNet / ResNeXt / Wide ResNet and the CIFAR ResNets: torchvision's keys, shapes and
parameter counts; forward and backward on small inputs; bad input."""
import pytest

import ember
from ember import models

from ._zoo import assert_matches_torchvision, build, count, forward_backward

IMAGENET = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
            "resnext101_32x8d", "wide_resnet50_2"]


@pytest.mark.parametrize("name", IMAGENET)
def test_state_dict_equals_torchvision(name):
    assert_matches_torchvision(build(name), name)


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d"])
def test_imagenet_resnets_run_forward_and_backward_on_32x32(name):
    forward_backward(models.get_model(name, num_classes=7), (2, 3, 32, 32), 7)


def test_cifar_resnets_counts_of_the_paper_and_train_step():
    # He et al. 2015, table 6: 0.27M (20 layers) and 0.85M (56 layers) with zero-padding shortcuts
    assert count(models.resnet20()) == 269_722
    assert count(models.resnet56()) == 853_018
    # option B adds a 1x1 projection + BN at both stage changes: 16*32 + 2*32 + 32*64 + 2*64
    assert count(models.resnet20(shortcut="B")) == 269_722 + 512 + 64 + 2048 + 128
    forward_backward(models.resnet20(num_classes=10), (2, 3, 32, 32), 10)
    forward_backward(models.resnet20(num_classes=3, in_channels=1, residual=False), (2, 1, 16, 16), 3)


def test_bad_input_names_the_problem():
    m = models.resnet20()
    with pytest.raises(ValueError, match=r"CifarResNet: input has 1 channels .* expected in_channels=3"):
        m(ember.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"ResNet: input spatial size \(16, 16\) is too small; expected H, W >= 32"):
        models.resnet18()(ember.randn(1, 3, 16, 16))
    with pytest.raises(ValueError, match=r"expected input \(N, 3, H, W\), got shape \(3, 32, 32\)"):
        m(ember.randn(3, 32, 32))
    with pytest.raises(ValueError, match="shortcut='C'"):
        models.resnet20(shortcut="C")


def test_resnet20_learns_digits():
    import numpy as np
    from ember.data.datasets import load_digits
    Xtr, ytr = load_digits("train", as_images=True, return_X_y=True)
    Xte, yte = load_digits("test", as_images=True, return_X_y=True)
    ember.manual_seed(0)
    m = models.resnet20(num_classes=10, in_channels=1)
    opt = ember.optim.Adam(m.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    for step in range(60):
        idx = rng.choice(len(ytr), 64, replace=False)
        opt.zero_grad()
        ember.nn.functional.cross_entropy(m(Xtr[idx]), ytr[idx]).backward()
        opt.step()
    with ember.no_grad():
        acc = float((m.eval()(Xte).argmax(1) == yte).float().mean())
    assert acc > 0.93    # measured 0.96 after 60 steps of 64 (8x8 digits, one input channel)
