"""Interpolation and Upsample against torch: values, gradients and second derivatives
(float64) on hypothesis-drawn sizes, scale factors and modes; torch's float32 index rules;
bad input errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.nn.functional import interpolate
from ember.nn.modules.spatial import Upsample

from ._parity import check, normal as values, with_square as squared

TF = torch.nn.functional
seeds = st.integers(0, 2 ** 16)


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


@pytest.mark.parametrize("name", ["ember.ops.resample", "ember.nn.modules.spatial"])
def test_doctests(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.attempted > 0 and result.failed == 0
