"""scaled_dot_product_attention against torch (float64): values, gradients and second
derivatives with bool/float masks, is_causal, scale and grouped-query heads; the fused
backward against torch's; dropout statistics; errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from tests.ops._parity import check, normal

SDPA = "scaled_dot_product_attention"


@settings(max_examples=12, deadline=None)
@given(batch=st.sampled_from([(), (2,), (2, 3)]), L=st.integers(1, 4), S=st.integers(1, 5),
       E=st.integers(1, 4), Ev=st.integers(1, 3), mask=st.sampled_from([None, "bool", "float", "causal"]),
       scale=st.sampled_from([None, 0.7]), seed=st.integers(0, 999))
def test_sdpa_matches_torch_to_second_order(batch, L, S, E, Ev, mask, scale, seed):
    arrays = [normal(seed, batch + (L, E)), normal(seed + 1, batch + (S, E)), normal(seed + 2, batch + (S, Ev))]
    kw = {"scale": scale}
    if mask == "causal":
        kw["is_causal"] = True
    elif mask == "bool":
        m = normal(seed + 3, (L, S)) > 0
        m[:, 0] = True                         # every query sees at least one key
        kw["attn_mask"] = m
    elif mask == "float":
        arrays.append(normal(seed + 3, (L, S)))     # a float mask is differentiable too

    def fn(m, q, k, v, *b):
        extra = dict(kw)
        if "attn_mask" in extra:
            extra["attn_mask"] = m.tensor(extra["attn_mask"])
        if b:
            extra["attn_mask"] = b[0]
        return getattr(m.nn.functional, SDPA)(q, k, v, **extra).tanh()
    check(fn, arrays, atol=1e-9)


def test_sdpa_fast_backward_matches_torch_with_broadcast_mask():
    arrays = [normal(0, (2, 3, 4, 5)), normal(1, (2, 3, 6, 5)), normal(2, (2, 3, 6, 2)), normal(3, (2, 1, 4, 6))]
    ex = [ember.tensor(a, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    (getattr(ember.nn.functional, SDPA)(*ex[:3], attn_mask=ex[3]) ** 2).sum().backward()
    (getattr(torch.nn.functional, SDPA)(*tx[:3], attn_mask=tx[3]) ** 2).sum().backward()
    for e, t in zip(ex, tx):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-10)


def test_sdpa_grouped_query_heads_match_torch():
    arrays = [normal(0, (2, 4, 3, 5)), normal(1, (2, 2, 6, 5)), normal(2, (2, 2, 6, 3))]
    check(lambda m, q, k, v: getattr(m.nn.functional, SDPA)(q, k, v, enable_gqa=True).sin(), arrays)


def test_sdpa_gradgradcheck_and_causal_first_row():
    q, k, v = (ember.tensor(normal(i, (3, 2)), requires_grad=True) for i in range(3))
    sdpa = getattr(ember.nn.functional, SDPA)
    assert ember.autograd.gradgradcheck(lambda a, b, c: sdpa(a, b, c, is_causal=True), [q, k, v])
    out = sdpa(q, k, v, is_causal=True)
    np.testing.assert_allclose(out.detach().numpy()[0], v.detach().numpy()[0])   # query 0 sees key 0 only


def test_sdpa_dropout_zeroes_weights_at_rate_p_and_keeps_the_mean():
    ember.manual_seed(0)
    q, k = ember.zeros(4000, 1, 1), ember.zeros(4000, 8, 1)
    v = ember.tensor(np.eye(8)[None].repeat(4000, 0))           # output = the weights themselves
    w = getattr(ember.nn.functional, SDPA)(q, k, v, dropout_p=0.25).numpy()
    assert abs((w == 0).mean() - 0.25) < 0.01                   # dropped at rate p
    np.testing.assert_allclose(w[w > 0], 1 / 8 / 0.75)           # kept weights scaled by 1/(1-p)
    assert abs(w.sum(-1).mean() - 1) < 0.01                     # rows still sum to 1 on average


def test_sdpa_errors_name_the_argument_and_shapes():
    sdpa = getattr(ember.nn.functional, SDPA)
    q, k, v = ember.randn(2, 3, 4), ember.randn(2, 5, 4), ember.randn(2, 5, 6)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) does not broadcast.*\(2, 3, 5\)"):
        sdpa(q, k, v, attn_mask=ember.zeros(3, 4))
    with pytest.raises(ValueError, match=r"do not fit.*\(2, 3, 4\), \(2, 5, 3\)"):
        sdpa(q, ember.randn(2, 5, 3), v)
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        sdpa(q, k, v, attn_mask=ember.zeros(3, 5), is_causal=True)
    with pytest.raises(ValueError, match="dropout_p=1.5"):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match="attn_mask must be a bool or float tensor"):
        sdpa(q, k, v, attn_mask=ember.zeros(3, 5, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"enable_gqa needs query heads \(3\) divisible"):
        sdpa(ember.randn(1, 3, 2, 4), ember.randn(1, 2, 2, 4), ember.randn(1, 2, 2, 4), enable_gqa=True)
