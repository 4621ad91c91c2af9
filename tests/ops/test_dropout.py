"""Channel-wise dropout (dropout2d, Dropout2d): the statistics and reproducibility of the
channel mask, the gradient through it to second order, bad input errors."""
import numpy as np
import pytest
import torch

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.nn.functional import dropout2d
from ember.nn.modules.spatial import Dropout2d

from ._parity import normal as values


# ---- dropout2d -------------------------------------------------------------------------------
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    g = ember.Generator().manual_seed(0)
    x = ember.tensor(np.random.default_rng(1).uniform(1, 2, (50, 40, 3, 4)), requires_grad=True)
    y = dropout2d(x, 0.3, generator=g)
    ratio = y.detach().numpy() / x.detach().numpy()
    per_channel = ratio.reshape(50, 40, -1)
    assert np.allclose(per_channel, per_channel[:, :, :1]), "one decision per (sample, channel)"
    kept = per_channel[:, :, 0]
    assert set(np.round(np.unique(kept), 12)) == {0.0, round(1 / 0.7, 12)}
    assert abs((kept == 0).mean() - 0.3) < 0.04          # 2000 channels: 4 sd is about 0.04
    # expected value preserved (inverted scaling)
    assert abs(kept.mean() - 1.0) < 0.06
    # gradient is the same mask
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().reshape(50, 40, -1)[:, :, 0], kept)


def test_dropout2d_reproducible_eval_identity_and_3d():
    x = ember.randn(4, 6, 5, 5)
    a = dropout2d(x, 0.5, generator=ember.Generator().manual_seed(7))
    b = dropout2d(x, 0.5, generator=ember.Generator().manual_seed(7))
    c = dropout2d(x, 0.5, generator=ember.Generator().manual_seed(8))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())
    assert dropout2d(x, 0.5, training=False) is x
    assert dropout2d(x, 0.0) is x
    # (N, C, L): channels of length L are dropped together, as torch does for 3-D input
    y = dropout2d(ember.ones(8, 16, 5), 0.5, generator=ember.Generator().manual_seed(1)).numpy()
    assert np.all((y == y[:, :, :1]))
    m = Dropout2d(0.25, generator=ember.Generator().manual_seed(3))
    assert repr(m) == repr(torch.nn.Dropout2d(0.25)) == "Dropout2d(p=0.25, inplace=False)"
    np.testing.assert_array_equal(m.eval()(x).numpy(), x.numpy())
    out = m.train()(ember.ones(200, 10, 2, 2)).numpy()
    assert 0.2 < (out == 0).mean() < 0.3


def test_dropout2d_double_backward_through_mask():
    x = ember.tensor(values(0, (2, 3, 2, 2)), requires_grad=True)
    g = ember.Generator()
    f = lambda t: dropout2d(t, 0.4, generator=g.manual_seed(5)) ** 2   # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan"), "0.5", True])
def test_dropout2d_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"dropout2d: p=.* must be a probability in \[0, 1\)"):
        dropout2d(ember.ones(1, 2, 2, 2), p)
    with pytest.raises(ValueError, match=r"Dropout2d: p=.* must be a probability in \[0, 1\)"):
        Dropout2d(p)


def test_dropout2d_rejects_bad_shape():
    with pytest.raises(ValueError, match=r"dropout2d: expected a 3-D \(N, C, L\) or 4-D \(N, C, H, W\) input, got shape \(4, 5\)"):
        dropout2d(ember.ones(4, 5), 0.5)


@pytest.mark.parametrize("name", ["ember.ops.dropout"])
def test_doctests(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.attempted > 0 and result.failed == 0
