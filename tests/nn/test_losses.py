"""Losses against torch (float64): values and gradients for every reduction, second
derivatives, and the three losses torch lacks."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.ops._parity import check

TF = torch.nn.functional
R = ["mean", "sum", "none"]


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("reduction", R)
def test_regression_losses(reduction):
    x, y = rnd(4, 3), rnd(4, 3, seed=1) * 2
    check(lambda m, a, b: m.nn.functional.mse_loss(a, b, reduction=reduction), [x, y])
    check(lambda m, a, b: m.nn.functional.l1_loss(a, b, reduction=reduction), [x, y])
    for beta in (0.5, 1.0, 0.0):
        check(lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, reduction=reduction, beta=beta), [x, y])
    check(lambda m, a, b: m.nn.functional.huber_loss(a, b, reduction=reduction, delta=0.7), [x, y])


@pytest.mark.parametrize("reduction", R)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2), (4,)])
def test_cross_entropy_class_indices(reduction, weighted, smoothing, shape):
    rng = np.random.default_rng(0)
    C = shape[1] if len(shape) > 1 else shape[0]
    x = rng.standard_normal(shape) * 3
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, C, tshape)
    if len(shape) > 1:
        t.reshape(-1)[0] = -100 if t.size > 1 else t.reshape(-1)[0]    # an ignored target
    w = rng.uniform(0.5, 2, C)
    arrays = [x, w] if weighted else [x]

    def fn(m, logits, *ws):
        return m.nn.functional.cross_entropy(logits, m.tensor(t), weight=ws[0] if ws else None,
                                             reduction=reduction, label_smoothing=smoothing)
    check(fn, arrays, grad_mask=[True, False] if weighted else None)


def test_cross_entropy_gradient_is_softmax_minus_onehot_notes_example():
    z = ember.tensor([[1.0, 5.0, 3.0]], dtype=ember.float64, requires_grad=True)
    F.cross_entropy(z, ember.tensor([2])).backward()
    p = np.exp([1.0, 5.0, 3.0]) / np.exp([1.0, 5.0, 3.0]).sum()
    np.testing.assert_allclose(p, [0.01587624, 0.86681333, 0.11731043], rtol=1e-6)
    np.testing.assert_allclose(z.grad.numpy(), [p - np.array([0, 0, 1])], rtol=1e-12)


def test_cross_entropy_probability_targets_and_module():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3))
    p = rng.dirichlet(np.ones(3), 5)
    for red in R:
        for eps in (0.0, 0.1):
            check(lambda m, a, b: m.nn.functional.cross_entropy(a, b, reduction=red, label_smoothing=eps), [x, p])
    loss = nn.CrossEntropyLoss(weight=ember.tensor([1.0, 2.0, 0.5]), ignore_index=1)
    tl = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float32), ignore_index=1)
    t = np.array([0, 1, 2, 2, 0])
    np.testing.assert_allclose(loss(ember.tensor(x, dtype=ember.float32), ember.tensor(t)).item(),
                               tl(torch.tensor(x, dtype=torch.float32), torch.tensor(t)).item(), rtol=1e-5)


def test_cross_entropy_large_logits_stay_finite():
    z = ember.tensor([[1000.0, -1000.0], [0.0, 2000.0]], requires_grad=True)
    loss = F.cross_entropy(z, ember.tensor([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(z.grad.numpy()).all()
    assert abs(loss.item() - 1000.0) < 1e-3


@pytest.mark.parametrize("reduction", R)
def test_nll_bce_kl_margin(reduction):
    rng = np.random.default_rng(0)
    logp = np.log(rng.dirichlet(np.ones(4), 5))
    t = np.array([0, 3, 1, -100, 2])
    w = rng.uniform(0.5, 2, 4)
    check(lambda m, a: m.nn.functional.nll_loss(a, m.tensor(t), reduction=reduction), [logp])
    check(lambda m, a, ww: m.nn.functional.nll_loss(a, m.tensor(t), weight=ww, reduction=reduction), [logp, w],
          grad_mask=[True, False])
    probs, target = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))
    check(lambda m, a, b: m.nn.functional.binary_cross_entropy(a, b, reduction=reduction), [probs, target])
    logits = rng.standard_normal((3, 4)) * 3
    check(lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(a, b, reduction=reduction),
          [logits, target])
    pw = rng.uniform(0.5, 3, 4)
    check(lambda m, a, b, p: m.nn.functional.binary_cross_entropy_with_logits(a, b, reduction=reduction, pos_weight=p),
          [logits, target, pw], grad_mask=[True, True, False])
    q = np.log(rng.dirichlet(np.ones(4), 3))
    tp = rng.dirichlet(np.ones(4), 3)
    tp[0, 0] = 0.0
    red = reduction
    # (torch's gradient w.r.t. a zero target is nan; ember's is 0: compare input gradients only)
    check(lambda m, a, b: m.nn.functional.kl_div(a, b, reduction=red), [q, tp], grad_mask=[True, False])
    check(lambda m, a, b: m.nn.functional.kl_div(a, b, reduction=red, log_target=True), [q, np.log(tp + 0.1)])
    ct = np.array([0, 3, 1])
    for pp in (1, 2):
        # (torch has no double backward for multi_margin_loss)
        check(lambda m, a: m.nn.functional.multi_margin_loss(a, m.tensor(ct), p=pp, margin=0.8, reduction=reduction),
              [logits], second=False)
    check(lambda m, a, ww: m.nn.functional.multi_margin_loss(a, m.tensor(ct), weight=ww, reduction=reduction),
          [logits, w], grad_mask=[True, False], second=False)


def test_kl_batchmean_and_bce_extreme_probabilities():
    q = np.log(np.array([[0.2, 0.8], [0.5, 0.5]]))
    t = np.array([[0.1, 0.9], [0.3, 0.7]])
    check(lambda m, a, b: m.nn.functional.kl_div(a, b, reduction="batchmean"), [q, t])
    # at p = 0 or 1 the input gradient is torch's finite (p - y) / max(p(1 - p), 1e-12); the
    # target gradient uses the same clamped logs as the loss (torch's is inf there)
    check(lambda m, a, b: m.nn.functional.binary_cross_entropy(a, b), [np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])],
          grad_mask=[True, False], second=False)


def _torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    # torchvision.ops.sigmoid_focal_loss, written out (torchvision is not installable here)
    p = torch.sigmoid(inputs)
    ce_loss = TF.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (-1, 0.0), (0.5, 1.5)])
def test_sigmoid_focal_loss_matches_torchvision_formula(alpha, gamma):
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 5)) * 2, (rng.random((4, 5)) > 0.7).astype(float)
    for red in R:
        e = F.sigmoid_focal_loss(ember.tensor(x, requires_grad=True), ember.tensor(t), alpha, gamma, red)
        r = _torchvision_sigmoid_focal_loss(torch.tensor(x), torch.tensor(t), alpha, gamma, red)
        np.testing.assert_allclose(e.detach().numpy(), r.numpy(), rtol=1e-10)
    xe = ember.tensor(x, requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: nn.FocalLoss("sigmoid", alpha, gamma)(a, ember.tensor(t)), [xe])


def test_focal_loss_gamma_zero_is_cross_entropy_and_downweights_easy_examples():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    t = ember.tensor(rng.integers(0, 3, 6))
    np.testing.assert_allclose(nn.FocalLoss("softmax", alpha=None, gamma=0.0)(x, t).item(),
                               F.cross_entropy(x, t).item(), rtol=1e-12)
    easy = ember.tensor([[6.0, 0.0, 0.0]], dtype=ember.float64)
    hard = ember.tensor([[0.5, 0.0, 0.0]], dtype=ember.float64)
    y0 = ember.tensor([0])
    ratio_ce = F.cross_entropy(easy, y0).item() / F.cross_entropy(hard, y0).item()
    fl = nn.FocalLoss("softmax", alpha=None, gamma=2.0)
    ratio_fl = fl(easy, y0).item() / fl(hard, y0).item()
    assert ratio_fl < ratio_ce / 50
    assert ember.autograd.gradcheck(lambda a: fl(a, t), [x])


def test_large_margin_softmax():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    t = ember.tensor([0, 1, 2, 1, 0])
    plain = nn.LargeMarginSoftmaxLoss(4, 3, margin=1).double()
    np.testing.assert_allclose(plain(x, t).item(), F.cross_entropy(x @ plain.weight.T, t).item())
    for m in (2, 3, 4):
        ls = nn.LargeMarginSoftmaxLoss(4, 3, margin=m, generator=ember.Generator().manual_seed(m)).double()
        assert ember.autograd.gradcheck(lambda a, w: _lsm(ls, a, w, t), [x, ls.weight])
        # the margin makes the target harder: the loss is never smaller than plain softmax
        assert ls(x, t).item() >= F.cross_entropy(ls.logits(x), t).item() - 1e-12
    # psi is continuous and monotone in theta: check psi(theta) against the definition
    from ember.nn.modules.loss import _cos_m_theta
    th = np.linspace(0, np.pi, 50)
    cm = _cos_m_theta(ember.tensor(np.cos(th)), 3).numpy()
    np.testing.assert_allclose(cm, np.cos(3 * th), atol=1e-12)


def _lsm(module, a, w, t):
    with ember.no_grad():
        module.weight.array[...] = w.array
    # route the weight through as a differentiable input for gradcheck
    old = module.weight
    module.__dict__["weight"] = w
    try:
        return module(a, t)
    finally:
        module.__dict__["weight"] = old


def test_center_loss_gradient_update_rule_and_effect():
    rng = np.random.default_rng(0)
    cl = nn.CenterLoss(3, 2, alpha=0.5, generator=ember.Generator().manual_seed(0))
    cl.eval()
    f = ember.tensor(rng.standard_normal((6, 2)), dtype=ember.float64, requires_grad=True)
    y = ember.tensor([0, 0, 1, 1, 2, 2])
    assert ember.autograd.gradcheck(lambda a: cl(a, y), [f])
    loss = cl(f, y)
    loss.backward()
    c = cl.centers.numpy()[y.numpy()]
    np.testing.assert_allclose(f.grad.numpy(), (f.detach().numpy() - c) / 6, rtol=1e-6)
    # the update rule: c_j -= alpha * sum(c_j - x_i) / (1 + n_j)
    cl.train()
    before = cl.centers.numpy().copy()
    cl(f, y)
    x = f.detach().numpy()
    for j in range(3):
        xi = x[y.numpy() == j]
        np.testing.assert_allclose(cl.centers.numpy()[j], before[j] - 0.5 * (before[j] - xi).sum(0) / (1 + len(xi)),
                                   rtol=1e-6)
    # training features with the center loss shrinks intra-class spread
    feats = ember.tensor(rng.standard_normal((60, 2)) * 3, requires_grad=True)
    labels = ember.tensor(np.repeat(np.arange(3), 20))
    spread0 = _spread(feats.detach().numpy(), labels.numpy())
    for _ in range(50):
        feats.grad = None
        cl(feats, labels).backward()
        with ember.no_grad():
            feats -= 20.0 * feats.grad
    assert _spread(feats.detach().numpy(), labels.numpy()) < 0.2 * spread0


def _spread(x, y):
    return np.mean([np.linalg.norm(x[y == k] - x[y == k].mean(0), axis=1).mean() for k in np.unique(y)])


def test_loss_bad_input():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match=r"target contains class 4, outside \[0, 4\)"):
        F.cross_entropy(x, ember.tensor([0, 1, 4]))
    with pytest.raises(IndexError, match="outside"):
        F.cross_entropy(x, ember.tensor([0, -3, 1]))
    with pytest.raises(ValueError, match=r"target shape \(2,\) does not match input shape \(3, 4\)"):
        F.cross_entropy(x, ember.tensor([0, 1]))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, ember.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(3, 4\) and target shape \(3,\)"):
        F.mse_loss(x, ember.randn(3))
    with pytest.raises(ValueError, match="reduction='avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="label_smoothing=1.5"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="margin=0"):
        nn.LargeMarginSoftmaxLoss(2, 2, margin=0)
