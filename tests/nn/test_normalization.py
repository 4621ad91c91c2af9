"""LayerNorm, GroupNorm and InstanceNorm against torch (float64): values, gradients and
second derivatives of the fused kernels, the modules with torch's weights, running
statistics, and the errors for bad shapes."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from tests.nn.test_layers import compare_module
from tests.ops._parity import check, normal


@settings(max_examples=12, deadline=None)
@given(lead=st.sampled_from([(2,), (3, 2), (1,)]), ns=st.sampled_from([(5,), (2, 3)]),
       affine=st.sampled_from(["both", "weight", "none"]), seed=st.integers(0, 999))
def test_layer_norm_matches_torch_to_second_order(lead, ns, affine, seed):
    arrays = [normal(seed, lead + ns)]
    if affine != "none":
        arrays.append(normal(seed + 1, ns) + 1)
    if affine == "both":
        arrays.append(normal(seed + 2, ns))

    def fn(m, x, *wb):
        y = m.nn.functional.layer_norm(x, ns, *wb, eps=1e-3)
        return y, y * y
    check(fn, arrays, atol=1e-8)


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(2, 4, 3), (3, 6, 2, 2), (2, 4)]), groups=st.sampled_from([1, 2]),
       affine=st.booleans(), seed=st.integers(0, 999))
def test_group_norm_matches_torch_to_second_order(shape, groups, affine, seed):
    C = shape[1]
    arrays = [normal(seed, shape)] + ([normal(seed + 1, (C,)) + 1, normal(seed + 2, (C,))] if affine else [])
    check(lambda m, x, *wb: m.nn.functional.group_norm(x, groups, *wb, eps=1e-4).tanh(), arrays, atol=1e-8)


@settings(max_examples=8, deadline=None)
@given(shape=st.sampled_from([(2, 3, 4), (2, 2, 3, 3)]), affine=st.booleans(), seed=st.integers(0, 999))
def test_instance_norm_matches_torch_to_second_order(shape, affine, seed):
    C = shape[1]
    arrays = [normal(seed, shape)] + ([normal(seed + 1, (C,)) + 1, normal(seed + 2, (C,))] if affine else [])
    check(lambda m, x, *wb: m.nn.functional.instance_norm(x, None, None, *wb).sin(), arrays, atol=1e-8)


def test_layer_norm_gradgradcheck_and_constant_rows():
    x = ember.tensor(normal(0, (2, 4)), requires_grad=True)
    w = ember.tensor(normal(1, (4,)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: ember.nn.functional.layer_norm(a, (4,), b).sigmoid(), [x, w])
    # a constant row has zero variance: the output is 0 (then beta), as in torch
    c = np.full((1, 3), 2.5)
    ye = ember.nn.functional.layer_norm(ember.tensor(c), (3,)).numpy()
    yt = torch.nn.functional.layer_norm(torch.tensor(c), (3,)).numpy()
    np.testing.assert_allclose(ye, yt, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda m: m.LayerNorm(6),
    lambda m: m.LayerNorm((3, 6), elementwise_affine=False),
    lambda m: m.LayerNorm(6, bias=False),
    lambda m: m.GroupNorm(2, 4) if m is nn else torch.nn.GroupNorm(2, 4),
])
def test_norm_modules_match_torch_with_its_weights(make):
    em, tm = make(nn), make(torch.nn)
    for p in em.parameters():     # non-trivial affine values
        p.array[...] = normal(3, p.shape)
    x = normal(4, (2, 4, 3, 6))
    compare_module(em, tm, x, atol=1e-9)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]


@pytest.mark.parametrize("cls, shape", [("InstanceNorm1d", (3, 4, 5)), ("InstanceNorm2d", (2, 4, 3, 3)),
                                        ("InstanceNorm1d", (4, 5))])
def test_instance_norm_running_stats_follow_torch(cls, shape):
    em = getattr(nn, cls)(4, affine=True, track_running_stats=True, momentum=0.3).double()
    tm = getattr(torch.nn, cls)(4, affine=True, track_running_stats=True, momentum=0.3).double()
    for step in range(3):
        x = normal(step, shape) * (step + 1) + step
        compare_module(em, tm, x, atol=1e-9)
    np.testing.assert_allclose(em.running_mean.numpy(), tm.running_mean.numpy(), rtol=1e-10)
    np.testing.assert_allclose(em.running_var.numpy(), tm.running_var.numpy(), rtol=1e-10)
    assert int(em.num_batches_tracked.numpy()) == 3
    compare_module(em, tm, normal(9, shape), atol=1e-9, train=False)    # eval: running stats
    em2 = getattr(nn, cls)(4, affine=True, track_running_stats=True).double()
    em2.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    em2.eval()
    np.testing.assert_allclose(em2(ember.tensor(normal(9, shape))).detach().numpy(),
                               tm.eval()(torch.tensor(normal(9, shape))).detach().numpy(), atol=1e-9)


def test_norm_errors_name_the_argument_and_shapes():
    F = ember.nn.functional
    x = ember.randn(2, 6, 4)
    with pytest.raises(ValueError, match=r"normalized_shape=\(5,\).*\(2, 6, 4\)"):
        F.layer_norm(x, (5,))
    with pytest.raises(ValueError, match=r"weight has shape \(3,\), expected \(4,\)"):
        F.layer_norm(x, (4,), ember.ones(3))
    with pytest.raises(ValueError, match="num_groups=4.*6 channels"):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match="num_channels=6 must be divisible by num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(ember.randn(2, 6, 1))
    with pytest.raises(ValueError, match="6 channels in dim 1, expected num_features=3"):
        nn.InstanceNorm1d(3)(x)
    with pytest.raises(TypeError, match="layer_norm: input must be an ember Tensor"):
        F.layer_norm(np.ones((2, 3)), 3)
