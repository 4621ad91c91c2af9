"""Layers and activations against torch (float64): forward, input and parameter gradients,
train/eval behaviour, and the module machinery."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.ops._parity import check

TF = torch.nn.functional


def copy_params(em, tm):
    """Give a torch module ember's parameter values (same names)."""
    with torch.no_grad():
        for (n, p), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
            assert n == tn, (n, tn)
            tp.copy_(torch.tensor(p.detach().numpy()))


def compare_module(em, tm, x, atol=1e-10, train=True):
    em.train(train), tm.train(train)
    em.double()
    tm.double()
    copy_params(em, tm)
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye, yt = em(xe), tm(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    g = np.random.default_rng(1).standard_normal(yt.shape)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=1e-7)
    for (n, p), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=1e-7, err_msg=n)


@given(n=st.integers(1, 5), i=st.integers(1, 6), o=st.integers(1, 6), bias=st.booleans(),
       lead=st.sampled_from([(), (2,)]), seed=st.integers(0, 1000))
def test_linear_matches_torch(n, i, o, bias, lead, seed):
    x = np.random.default_rng(seed).standard_normal(lead + (n, i))
    compare_module(nn.Linear(i, o, bias=bias), torch.nn.Linear(i, o, bias=bias), x)


def test_linear_default_init_matches_torch_distribution():
    ember.manual_seed(0)
    w = np.concatenate([nn.Linear(50, 40).weight.detach().numpy().ravel() for _ in range(20)])
    bound = 1 / np.sqrt(50)
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.003       # U(-b, b) has std b / sqrt(3)


def test_linear_second_derivatives_and_gradgradcheck():
    rng = np.random.default_rng(0)
    check(lambda m, x, w, b: (m.nn.functional.linear(x, w, b)).tanh(),
          [rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)])
    x = ember.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: F.linear(a, b).sigmoid(), [x, w])


ACTS = [
    (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    (lambda: nn.LeakyReLU(0.1), lambda: torch.nn.LeakyReLU(0.1)),
    (lambda: nn.ELU(0.7), lambda: torch.nn.ELU(0.7)),
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    (lambda: nn.Softmax(1), lambda: torch.nn.Softmax(1)),
    (lambda: nn.LogSoftmax(1), lambda: torch.nn.LogSoftmax(1)),
    (lambda: nn.Softplus(), lambda: torch.nn.Softplus()),
    (lambda: nn.PReLU(), lambda: torch.nn.PReLU()),
    (lambda: nn.PReLU(3, init=0.1), lambda: torch.nn.PReLU(3, init=0.1)),
    (lambda: nn.Hardtanh(-0.5, 1.5), lambda: torch.nn.Hardtanh(-0.5, 1.5)),
    (lambda: nn.ReLU6(), lambda: torch.nn.ReLU6()),
    (lambda: nn.Identity(), lambda: torch.nn.Identity()),
    (lambda: nn.Flatten(), lambda: torch.nn.Flatten()),
]


@pytest.mark.parametrize("k", range(len(ACTS)))
def test_activation_modules_match_torch(k):
    x = np.random.default_rng(k).standard_normal((4, 3, 2)) * 2
    em, tm = ACTS[k][0](), ACTS[k][1]()
    compare_module(em, tm, x)


def test_activation_second_derivatives():
    x = np.random.default_rng(0).standard_normal((3, 4))
    check(lambda m, t: m.nn.functional.elu(t, 0.5) * t, [x])
    check(lambda m, t: m.nn.functional.leaky_relu(t, 0.2) * t, [x])
    check(lambda m, t, a: m.nn.functional.prelu(t, a) * t, [x, np.array([0.3])])
    check(lambda m, t: m.nn.functional.softplus(t * 3) * t, [x])


def test_relu6_and_hardtanh_corners_match_torch():
    # values at and beyond both corners: torch's gradient is 0 at exactly 0 and 6
    x = np.array([-1.0, 0.0, 0.5, 5.9, 6.0, 7.5, 3.0])
    check(lambda m, t: m.nn.functional.relu6(t) * t, [x])
    check(lambda m, t: m.nn.functional.hardtanh(t, -1.0, 0.5) * t, [x])
    with pytest.raises(ValueError, match=r"min_val=2.0 must be less than max_val=1.0"):
        nn.Hardtanh(2.0, 1.0)


def test_maxout_is_a_max_of_affine_pieces_and_generalises_relu():
    m = nn.Maxout(3, 2, pieces=4)
    x = ember.randn(5, 3, dtype=ember.float32)
    lin = x @ m.linear.weight.T + m.linear.bias
    expected = lin.reshape(5, 2, 4).numpy(force=True).max(-1)
    np.testing.assert_allclose(m(x).detach().numpy(), expected, rtol=1e-6)
    # one piece fixed at zero and the other the identity: Maxout == ReLU
    r = nn.Maxout(1, 1, pieces=2)
    with ember.no_grad():
        r.linear.weight.array[...] = [[1.0], [0.0]]
        r.linear.bias.array[...] = 0
    z = ember.linspace(-2, 2, 9).reshape(9, 1)
    np.testing.assert_allclose(r(z).detach().numpy(), ember.relu(z).numpy())
    xd = ember.tensor(np.random.default_rng(0).standard_normal((3, 3)), requires_grad=True)
    md = nn.Maxout(3, 2, pieces=3).double()
    assert ember.autograd.gradcheck(lambda t: md(t), [xd])


def test_dropout_train_eval_and_both_scalings():
    x = ember.ones(20000)
    inv = nn.Dropout(0.3, generator=ember.Generator().manual_seed(0))
    y = inv(x)
    kept = (y.numpy() > 0).mean()
    assert abs(kept - 0.7) < 0.01
    np.testing.assert_allclose(y.numpy()[y.numpy() > 0], 1 / 0.7, rtol=1e-6)
    assert abs(y.numpy().mean() - 1) < 0.02          # expectation preserved
    classic = nn.Dropout(0.3, scaling="classic", generator=ember.Generator().manual_seed(0))
    yc = classic(x)
    assert set(np.unique(yc.numpy())) == {0.0, 1.0}
    inv.eval(), classic.eval()
    assert inv(x).tolist()[:3] == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(classic(x).numpy(), 0.7, rtol=1e-6)
    # eval mode matches torch; gradient is the mask
    xt = torch.ones(5)
    np.testing.assert_allclose(inv(ember.ones(5)).numpy(), torch.nn.Dropout(0.3).eval()(xt).numpy())
    xg = ember.ones(10, requires_grad=True)
    out = F.dropout(xg, 0.5, generator=ember.Generator().manual_seed(3))
    out.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), out.detach().numpy())


@pytest.mark.parametrize("shape", [(6, 3), (5, 3, 4)])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batchnorm1d_matches_torch_in_train_and_eval(shape, affine, track):
    rng = np.random.default_rng(0)
    em = nn.BatchNorm1d(3, momentum=0.2, affine=affine, track_running_stats=track)
    tm = torch.nn.BatchNorm1d(3, momentum=0.2, affine=affine, track_running_stats=track)
    if affine:
        with ember.no_grad():
            em.weight.array[...] = rng.uniform(0.5, 1.5, 3)
            em.bias.array[...] = rng.standard_normal(3)
    for step in range(3):
        compare_module(em, tm, rng.standard_normal(shape) * 2 + 1, atol=1e-9)
        for p in em.parameters():
            p.grad = None
        tm.zero_grad()
    if track:
        np.testing.assert_allclose(em.running_mean.numpy(), tm.running_mean.numpy(), rtol=1e-10)
        np.testing.assert_allclose(em.running_var.numpy(), tm.running_var.numpy(), rtol=1e-10)
        assert em.num_batches_tracked.item() == 3
    compare_module(em, tm, rng.standard_normal(shape), atol=1e-9, train=False)


def test_batchnorm_second_derivatives_and_cumulative_momentum():
    rng = np.random.default_rng(0)
    check(lambda m, x, w, b: m.nn.functional.batch_norm(x, None, None, w, b, training=True) ** 2,
          [rng.standard_normal((5, 3)), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)], atol=1e-8)
    em, tm = nn.BatchNorm1d(2, momentum=None), torch.nn.BatchNorm1d(2, momentum=None, dtype=torch.float32)
    for _ in range(3):
        x = rng.standard_normal((4, 2))
        em(ember.tensor(x, dtype=ember.float32)), tm(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(em.running_var.numpy(), tm.running_var.numpy(), rtol=1e-5)


def test_module_registration_and_traversal():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("count", ember.zeros(1))
            self.register_buffer("scratch", ember.zeros(1), persistent=False)
            self.scale = 2.0

        def forward(self, x):
            return self.fc(x) * self.scale

    shared = nn.Linear(3, 3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Block(), Block()])
            self.heads = nn.ModuleDict({"a": nn.Linear(3, 1), "b": shared})
            self.tied = shared
            self.w = nn.Parameter(ember.ones(2))

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return self.heads["a"](x)

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["w", "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.1.fc.weight", "blocks.1.fc.bias",
                     "heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"]
    assert len(list(net.parameters())) == 9          # the tied module counted once
    assert [n for n, _ in net.named_children()] == ["blocks", "heads", "tied"]
    assert len(list(net.modules())) == 9           # Net, ModuleList, 2 x (Block, fc), ModuleDict, a, shared
    sd = net.state_dict()
    assert "blocks.0.count" in sd and "blocks.0.scratch" not in sd and "tied.weight" in sd
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(ember.randn(4, 3)).sum().backward()
    assert net.blocks[0].fc.weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and "Block" in seen
    assert "Linear(in_features=3, out_features=1, bias=True)" in repr(net)
    assert isinstance(net.w, nn.Parameter) and not isinstance(net.w * 2, nn.Parameter)


def test_state_dict_round_trip_and_strict_errors():
    a = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    a(ember.randn(8, 4))
    b = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    b.load_state_dict(a.state_dict())
    x = ember.randn(5, 4)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    wrong = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5))
    with pytest.raises(RuntimeError) as e:
        wrong.load_state_dict(a.state_dict())
    msg = str(e.value)
    assert "unexpected keys: 2.weight, 2.bias" in msg and "size mismatch: 0.weight" in msg
    sd = a.state_dict()
    del sd["0.bias"]
    with pytest.raises(RuntimeError, match="missing keys: 0.bias"):
        b.load_state_dict(sd)
    res = b.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["0.bias"]


def test_forward_hooks_and_dtype_conversion():
    m = nn.Linear(2, 2)
    outs = []
    h = m.register_forward_hook(lambda mod, inp, out: outs.append(out.shape))
    m(ember.randn(3, 2))
    h.remove()
    m(ember.randn(3, 2))
    assert outs == [(3, 2)]
    w = m.weight
    m.double()
    assert m.weight is w and w.dtype == ember.float64


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match="in_features=0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match=r"Dropout: p=1\.0"):
        nn.Dropout(1.0)
    with pytest.raises(ValueError, match="p=nan"):
        nn.Dropout(float("nan"))
    with pytest.raises(ValueError, match="p=-0.1"):
        F.dropout(ember.ones(2), -0.1)
    with pytest.raises(ValueError, match=r"linear: input shape \(2, 5\)"):
        nn.Linear(4, 3)(ember.randn(2, 5))
    with pytest.raises(ValueError, match="num_features=4"):
        nn.BatchNorm1d(4)(ember.randn(3, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(ember.randn(1, 2))
    with pytest.raises(AttributeError, match="super"):
        class Bad(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)
        Bad()
