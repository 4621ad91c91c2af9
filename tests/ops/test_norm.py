"""Batch norm's fused kernels (ops/_norm_kernels.py) against torch: both memory layouts of
the input (NCHW and a convolution's channels-last output) and of the incoming gradient,
float64 and float32 (two-pass statistics: no cancellation on a large mean), evaluation
mode with and without a graph."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn


def _channels_last(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("x_layout,g_layout", [("nchw", "nchw"), ("nhwc", "nhwc"), ("nhwc", "nchw"), ("nchw", "nhwc")])
def test_batchnorm2d_train_matches_torch_in_both_layouts(x_layout, g_layout):
    rng = np.random.default_rng(len(x_layout + g_layout))
    x, g = rng.standard_normal((4, 3, 5, 6)) * 2 + 1, rng.standard_normal((4, 3, 5, 6))
    em, tm = nn.BatchNorm2d(3, momentum=0.3, dtype=ember.float64), torch.nn.BatchNorm2d(3, momentum=0.3, dtype=torch.float64)
    w, b = rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    with ember.no_grad():
        em.weight.array[...], em.bias.array[...] = w, b
    with torch.no_grad():
        tm.weight[...], tm.bias[...] = torch.tensor(w), torch.tensor(b)
    xe = ember.tensor(x if x_layout == "nchw" else _channels_last(x), requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye, yt = em(xe), tm(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    assert ye.array.strides == xe.array.strides          # output in the input's layout
    ye.backward(ember.tensor(g if g_layout == "nchw" else _channels_last(g)))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(em.bias.grad.numpy(), tm.bias.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(em.running_mean.numpy(), tm.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(em.running_var.numpy(), tm.running_var.numpy(), rtol=1e-12)


def test_batchnorm_float32_with_a_large_mean_keeps_float64_accuracy():
    """Variance as E[x^2] - E[x]^2 in float32 would lose every digit at mean 1e4, std 1."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((8, 2, 6, 6)) + 1e4).astype(np.float32)
    ye = nn.BatchNorm2d(2)(ember.tensor(_channels_last(x)))
    ref = torch.nn.BatchNorm2d(2, dtype=torch.float64)(torch.tensor(x, dtype=torch.float64))
    np.testing.assert_allclose(ye.detach().numpy(), ref.detach().numpy(), atol=2e-3)
    assert ye.dtype == ember.float32


@pytest.mark.parametrize("requires_grad", [False, True])
def test_batchnorm_eval_matches_torch_with_and_without_a_graph(requires_grad):
    rng = np.random.default_rng(1)
    em, tm = nn.BatchNorm2d(3, dtype=ember.float64).eval(), torch.nn.BatchNorm2d(3, dtype=torch.float64).eval()
    stats = rng.standard_normal(3), rng.uniform(0.5, 2, 3), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    with ember.no_grad():
        em.running_mean.array[...], em.running_var.array[...], em.weight.array[...], em.bias.array[...] = stats
    with torch.no_grad():
        for t, v in zip((tm.running_mean, tm.running_var, tm.weight, tm.bias), stats):
            t[...] = torch.tensor(v)
    x = rng.standard_normal((2, 3, 4, 5))
    xe, xt = ember.tensor(_channels_last(x), requires_grad=requires_grad), torch.tensor(x, requires_grad=True)
    with ember.set_grad_enabled(requires_grad):           # no graph: the one-pass kernel
        ye = em(xe)
    yt = tm(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    assert (ye.grad_fn is not None) == requires_grad
    if requires_grad:
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), atol=1e-12)


def test_batchnorm_float16_input_is_computed_in_float32():
    """The kernels loop over float32/float64 only: a float16 input (with float32 parameters)
    gives a float32 result, as NumPy's promotion did before the kernels."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 5, 5)).astype(np.float16)
    ye = nn.BatchNorm2d(3)(ember.tensor(x))
    ref = torch.nn.BatchNorm2d(3, dtype=torch.float64)(torch.tensor(x, dtype=torch.float64))
    assert ye.dtype == ember.float32
    np.testing.assert_allclose(ye.detach().numpy(), ref.detach().numpy(), atol=1e-5)
