"""Pooling against torch.nn.functional on hypothesis-drawn configurations (batch, channels,
odd sizes, kernel, stride, padding, dilation, ceil_mode, count_include_pad, output sizes):
forward values, indices, input gradients and second derivatives in float64; gradcheck and
gradgradcheck on small cases; SPP output length; bad input errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.nn import functional as P
from ember.nn.modules.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d,
                                      AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool2d,
                                      MaxPool1d, MaxPool2d, SpatialPyramidPooling)
from ember.nn.functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                                 adaptive_max_pool2d, avg_pool1d, avg_pool2d, global_avg_pool2d,
                                 max_pool1d, max_pool2d, spatial_pyramid_pool)

from ._parity import check, normal as values, with_square

TF = torch.nn.functional


def fn(m, name):
    return getattr(P if m is ember else TF, name)


@st.composite
def window_2d(draw, dilation=True, kmax=3):
    """A valid 2-D pooling configuration: torch's padding <= half the (effective) kernel and
    an input large enough for one window."""
    cfg = {}
    ks, ss, ps, ds, sizes = [], [], [], [], []
    for _ in range(2):
        k = draw(st.integers(1, kmax))
        d = draw(st.integers(1, 2)) if dilation else 1
        eff = d * (k - 1) + 1
        p = draw(st.integers(0, k // 2))      # torch's max_pool2d: pad <= kernel_size / 2
        s = draw(st.integers(1, 3))
        # with dilation, a window may fall entirely into the padding when the input is
        # shorter than the dilated kernel (torch then returns an out-of-range index)
        L = draw(st.integers(max(1, eff - 2 * p) if d == 1 else eff, 8))
        ks.append(k), ds.append(d), ps.append(p), ss.append(s), sizes.append(L)
    cfg["kernel_size"] = tuple(ks)
    cfg["stride"] = tuple(ss) if draw(st.booleans()) else None
    cfg["padding"] = tuple(ps)
    if dilation:
        cfg["dilation"] = tuple(ds)
    cfg["ceil_mode"] = draw(st.booleans())
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (n, c) + tuple(sizes), cfg


seeds = st.integers(0, 2 ** 16)


# ---- max pooling -----------------------------------------------------------------------------
@given(spec=window_2d(), seed=seeds)
def test_max_pool2d_matches_torch(spec, seed):
    shape, cfg = spec
    x = values(seed, shape)
    check(with_square(lambda m, t: fn(m, "max_pool2d")(t, **cfg)), [x])
    e_out, e_idx = max_pool2d(ember.tensor(x), return_indices=True, **cfg)
    t_out, t_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **cfg)
    np.testing.assert_array_equal(e_idx.numpy(), t_idx.numpy())
    assert e_idx.dtype == np.int64
    np.testing.assert_array_equal(e_out.numpy(), t_out.numpy())


@given(n=st.integers(1, 3), c=st.integers(1, 3), L=st.integers(3, 12), k=st.integers(1, 4),
       s=st.integers(1, 3), d=st.integers(1, 2), ceil=st.booleans(), seed=seeds, data=st.data())
def test_max_pool1d_matches_torch(n, c, L, k, s, d, ceil, seed, data):
    eff = d * (k - 1) + 1
    if eff > L:
        k, d, eff = 1, 1, 1
    p = data.draw(st.integers(0, k // 2))
    x = values(seed, (n, c, L))
    cfg = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
    check(with_square(lambda m, t: fn(m, "max_pool1d")(t, **cfg)), [x])
    np.testing.assert_array_equal(max_pool1d(ember.tensor(x), return_indices=True, **cfg)[1].numpy(),
                                  TF.max_pool1d(torch.tensor(x), return_indices=True, **cfg)[1].numpy())


def test_max_pool_ties_nan_and_neg_inf_follow_torch():
    x = np.zeros((1, 2, 5, 5))                      # all ties: the first element wins
    x[0, 1] = -np.inf                               # all -inf: first in-bounds element
    x[0, 0, 3, 3] = np.nan                          # NaN propagates
    for cfg in (dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, ceil_mode=True),
                dict(kernel_size=3, stride=1, padding=1, dilation=1)):
        e = max_pool2d(ember.tensor(x), return_indices=True, **cfg)
        t = TF.max_pool2d(torch.tensor(x), return_indices=True, **cfg)
        np.testing.assert_array_equal(e[0].numpy(), t[0].numpy())
        np.testing.assert_array_equal(e[1].numpy(), t[1].numpy())
    x[0, 0, 4, 0] = np.nan                          # two NaNs: torch reports the last one
    for size in (1, 2, 3, (1, 5)):                  # global, equal bins, overlapping bins
        e = adaptive_max_pool2d(ember.tensor(x), size, return_indices=True)
        t = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(e[0].numpy(), t[0].numpy())
        np.testing.assert_array_equal(e[1].numpy(), t[1].numpy())
    xt = np.ones((1, 1, 4, 4))
    e = ember.tensor(xt, requires_grad=True)
    max_pool2d(e, 2).sum().backward()
    t = torch.tensor(xt, requires_grad=True)
    TF.max_pool2d(t, 2).sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())   # one winner per window


def test_max_pool_overlapping_windows_accumulate_gradient():
    # windows of 3 at stride 1: [0, 9, 1], [9, 1, 0], [1, 0, 0]: 9 wins twice, 1 once
    x = np.array([[[[0.0, 9.0, 1.0, 0.0, 0.0]]]])
    e = ember.tensor(x, requires_grad=True)
    max_pool2d(e, (1, 3), stride=1).sum().backward()
    assert e.grad.numpy().tolist() == [[[[0.0, 2.0, 1.0, 0.0, 0.0]]]]


def test_unbatched_inputs():
    x = values(0, (3, 7, 6))
    check(lambda m, t: fn(m, "max_pool2d")(t, 3, 2, 1), [x])
    check(lambda m, t: fn(m, "avg_pool2d")(t, 2, 1), [x])
    check(lambda m, t: fn(m, "adaptive_max_pool2d")(t, (2, 4)), [x])
    check(lambda m, t: fn(m, "adaptive_avg_pool2d")(t, 3), [x])
    x1 = values(1, (3, 7))
    check(lambda m, t: fn(m, "max_pool1d")(t, 2), [x1])
    check(lambda m, t: fn(m, "avg_pool1d")(t, 3, 2, 1), [x1])
    check(lambda m, t: fn(m, "adaptive_max_pool1d")(t, 3), [x1])
    check(lambda m, t: fn(m, "adaptive_avg_pool1d")(t, 3), [x1])


# ---- average pooling -------------------------------------------------------------------------
@given(spec=window_2d(dilation=False), cip=st.booleans(), override=st.sampled_from([None, 1, 3, -2]),
       seed=seeds)
def test_avg_pool2d_matches_torch(spec, cip, override, seed):
    shape, cfg = spec
    x = values(seed, shape)
    check(with_square(lambda m, t: fn(m, "avg_pool2d")(t, count_include_pad=cip,
                                                       divisor_override=override, **cfg)), [x])


@given(n=st.integers(1, 3), c=st.integers(1, 3), L=st.integers(3, 12), k=st.integers(1, 4),
       s=st.integers(1, 3), ceil=st.booleans(), cip=st.booleans(), seed=seeds, data=st.data())
def test_avg_pool1d_matches_torch(n, c, L, k, s, ceil, cip, seed, data):
    p = data.draw(st.integers(0, k // 2))
    x = values(seed, (n, c, L))
    check(with_square(lambda m, t: fn(m, "avg_pool1d")(t, k, s, p, ceil, cip)), [x])


# ---- adaptive pooling ------------------------------------------------------------------------
@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9),
       oh=st.one_of(st.none(), st.integers(1, 9)), ow=st.integers(1, 9), seed=seeds)
def test_adaptive_pool2d_matches_torch(n, c, h, w, oh, ow, seed):
    x = values(seed, (n, c, h, w))
    check(with_square(lambda m, t: fn(m, "adaptive_avg_pool2d")(t, (oh, ow))), [x])
    check(with_square(lambda m, t: fn(m, "adaptive_max_pool2d")(t, (oh, ow))), [x])
    e = adaptive_max_pool2d(ember.tensor(x), (oh, ow), return_indices=True)[1]
    t = TF.adaptive_max_pool2d(torch.tensor(x), (oh, ow), return_indices=True)[1]
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@given(n=st.integers(1, 3), c=st.integers(1, 3), L=st.integers(1, 12), o=st.integers(1, 12),
       seed=seeds)
def test_adaptive_pool1d_matches_torch(n, c, L, o, seed):
    x = values(seed, (n, c, L))
    check(with_square(lambda m, t: fn(m, "adaptive_avg_pool1d")(t, o)), [x])
    check(with_square(lambda m, t: fn(m, "adaptive_max_pool1d")(t, o)), [x])
    np.testing.assert_array_equal(adaptive_max_pool1d(ember.tensor(x), o, True)[1].numpy(),
                                  TF.adaptive_max_pool1d(torch.tensor(x), o, True)[1].numpy())


def test_adaptive_bins_are_torchs():
    # L=5 -> 3 bins: [0, 2), [1, 4), [3, 5) (they overlap)
    x = ember.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    assert adaptive_avg_pool1d(x, 3).tolist() == [[[1.5, 3.0, 4.5]]]
    assert adaptive_max_pool1d(x, 3).tolist() == [[[2.0, 4.0, 5.0]]]


def test_global_avg_pool_and_module():
    x = values(3, (2, 5, 4, 3))
    check(lambda m, t: P.global_avg_pool2d(t) if m is ember else t.mean((2, 3)), [x])
    check(lambda m, t: (GlobalAvgPool2d() if m is ember else torch.nn.Sequential(
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()))(t), [x])


# ---- first and second derivatives numerically -----------------------------------------------
@pytest.mark.parametrize("f", [
    lambda t: max_pool2d(t, 2, 1, ceil_mode=True),
    lambda t: max_pool2d(t, (2, 3), (2, 1), (1, 1), dilation=(1, 2)),
    lambda t: avg_pool2d(t, 3, 2, 1, count_include_pad=False, ceil_mode=True),
    lambda t: adaptive_max_pool2d(t, (2, 3)),
    lambda t: adaptive_avg_pool2d(t, (3, 2)),
    lambda t: max_pool1d(t.reshape(2, 2, 12), 3, 2, 1),
    lambda t: avg_pool1d(t.reshape(2, 2, 12), 3, 2, 1),
    lambda t: spatial_pyramid_pool(t, (1, 2), "max"),
    lambda t: spatial_pyramid_pool(t, (1, 3), "avg"),
])
def test_gradcheck_and_gradgradcheck(f):
    x = ember.tensor(values(7, (2, 2, 4, 3)), requires_grad=True)
    assert gradcheck(lambda t: f(t) * f(t), (x,))
    assert gradgradcheck(lambda t: f(t) * f(t), (x,))


def test_third_derivative_of_max_pool():
    # d^3/dx^3 of sum(maxpool(x)^3) = 6 at each window's maximum
    x = ember.tensor(values(2, (1, 1, 4, 4)), requires_grad=True)
    y = (max_pool2d(x, 2) ** 3).sum()
    (g1,) = ember.autograd.grad(y, [x], create_graph=True)
    (g2,) = ember.autograd.grad(g1.sum(), [x], create_graph=True)
    (g3,) = ember.autograd.grad(g2.sum(), [x])
    xt = torch.tensor(values(2, (1, 1, 4, 4)), requires_grad=True)
    yt = (TF.max_pool2d(xt, 2) ** 3).sum()
    (t1,) = torch.autograd.grad(yt, [xt], create_graph=True)
    (t2,) = torch.autograd.grad(t1.sum(), [xt], create_graph=True)
    (t3,) = torch.autograd.grad(t2.sum(), [xt])
    np.testing.assert_allclose(g3.numpy(), t3.numpy())
    assert sorted(set(g3.numpy().ravel().tolist())) == [0.0, 6.0]


# ---- float32, modules ------------------------------------------------------------------------
def test_float32_forward_and_backward_match_torch():
    x = np.random.default_rng(0).standard_normal((4, 3, 11, 10)).astype(np.float32)
    for e_f, t_f in [(lambda t: max_pool2d(t, 3, 2, 1), lambda t: TF.max_pool2d(t, 3, 2, 1)),
                     (lambda t: avg_pool2d(t, 2), lambda t: TF.avg_pool2d(t, 2)),
                     (lambda t: adaptive_avg_pool2d(t, 4), lambda t: TF.adaptive_avg_pool2d(t, 4))]:
        e = ember.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        ey, ty = e_f(e), t_f(t)
        assert ey.dtype == np.float32
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        (ey * ey).sum().backward()
        (ty * ty).sum().backward()
        assert e.grad.dtype == np.float32
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


MODULES = [
    (lambda: MaxPool2d(3, 2, 1, ceil_mode=True), lambda: torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
    (lambda: MaxPool2d((2, 3), dilation=(2, 1)), lambda: torch.nn.MaxPool2d((2, 3), dilation=(2, 1))),
    (lambda: AvgPool2d(3, 1, 1, count_include_pad=False), lambda: torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False)),
    (lambda: AvgPool2d(2, divisor_override=3), lambda: torch.nn.AvgPool2d(2, divisor_override=3)),
    (lambda: AdaptiveAvgPool2d((3, None)), lambda: torch.nn.AdaptiveAvgPool2d((3, None))),
    (lambda: AdaptiveMaxPool2d(2), lambda: torch.nn.AdaptiveMaxPool2d(2)),
]
MODULES_1D = [
    (lambda: MaxPool1d(3, 2, 1), lambda: torch.nn.MaxPool1d(3, 2, 1)),
    (lambda: AvgPool1d(2), lambda: torch.nn.AvgPool1d(2)),
    (lambda: AdaptiveAvgPool1d(4), lambda: torch.nn.AdaptiveAvgPool1d(4)),
    (lambda: AdaptiveMaxPool1d(3), lambda: torch.nn.AdaptiveMaxPool1d(3)),
]


@pytest.mark.parametrize("i", range(len(MODULES) + len(MODULES_1D)))
def test_modules_match_torch_including_repr(i):
    mods = MODULES + MODULES_1D
    make_e, make_t = mods[i]
    shape = (2, 3, 7, 9) if i < len(MODULES) else (2, 3, 9)
    check(lambda m, t: (make_e() if m is ember else make_t())(t), [values(i, shape)])
    assert repr(make_e()) == repr(make_t())


def test_return_indices_modules():
    x = values(4, (2, 3, 6, 6))
    e, ei = MaxPool2d(2, return_indices=True)(ember.tensor(x))
    t, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    e, ei = AdaptiveMaxPool2d(4, return_indices=True)(ember.tensor(x))
    t, ti = torch.nn.AdaptiveMaxPool2d(4, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())


# ---- spatial pyramid pooling -----------------------------------------------------------------
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_spp_fixed_length_for_any_input_size(mode):
    spp = SpatialPyramidPooling((1, 2, 4), mode=mode)
    assert spp.output_features(6) == 6 * 21 == 126
    for h, w in [(4, 4), (5, 7), (13, 9), (32, 17), (64, 64)]:
        x = ember.randn(2, 6, h, w, generator=ember.Generator().manual_seed(h * w))
        y = spp(x)
        assert y.shape == (2, 126), (h, w)
        pool = TF.adaptive_max_pool2d if mode == "max" else TF.adaptive_avg_pool2d
        xt = torch.tensor(x.numpy())
        ref = torch.cat([pool(xt, l).flatten(1) for l in (1, 2, 4)], 1)
        np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    # level 1 of max mode is the global max of each channel
    x = ember.randn(1, 2, 5, 6)
    np.testing.assert_array_equal(spatial_pyramid_pool(x, (1,)).numpy(), x.numpy().max((2, 3)))
    assert repr(spp) == f"SpatialPyramidPooling(levels=(1, 2, 4), mode={mode!r})"


# ---- errors ----------------------------------------------------------------------------------
def test_bad_input_errors():
    x = ember.randn(1, 2, 3, 3)
    with pytest.raises(ValueError, match=r"max_pool2d: kernel_size=5 .*larger than the padded input.*\(1, 2, 3, 3\)"):
        max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel_size=\(4, 1\).*\(1, 2, 3, 3\)"):
        avg_pool2d(x, (4, 1))
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape \(2, 3\)"):
        max_pool2d(ember.randn(2, 3), 2)
    with pytest.raises(ValueError, match=r"avg_pool2d: expected a 3-D .* got shape \(1, 1, 2, 3, 3\)"):
        avg_pool2d(ember.randn(1, 1, 2, 3, 3), 2)
    with pytest.raises(ValueError, match=r"max_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(1, 2, 3, 3\)"):
        max_pool1d(x, 2)
    with pytest.raises(ValueError, match=r"max_pool2d: padding=2 should be at most half .* pad=2, kernel_size=2"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: padding=\(2, 0\) should be at most half of the kernel size"):
        avg_pool2d(x, 3, padding=(2, 0))
    with pytest.raises(ValueError, match=r"max_pool2d: stride=0 must be >= 1"):
        max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match=r"max_pool2d: kernel_size=\(0, 2\) must be >= 1"):
        max_pool2d(x, (0, 2))
    with pytest.raises(TypeError, match=r"max_pool2d: kernel_size=2.5 must be an int or a tuple of 2 ints"):
        max_pool2d(x, 2.5)
    with pytest.raises(ValueError, match=r"avg_pool2d: divisor_override=0 must be a non-zero int"):
        avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size=\(0, 2\) must hold positive ints"):
        adaptive_avg_pool2d(x, (0, 2))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size=\(1, 2, 3\) must be an int or a tuple of 2"):
        adaptive_max_pool2d(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"global_avg_pool2d: expected a 4-D \(N, C, H, W\) input, got shape \(2, 3, 3\)"):
        global_avg_pool2d(ember.randn(2, 3, 3))
    with pytest.raises(ValueError, match=r"spatial_pyramid_pool: levels=\(1, 0\) must be"):
        spatial_pyramid_pool(x, (1, 0))
    with pytest.raises(ValueError, match=r"spatial_pyramid_pool: mode='mean' must be 'max' or 'avg'"):
        spatial_pyramid_pool(x, mode="mean")
    with pytest.raises(ValueError, match=r"SpatialPyramidPooling: mode='min'"):
        SpatialPyramidPooling(mode="min")
    with pytest.raises(TypeError, match=r"max_pool2d: input must be an ember Tensor, got ndarray"):
        max_pool2d(np.zeros((1, 1, 2, 2)), 2)
    with pytest.raises(TypeError, match=r"max_pool2d: input must be a floating tensor, got dtype int64"):
        max_pool2d(ember.tensor(np.zeros((1, 1, 2, 2), dtype=np.int64)), 2)


@settings(max_examples=10)
@given(h=st.integers(1, 6), w=st.integers(1, 6), k=st.integers(1, 8))
def test_output_size_and_errors_agree_with_torch(h, w, k):
    """Where torch raises for a too-large kernel, ember raises too; otherwise same shape."""
    try:
        ts = TF.max_pool2d(torch.zeros(1, 1, h, w), k, 1, 0, 1, True).shape
    except RuntimeError:
        with pytest.raises(ValueError, match="larger than the padded input"):
            max_pool2d(ember.zeros(1, 1, h, w), k, 1, 0, 1, True)
        return
    assert max_pool2d(ember.zeros(1, 1, h, w), k, 1, 0, 1, True).shape == tuple(ts)


def test_empty_batch():
    x = ember.zeros(0, 3, 8, 8, requires_grad=True)
    for f in (lambda t: max_pool2d(t, 2), lambda t: avg_pool2d(t, 3, 2, 1), lambda t: adaptive_avg_pool2d(t, 3),
              lambda t: adaptive_max_pool2d(t, 3), lambda t: adaptive_max_pool2d(t, 1),
              lambda t: spatial_pyramid_pool(t)):
        y = f(x)
        assert y.shape[0] == 0
        y.sum().backward()
        assert x.grad.shape == (0, 3, 8, 8)
        x.grad = None
    assert spatial_pyramid_pool(x).shape == (0, 63)


@pytest.mark.parametrize("name", ["ember.ops.pool", "ember.nn.modules.pooling"])
def test_doctests(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.attempted > 0 and result.failed == 0
