"""Dropout2d, channel shuffle and interpolation/Upsample: torch parity (values, gradients and
second derivatives, float64) on hypothesis-drawn sizes, scale factors and modes; the
statistics and reproducibility of channel dropout; bad input errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.nn.modules.spatial import ChannelShuffle, Dropout2d, Upsample
from ember.nn.pooling import channel_shuffle, dropout2d, interpolate

from ..core._parity import check

TF = torch.nn.functional
seeds = st.integers(0, 2 ** 16)


def values(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def squared(f):
    def g(m, t):
        y = f(m, t)
        return y, y * y
    return g


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


# ---- channel shuffle -------------------------------------------------------------------------
@given(n=st.integers(1, 3), groups=st.integers(1, 4), per=st.integers(1, 4),
       rest=st.lists(st.integers(1, 3), min_size=1, max_size=2), seed=seeds)
def test_channel_shuffle_matches_torch(n, groups, per, rest, seed):
    x = values(seed, (n, groups * per, *rest))
    check(squared(lambda m, t: channel_shuffle(t, groups) if m is ember
                  else torch.nn.ChannelShuffle(groups)(t)), [x])
    check(lambda m, t: (ChannelShuffle(groups) if m is ember else torch.nn.ChannelShuffle(groups))(t), [x])


def test_channel_shuffle_order_and_errors():
    x = ember.arange(12.0).reshape(1, 12, 1, 1)
    # ShuffleNet: 3 groups of 4 -> take one channel from each group in turn
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    assert repr(ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    with pytest.raises(ValueError, match=r"channel_shuffle: groups=5 must divide the number of channels C=12 of the input of shape \(1, 12, 1, 1\)"):
        channel_shuffle(x, 5)
    with pytest.raises(ValueError, match=r"channel_shuffle: expected an input with more than 2 dims \(N, C, \*\), got shape \(2, 6\)"):
        channel_shuffle(ember.ones(2, 6), 2)
    with pytest.raises(ValueError, match=r"ChannelShuffle: groups=0 must be a positive int"):
        ChannelShuffle(0)


# ---- interpolate -----------------------------------------------------------------------------
SCALES = [0.5, 0.7, 1.0, 1.3, 1.5, 2.0, 2.5, 3.0]


@st.composite
def resize(draw):
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    if draw(st.booleans()):
        kw = {"size": (draw(st.integers(1, 9)), draw(st.integers(1, 9)))}
    else:
        sf = (draw(st.sampled_from(SCALES)), draw(st.sampled_from(SCALES)))
        if int(h * sf[0]) < 1 or int(w * sf[1]) < 1:
            sf = (2.0, 2.0)
        kw = {"scale_factor": sf if draw(st.booleans()) or sf[0] != sf[1] else sf[0]}
        if draw(st.booleans()):
            kw["recompute_scale_factor"] = True
    return (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w), kw


@given(spec=resize(), mode=st.sampled_from(["nearest", "nearest-exact", "bilinear"]),
       align=st.booleans(), seed=seeds)
def test_interpolate_2d_matches_torch(spec, mode, align, seed):
    shape, kw = spec
    if mode == "bilinear":
        kw = dict(kw, align_corners=align)
    check(squared(lambda m, t: (interpolate if m is ember else TF.interpolate)(t, mode=mode, **kw)),
          [values(seed, shape)])


@given(n=st.integers(1, 2), c=st.integers(1, 3), L=st.integers(1, 9),
       size=st.one_of(st.integers(1, 12), st.sampled_from(SCALES)),
       mode=st.sampled_from(["nearest", "nearest-exact", "linear"]), align=st.booleans(), seed=seeds)
def test_interpolate_1d_matches_torch(n, c, L, size, mode, align, seed):
    kw = {"size": size} if isinstance(size, int) else {"scale_factor": size}
    if "scale_factor" in kw and int(L * size) < 1:
        kw = {"size": 3}
    if mode == "linear":
        kw["align_corners"] = align
    check(squared(lambda m, t: (interpolate if m is ember else TF.interpolate)(t, mode=mode, **kw)),
          [values(seed, (n, c, L))])


def test_interpolate_float32_index_rules_match_torch():
    # sizes where a float64 index computation would round differently from ATen's float32
    x = np.random.default_rng(0).standard_normal((1, 1, 7, 13)).astype(np.float32)
    for kw in [dict(size=(11, 29)), dict(scale_factor=(1 / 3, 2.2)), dict(scale_factor=1.7)]:
        for mode in ["nearest", "nearest-exact"]:
            np.testing.assert_array_equal(interpolate(ember.tensor(x), mode=mode, **kw).numpy(),
                                          TF.interpolate(torch.tensor(x), mode=mode, **kw).numpy())
        for ac in (True, False):
            e = interpolate(ember.tensor(x), mode="bilinear", align_corners=ac, **kw).numpy()
            t = TF.interpolate(torch.tensor(x), mode="bilinear", align_corners=ac, **kw).numpy()
            assert e.dtype == np.float32
            np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


def test_interpolate_known_values():
    x = ember.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    up = interpolate(x, scale_factor=2, mode="bilinear", align_corners=False).numpy()[0, 0]
    # pixel-area alignment: the first output pixel's centre maps to -0.25 -> clamped to 0
    np.testing.assert_allclose(up[0], [1.0, 1.25, 1.75, 2.0])
    corners = interpolate(x, size=(3, 3), mode="bilinear", align_corners=True).numpy()[0, 0]
    np.testing.assert_allclose(corners, [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])
    assert interpolate(x, scale_factor=2).numpy()[0, 0].tolist() == [
        [1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    # nearest gradient: each input pixel collects the gradients of its copies
    xg = ember.tensor(x.numpy(), requires_grad=True)
    interpolate(xg, scale_factor=(2, 3)).sum().backward()
    assert xg.grad.numpy().tolist() == [[[[6.0, 6.0], [6.0, 6.0]]]]


def test_upsample_module_and_repr():
    x = values(1, (2, 3, 4, 5))
    for e_m, t_m in [(Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
                     (Upsample(size=(7, 3), mode="bilinear", align_corners=True),
                      torch.nn.Upsample(size=(7, 3), mode="bilinear", align_corners=True)),
                     (Upsample(scale_factor=(1.5, 0.5), mode="nearest-exact"),
                      torch.nn.Upsample(scale_factor=(1.5, 0.5), mode="nearest-exact"))]:
        check(lambda m, t: (e_m if m is ember else t_m)(t), [x])
        assert repr(e_m) == repr(t_m)


def test_interpolate_gradcheck():
    x = ember.tensor(values(2, (1, 2, 3, 4)), requires_grad=True)
    for kw in [dict(scale_factor=1.5, mode="bilinear"), dict(size=(5, 2), mode="bilinear", align_corners=True),
               dict(scale_factor=2.5, mode="nearest")]:
        f = lambda t: interpolate(t, **kw) ** 2   # noqa: E731
        assert gradcheck(f, (x,))
        assert gradgradcheck(f, (x,))


def test_interpolate_errors():
    x = ember.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        interpolate(x)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match=r"interpolate: mode='bicubic' must be one of"):
        interpolate(x, size=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"align_corners=True can only be set with the interpolating modes"):
        interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match=r"mode='bilinear' needs a 4-D input, got shape \(1, 1, 4\)"):
        interpolate(ember.ones(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"mode='linear' needs a 3-D input"):
        interpolate(x, size=2, mode="linear")
    with pytest.raises(ValueError, match=r"scale_factor=0.1 gives an empty output \(0, 0\) for input spatial size \(4, 4\)"):
        interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match=r"scale_factor=-2 must be a positive number"):
        interpolate(x, scale_factor=-2)
    with pytest.raises(ValueError, match=r"size=\(2, 0\) must be a positive int or 2 positive ints"):
        interpolate(x, size=(2, 0))
    with pytest.raises(ValueError, match=r"interpolate: expected a 3-D \(N, C, L\) or 4-D \(N, C, H, W\) input, got shape \(4, 4\)"):
        interpolate(ember.ones(4, 4), size=2)
    with pytest.raises(ValueError, match="Upsample: exactly one of size and scale_factor"):
        Upsample()


@pytest.mark.parametrize("name", ["ember.nn.pooling", "ember.nn.modules.pooling", "ember.nn.modules.spatial"])
def test_doctests(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.attempted > 0 and result.failed == 0
