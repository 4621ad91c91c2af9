"""Gradient clipping vs torch.nn.utils: clip_grad_norm_ (every norm type, clipping and not
clipping, None grads, non-finite norms), clip_grad_value_, get_total_norm; errors."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.nn.utils import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm


def _pair(seed, shapes=((3, 4), (5,), (2, 2, 2)), none=(), dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    ep, tp = [], []
    for i, s in enumerate(shapes):
        e = ember.tensor(np.zeros(s, dtype), requires_grad=True)
        t = torch.zeros(s, dtype=torch.float64 if dtype == np.float64 else torch.float32,
                        requires_grad=True)
        if i not in none:
            g = (rng.standard_normal(s) * scale).astype(dtype)
            e.grad = ember.tensor(g.copy())
            t.grad = torch.tensor(g.copy())
        ep.append(e)
        tp.append(t)
    return ep, tp


def _grads(ps):
    return [None if p.grad is None else np.array(p.grad.detach().numpy() if isinstance(
        p.grad, torch.Tensor) else p.grad.numpy()) for p in ps]


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, seed=4):
    ep, tp = _pair(seed, none=(1,))
    before = _grads(ep)
    ne = clip_grad_norm_(ep, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    assert isinstance(ne, ember.Tensor) and ne.shape == () and ne.dtype == ember.float64
    np.testing.assert_allclose(ne.item(), nt.item(), rtol=1e-13)
    for ge, gt in zip(_grads(ep), _grads(tp)):
        if gt is None:
            assert ge is None
        else:
            np.testing.assert_allclose(ge, gt, rtol=1e-13, atol=1e-15)
    clipped = max_norm < ne.item()
    changed = any(not np.array_equal(a, b) for a, b in zip(before, _grads(ep)) if a is not None)
    assert changed == clipped


def test_clip_grad_norm_result_has_max_norm():
    ep, _ = _pair(1, scale=10.0)
    total = clip_grad_norm_(ep, 2.0).item()
    assert total > 2.0
    after = math.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in ep))
    assert after == pytest.approx(2.0 * total / (total + 1e-6), rel=1e-12)
    # direction kept: every gradient scaled by the same factor
    ep2, _ = _pair(1, scale=10.0)
    ratios = [p.grad.numpy() / q.grad.numpy() for p, q in zip(ep, ep2)]
    assert np.allclose(np.concatenate([r.ravel() for r in ratios]), 2.0 / (total + 1e-6))


def test_clip_grad_norm_float32_and_single_tensor():
    ep, tp = _pair(2, shapes=((6, 3),), dtype=np.float32, scale=5.0)
    ne = clip_grad_norm_(ep[0], 1.0)
    nt = torch.nn.utils.clip_grad_norm_(tp[0], 1.0)
    assert ne.dtype == ember.float32 and ep[0].grad.dtype == ember.float32
    np.testing.assert_allclose(ne.item(), nt.item(), rtol=1e-6)
    np.testing.assert_allclose(_grads(ep)[0], _grads(tp)[0], rtol=1e-6)


def test_non_finite_norm():
    ep, tp = _pair(3)
    ep[0].grad.array[0, 0] = np.nan
    tp[0].grad[0, 0] = float("nan")
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ep, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True)
    ne = clip_grad_norm_(ep, 1.0)          # torch's default: scale by the NaN norm anyway
    nt = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    assert math.isnan(ne.item()) and math.isnan(nt.item())
    for ge, gt in zip(_grads(ep), _grads(tp)):
        np.testing.assert_array_equal(np.isnan(ge), np.isnan(gt))


def test_no_grads_gives_zero_norm():
    w = ember.zeros(3, requires_grad=True)
    assert clip_grad_norm_([w], 1.0).item() == 0.0
    assert get_total_norm([]).item() == 0.0


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    ep, tp = _pair(6, scale=3.0)
    ne = get_total_norm([p.grad for p in ep], 3.0)
    nt = torch.nn.utils.get_total_norm([p.grad for p in tp], 3.0)
    np.testing.assert_allclose(ne.item(), nt.item(), rtol=1e-13)
    clip_grads_with_norm_(ep, 1.5, ne)
    torch.nn.utils.clip_grads_with_norm_(tp, 1.5, nt)
    for ge, gt in zip(_grads(ep), _grads(tp)):
        np.testing.assert_allclose(ge, gt, rtol=1e-13)


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 1.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    ep, tp = _pair(8, none=(2,), scale=2.0)
    assert clip_grad_value_(ep, clip_value) is None
    torch.nn.utils.clip_grad_value_(tp, clip_value)
    for ge, gt in zip(_grads(ep), _grads(tp)):
        if gt is None:
            assert ge is None
        else:
            np.testing.assert_array_equal(ge, gt)
            assert np.abs(ge).max() <= clip_value


def test_clipping_is_in_place_on_the_grad_array():
    ep, _ = _pair(9, scale=5.0)
    arrays = [p.grad.array for p in ep]
    clip_grad_norm_(ep, 1.0)
    clip_grad_value_(ep, 0.1)
    assert all(p.grad.array is a for p, a in zip(ep, arrays))


@pytest.mark.parametrize("call,msg", [
    (lambda ps: clip_grad_norm_(ps, -1.0), r"clip_grad_norm_: max_norm=-1.0 must be a number >= 0"),
    (lambda ps: clip_grad_norm_(ps, float("nan")), r"max_norm=nan"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=-2), r"norm_type=-2 must be a number >= 0"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type="fro"), r"norm_type='fro'"),
    (lambda ps: clip_grad_value_(ps, -0.5), r"clip_grad_value_: clip_value=-0.5 must be"),
])
def test_bad_arguments(call, msg):
    ep, _ = _pair(0)
    with pytest.raises(ValueError, match=msg):
        call(ep)
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a Tensor"):
        clip_grad_norm_([np.zeros(2)], 1.0)
