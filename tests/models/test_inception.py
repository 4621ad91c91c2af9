"""GoogLeNet (Inception v1), Inception v3 and the Inception v2 block: torchvision's keys,
shapes and counts with and without auxiliary classifiers; auxiliary outputs in training."""
import numpy as np
import pytest

import ember
from ember import models

from ._zoo import assert_matches_torchvision, build, forward_backward


@pytest.mark.parametrize("aux", [False, True])
def test_googlenet_state_dict_equals_torchvision(aux):
    assert_matches_torchvision(build("googlenet", aux_logits=aux), "googlenet(aux_logits=True)" if aux else "googlenet")


@pytest.mark.parametrize("aux", [False, True])
def test_inception_v3_state_dict_equals_torchvision(aux):
    assert_matches_torchvision(build("inception_v3", aux_logits=aux),
                               "inception_v3(aux_logits=True)" if aux else "inception_v3")


def test_googlenet_aux_outputs_in_training_only():
    m = models.googlenet(aux_logits=True, num_classes=4)
    out = forward_backward(m, (2, 3, 32, 32))
    assert isinstance(out, models.GoogLeNetOutputs) and [o.shape for o in out] == [(2, 4)] * 3
    assert m.eval()(ember.randn(2, 3, 32, 32)).shape == (2, 4)
    with pytest.raises(ValueError, match=r"GoogLeNet: input has 1 channels .* expected in_channels=3"):
        m(ember.randn(1, 1, 32, 32))


def test_inception_v3_minimum_sizes_and_aux_head():
    m = models.inception_v3(aux_logits=True, num_classes=3)
    with ember.no_grad():
        # the auxiliary head sees the 17x17 grid of a 299x299 input
        assert m.AuxLogits(ember.randn(2, 768, 17, 17)).shape == (2, 3)
        with pytest.raises(ValueError, match=r"Inception3: input spatial size \(75, 75\) is too small; "
                                             r"expected H, W >= 299"):
            m.train()(ember.randn(2, 3, 75, 75))
        assert m.eval()(ember.randn(1, 3, 75, 75)).shape == (1, 3)
        with pytest.raises(ValueError, match=r"Inception3: input spatial size \(74, 74\) is too small; "
                                             r"expected H, W >= 75"):
            m(ember.randn(1, 3, 74, 74))


def test_inception_v2_block_factorises_the_5x5():
    blk = models.InceptionV2Block(16, 8, 8, 12, 4, 6, 5)
    out = forward_backward(blk, (2, 16, 7, 7))
    assert out.shape == (2, 8 + 12 + 6 + 5, 7, 7) == (2, blk.out_channels, 7, 7)
    # the double 3x3 branch: 1x1 (16*4) + 3x3 (4*6*9) + 3x3 (6*6*9) weights, plus 3 BNs (2 per channel)
    dbl = sum(p.numel() for n, p in blk.named_parameters() if "dbl" in n)
    assert dbl == 16 * 4 + 4 * 6 * 9 + 6 * 6 * 9 + 2 * (4 + 6 + 6)
    # its receptive field is 5x5: a change at distance 2 from the centre reaches it, at 3 it does not
    blk.eval()

    def dbl(a):
        with ember.no_grad():
            return blk.branch3x3dbl_3(blk.branch3x3dbl_2(blk.branch3x3dbl_1(ember.tensor(a)))).numpy()
    x = np.zeros((1, 16, 9, 9), np.float32)
    for d, changes in ((2, True), (3, False)):
        y = x.copy()
        y[0, :, 4 + d, 4] = 5.0
        assert (np.abs(dbl(y) - dbl(x))[0, :, 4, 4].max() > 1e-6) == changes
    with pytest.raises(ValueError, match="pool='min'"):
        models.InceptionV2Block(4, 1, 1, 1, 1, 1, 1, pool="min")
