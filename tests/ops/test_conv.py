"""Convolutions against torch on hypothesis-drawn configurations: forward, input/weight/bias
gradients and second derivatives (float64); gradcheck; modules; bad input."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from ember.ops import _im2col as K, conv as C
from tests.ops._parity import check

TF = torch.nn.functional


@st.composite
def conv_cfg(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    same = draw(st.booleans()) and sh == sw == 1
    ph, pw = (draw(st.integers(0, 2)), draw(st.integers(0, 2))) if not same else (0, 0)
    H = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 7))
    W = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 7))
    return dict(N=draw(st.integers(1, 2)), cin=cin, cout=cout, H=H, W=W, k=(kh, kw), s=(sh, sw),
                p="same" if same else (ph, pw), d=(dh, dw), g=groups, bias=draw(st.booleans()))


@settings(max_examples=25)
@given(cfg=conv_cfg(), seed=st.integers(0, 1000))
def test_conv2d_matches_torch_with_second_derivatives(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["cin"], cfg["H"], cfg["W"]))
    w = rng.standard_normal((cfg["cout"], cfg["cin"] // cfg["g"]) + cfg["k"])
    arrays = [x, w] + ([rng.standard_normal(cfg["cout"])] if cfg["bias"] else [])

    def fn(m, a, ww, *b):
        f = C.conv2d if m is ember else TF.conv2d
        return f(a, ww, b[0] if b else None, cfg["s"], cfg["p"], cfg["d"], cfg["g"])
    check(fn, arrays, atol=1e-8)


@st.composite
def convT_cfg(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    op = tuple(draw(st.integers(0, max(a, b) - 1)) for a, b in zip(s, d))
    H, W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    for n, ss, pp, dd, kk, oo in zip((H, W), s, p, d, k, op):
        if (n - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1 < 1:
            p = (0, 0)
    return dict(N=draw(st.integers(1, 2)), cin=cin, cout=cout, H=H, W=W, k=k, s=s, p=p, op=op, d=d, g=groups)


@settings(max_examples=25)
@given(cfg=convT_cfg(), seed=st.integers(0, 1000))
def test_conv_transpose2d_matches_torch(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["cin"], cfg["H"], cfg["W"]))
    w = rng.standard_normal((cfg["cin"], cfg["cout"] // cfg["g"]) + cfg["k"])
    b = rng.standard_normal(cfg["cout"])

    def fn(m, a, ww, bb):
        f = C.conv_transpose2d if m is ember else TF.conv_transpose2d
        return f(a, ww, bb, cfg["s"], cfg["p"], cfg["op"], cfg["g"], cfg["d"])
    check(fn, [x, w, b], atol=1e-8)


@settings(max_examples=15)
@given(L=st.integers(3, 9), k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 2), d=st.integers(1, 2),
       seed=st.integers(0, 1000))
def test_conv1d_and_conv_transpose1d(L, k, s, p, d, seed):
    rng = np.random.default_rng(seed)
    if d * (k - 1) + 1 > L + 2 * p:
        return
    x, w = rng.standard_normal((2, 3, L)), rng.standard_normal((4, 3, k))
    check(lambda m, a, ww: (C.conv1d if m is ember else TF.conv1d)(a, ww, None, s, p, d), [x, w], atol=1e-8)
    wt = rng.standard_normal((3, 2, k))
    check(lambda m, a, ww: (C.conv_transpose1d if m is ember else TF.conv_transpose1d)(a, ww, None, s, 0, 0, 1, d),
          [x, wt], atol=1e-8)


def test_conv_transpose_is_the_gradient_of_conv_with_respect_to_its_input():
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.standard_normal((4, 3, 3, 3)))
    x = ember.tensor(rng.standard_normal((2, 3, 9, 9)), requires_grad=True)
    g = ember.tensor(rng.standard_normal((2, 4, 5, 5)))
    y = C.conv2d(x, w, stride=2, padding=1)
    (gx,) = ember.autograd.grad(y, x, g)
    z = C.conv_transpose2d(g, w, stride=2, padding=1)
    np.testing.assert_allclose(z.numpy(), gx.numpy(), rtol=1e-12)
    # and as a matrix: conv is C x, the transpose multiplies by C^T
    n_in = 3 * 9 * 9
    Cmat = np.stack([C.conv2d(ember.tensor(np.eye(n_in)[i].reshape(1, 3, 9, 9)), w, stride=2, padding=1).numpy().ravel()
                     for i in range(n_in)], 1)
    np.testing.assert_allclose(Cmat.T @ g.numpy()[0].ravel(), z.numpy()[0].ravel(), rtol=1e-10)


def test_gradcheck_and_gradgradcheck_on_all_three_primitives():
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 1, 2, 3)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    f = lambda a, ww, bb: C.conv2d(a, ww, bb, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)  # noqa: E731
    assert ember.autograd.gradcheck(f, [x, w, b])
    assert ember.autograd.gradgradcheck(f, [x, w, b])
    ft = lambda a, ww: C.conv_transpose2d(a, ww, stride=2, output_padding=1)  # noqa: E731
    wt = ember.tensor(rng.standard_normal((2, 3, 2, 2)), requires_grad=True)
    assert ember.autograd.gradgradcheck(ft, [x, wt])


@pytest.mark.parametrize("mod,tmod,x", [
    (lambda: nn.Conv2d(3, 6, 3, stride=2, padding=1), lambda: torch.nn.Conv2d(3, 6, 3, stride=2, padding=1), (2, 3, 8, 8)),
    (lambda: nn.Conv2d(4, 4, 3, padding="same", groups=4, bias=False),
     lambda: torch.nn.Conv2d(4, 4, 3, padding="same", groups=4, bias=False), (1, 4, 5, 6)),
    (lambda: nn.Conv2d(4, 8, 1), lambda: torch.nn.Conv2d(4, 8, 1), (2, 4, 3, 3)),
    (lambda: nn.Conv1d(3, 5, 3, padding=1), lambda: torch.nn.Conv1d(3, 5, 3, padding=1), (2, 3, 7)),
    (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
     lambda: torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), (1, 4, 4, 4)),
])
def test_conv_modules_match_torch(mod, tmod, x):
    from tests.nn.test_layers import compare_module
    compare_module(mod(), tmod(), np.random.default_rng(0).standard_normal(x), atol=1e-9)


def test_parameter_counts_and_init():
    # weight sharing: a 1x1 conv reducing 256 -> 64 channels has 256*64 + 64 parameters
    assert sum(p.numel() for p in nn.Conv2d(256, 64, 1).parameters()) == 256 * 64 + 64
    assert sum(p.numel() for p in nn.Conv2d(32, 32, 3, groups=32).parameters()) == 32 * 9 + 32
    c = nn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)
    assert np.abs(c.weight.numpy(force=True)).max() <= bound and np.abs(c.bias.numpy(force=True)).max() <= bound


def test_conv_bad_input_names_argument_and_shapes():
    with pytest.raises(ValueError, match=r"input has 4 channels but weight of shape \(6, 3, 3, 3\)"):
        nn.Conv2d(3, 6, 3)(ember.randn(1, 4, 8, 8))
    with pytest.raises(ValueError, match=r"kernel size \(5, 5\).*larger than the padded input \(3, 3\)"):
        nn.Conv2d(1, 1, 5)(ember.randn(1, 1, 3, 3))
    with pytest.raises(ValueError, match="groups=3 must divide in_channels=4"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match=r"Conv2d: expected a 4-D input \(N, C, H, W\), got shape \(3, 8, 8\)"):
        nn.Conv2d(3, 6, 3)(ember.randn(3, 8, 8))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        C.conv2d(ember.randn(1, 1, 4, 4), ember.randn(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="output_padding"):
        C.conv_transpose2d(ember.randn(1, 2, 3, 3), ember.randn(2, 1, 3, 3), stride=1, output_padding=1)


@pytest.mark.parametrize("cfg", [
    dict(s=1, p=1, d=1, g=1), dict(s=2, p=1, d=1, g=1), dict(s=1, p=2, d=2, g=3), dict(s=2, p=3, d=1, g=1),
    dict(s=(2, 1), p=(0, 2), d=(1, 2), g=2), dict(s=1, p="same", d=1, g=12),
])
def test_wide_layers_use_the_full_convolution_path(cfg):
    """C > 8 input channels take the 'full convolution' input gradient (C <= 8 the scatter)."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 12, 7, 6)), rng.standard_normal((6 if cfg["g"] != 12 else 12, 12 // cfg["g"], 3, 3))
    check(lambda m, a, ww: (C.conv2d if m is ember else TF.conv2d)(a, ww, None, cfg["s"], cfg["p"], cfg["d"], cfg["g"]),
          [x, w], atol=1e-8)


@pytest.mark.parametrize("cin,k,s,p,d,W", [
    (1, 5, 1, 2, 1, 28), (3, 3, 1, 1, 1, 20), (2, (3, 2), (2, 1), (1, 0), (1, 2), 17), (1, 4, 1, "same", 1, 13),
    (2, 3, 3, 0, 2, 25), (6, 5, 1, 0, 1, 14), (4, 3, 2, 1, 1, 9), (5, (2, 3), 1, (2, 1), (2, 3), 12),
])
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_both_im2col_layouts_match_torch_through_plain_backward(cin, k, s, p, d, W):
    """Few channels on wide maps take the channels-first im2col (NCHW output, per-image
    matmuls); the rest channels-last. Both, through the NumPy-kernel backward that reuses
    the forward's cols, with gradients arriving NCHW-contiguous and channels-last."""
    rng = np.random.default_rng(cin * 100 + W)
    kk = (k, k) if isinstance(k, int) else k
    w_np, x_np = rng.standard_normal((5, cin) + kk), rng.standard_normal((3, cin, W - 2, W))
    b_np = rng.standard_normal(5)
    xe, we, be = (ember.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    ye, yt = C.conv2d(xe, we, be, s, p, d), TF.conv2d(xt, wt, bt, s, p, d)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    geom = C._geom("conv2d", x_np.shape, w_np.shape, s, p, d, 1)
    out_hw = geom.out_size(x_np.shape[2:], kk)
    assert K._channels_first(cin, kk, out_hw, 1) == (cin * kk[1] < out_hw[1])
    for layout in ("nchw", "nhwc"):
        g = rng.standard_normal(yt.shape)
        ge = g if layout == "nchw" else np.ascontiguousarray(g.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        for t in (xe, we, be, xt, wt, bt):
            t.grad = None
        ye, yt = C.conv2d(xe, we, be, s, p, d), TF.conv2d(xt, wt, bt, s, p, d)
        ye.backward(ember.tensor(ge))
        yt.backward(torch.tensor(g))
        for e, t, name in ((xe, xt, "input"), (we, wt, "weight"), (be, bt, "bias")):
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-9, err_msg=f"{layout} {name}")


def test_channels_first_choice_on_lenet_layers():
    # 1 -> 6 on 28x28 (kw*C = 5 < 28): channels first; 6 -> 16 on 14x14 (30 > 10): channels last
    assert K._channels_first(1, (5, 5), (28, 28), 1)
    assert not K._channels_first(6, (5, 5), (10, 10), 1)
    assert not K._channels_first(1, (5, 5), (28, 28), 2)      # grouped convolutions stay channels last
    y = C.conv2d(ember.randn(2, 1, 28, 28), ember.randn(6, 1, 5, 5), padding=2)
    assert y.array.flags.c_contiguous                          # NCHW output feeds pooling without a transpose


@pytest.mark.parametrize("k,shape", [(2, (3, 4, 8, 8)), (2, (2, 3, 9, 7)), ((3, 2), (2, 5, 9, 8)), (1, (2, 3, 4, 4))])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_max_pool_non_overlapping_fast_path_matches_torch_in_both_layouts(k, shape, layout):
    """stride = kernel, no padding: the layout-preserving fast path (output and input
    gradient keep the input's memory layout, e.g. a conv's channels-last output)."""
    from ember.ops.pool import max_pool2d
    rng = np.random.default_rng(sum(shape))
    x = np.round(rng.standard_normal(shape), 1)           # rounding makes ties inside windows
    g = rng.standard_normal(TF.max_pool2d(torch.tensor(x), k).shape)
    xa = x if layout == "nchw" else np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    xe, xt = ember.tensor(xa, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = max_pool2d(xe, k), TF.max_pool2d(xt, k)
    assert type(ye.grad_fn).__name__ == "MaxPool" and ye.grad_fn.fast     # the fast path was taken
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    assert np.argsort(ye.array.strides).tolist() == np.argsort(xa.strides).tolist()
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())     # ties: first maximum, like torch
    assert np.argsort(xe.grad.array.strides).tolist() == np.argsort(xa.strides).tolist()
    # second order (create_graph) goes through the general differentiable scatter
    check(lambda m, a: (max_pool2d if m is ember else TF.max_pool2d)(a, k), [x + rng.standard_normal(shape) * 1e-3])


def test_max_pool_fast_path_nan_and_infinities_like_torch():
    from ember.ops.pool import max_pool2d
    x = np.array([[[[1.0, np.nan, 2.0, 3.0], [0.0, 5.0, -np.inf, -np.inf],
                    [-np.inf, -np.inf, 4.0, 4.0], [-np.inf, -np.inf, 4.0, 1.0]]]])
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = max_pool2d(xe, 2), TF.max_pool2d(xt, 2)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("cin,W", [(1, 16), (4, 6)])      # channels-first and channels-last cols
def test_conv_backward_twice_with_retain_graph(cin, W):
    """The forward's cols are dropped after the first weight gradient; a second backward
    (retain_graph=True) recomputes them and accumulates the same gradient again."""
    rng = np.random.default_rng(cin)
    x = ember.tensor(rng.standard_normal((2, cin, W, W)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((3, cin, 3, 3)), requires_grad=True)
    y = (C.conv2d(x, w, padding=1) ** 2).sum()
    y.backward(retain_graph=True)
    gx, gw = x.grad.numpy().copy(), w.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * gx, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), 2 * gw, rtol=1e-12)
    xt, wt = torch.tensor(x.detach().numpy(), requires_grad=True), torch.tensor(w.detach().numpy(), requires_grad=True)
    (TF.conv2d(xt, wt, padding=1) ** 2).sum().backward()
    np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("chunk_images", [1, 2, 5])
def test_chunked_channels_last_path_any_chunking_matches_torch(monkeypatch, chunk_images):
    """Ungrouped channels-last convolutions build cols a few images at a time (forward,
    weight gradient, and the input gradient's full convolution); chunks of 1, 2 (with a
    remainder) or all 5 images give torch's values and gradients."""
    N, cin, H, W, k = 5, 6, 7, 6, (3, 2)
    per_image = H * (W + 1) * k[0] * k[1] * cin * 8              # float64 cols bytes of one image (7x7 outputs)
    monkeypatch.setattr(K, "_CHUNK_BYTES", per_image * chunk_images)
    monkeypatch.setattr(K, "_WHOLE_COLS_BYTES", 0)                # chunk even these small layers
    rng = np.random.default_rng(chunk_images)
    x, w, b = rng.standard_normal((N, cin, H, W)), rng.standard_normal((10, cin) + k), rng.standard_normal(10)
    assert not K._channels_first(cin, k, (H, W), 1)
    check(lambda m, a, ww, bb: (C.conv2d if m is ember else TF.conv2d)(a, ww, bb, 1, (1, 1), 1), [x, w, b], atol=1e-9)
    xe, we = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = TF.conv2d(xt, wt, None, 1, (1, 0), (1, 2))
    g = rng.standard_normal(yt.shape)
    C.conv2d(xe, we, None, 1, (1, 0), (1, 2)).backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), atol=1e-10)
    check(lambda m, a, ww: (C.conv2d if m is ember else TF.conv2d)(a, ww, None, (2, 1), (0, 1), (2, 1)), [x, w])


@pytest.mark.parametrize("chunk_images", [1, 3])
def test_chunked_channels_first_path_matches_torch(monkeypatch, chunk_images):
    """Large channels-first layers (few channels on wide maps, e.g. ResNet-18's 7x7 stem)
    also build their cols a few images at a time, in the forward and the weight gradient."""
    N, cin, H, W, k = 4, 2, 9, 16, (3, 3)
    monkeypatch.setattr(K, "_CHUNK_BYTES", cin * 9 * H * 8 * 8 * chunk_images)    # one image: (9, 8) outputs
    monkeypatch.setattr(K, "_WHOLE_COLS_BYTES", 0)
    rng = np.random.default_rng(chunk_images)
    x, w, b = rng.standard_normal((N, cin, H, W)), rng.standard_normal((5, cin) + k), rng.standard_normal(5)
    assert K._channels_first(cin, k, (H, W), 1)
    xe, we, be = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ye, yt = C.conv2d(xe, we, be, (1, 2), 1), TF.conv2d(xt, wt, bt, (1, 2), 1)
    assert ye.grad_fn.cols is None                                  # not kept: rebuilt in chunks
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    g = rng.standard_normal(yt.shape)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    for e, t in ((xe, xt), (we, wt), (be, bt)):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("ch,m,k,s,p,d", [(3, 1, 3, 1, 1, 1), (4, 2, 3, 2, 1, 1), (2, 3, (3, 2), (2, 1), (2, 0), (1, 2)),
                                         (5, 1, 5, 2, 2, 1)])
def test_depthwise_kernels_match_torch_with_second_derivatives(ch, m, k, s, p, d):
    """groups = input channels (channel multiplier m) takes the numba depthwise kernels:
    forward, input gradient and weight gradient, and the second derivatives through them."""
    rng = np.random.default_rng(ch * 10 + m)
    kk = (k, k) if isinstance(k, int) else k
    x, w = rng.standard_normal((2, ch, 7, 6)), rng.standard_normal((ch * m, 1) + kk)
    assert K._depthwise(ch, w.shape, ch)
    check(lambda mm, a, ww: (C.conv2d if mm is ember else TF.conv2d)(a, ww, None, s, p, d, ch), [x, w], atol=1e-9)
    # float32 in a convolution's channels-last layout, plain backward
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    xe = ember.tensor(np.ascontiguousarray(x32.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), requires_grad=True)
    we, xt, wt = ember.tensor(w32, requires_grad=True), torch.tensor(x32, requires_grad=True), torch.tensor(w32, requires_grad=True)
    ye, yt = C.conv2d(xe, we, None, s, p, d, ch), TF.conv2d(xt, wt, None, s, p, d, ch)
    assert ye.dtype == ember.float32
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-5)
    g = rng.standard_normal(yt.shape).astype(np.float32)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), atol=1e-4)


def test_depthwise_transposed_convolution_matches_torch():
    """conv_transpose2d with groups = channels uses the depthwise input gradient as its forward."""
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((4, 1, 3, 3)), rng.standard_normal(4)
    check(lambda m, a, ww, bb: (C.conv_transpose2d if m is ember else TF.conv_transpose2d)(a, ww, bb, 2, 1, 1, 4),
          [x, w, b], atol=1e-9)


def test_depthwise_float16_keeps_its_dtype():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 6, 6)).astype(np.float16), rng.standard_normal((3, 1, 3, 3)).astype(np.float16)
    y = C.conv2d(ember.tensor(x), ember.tensor(w), padding=1, groups=3)
    assert y.dtype == ember.float16
    ref = TF.conv2d(torch.tensor(x, dtype=torch.float32), torch.tensor(w, dtype=torch.float32), padding=1, groups=3)
    np.testing.assert_allclose(y.numpy().astype(np.float32), ref.numpy(), atol=2e-2)
