"""Regression tests for issue 15's defects 1-14: each failed before its fix (silently wrong
values or gradients, or an internal error instead of a clear one). References are torch
(float64) or scikit-learn."""
import os

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F
from ember import nn

TF = torch.nn.functional


def _grad(fn, x):
    """The gradient of fn(x).sum() at x, for ember and torch (float64)."""
    e = ember.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    fn(ember, e).sum().backward()
    fn(torch, t).sum().backward()
    return e.grad.numpy(), t.grad.numpy()


# ---- 1, 2: subgradients of clamp/abs formulas at 0 ----------------------------------------
def test_bce_with_logits_gradient_at_zero_logit():
    half = {ember: ember.tensor(np.full(4, 0.5)), torch: torch.full((4,), 0.5, dtype=torch.float64)}
    e, t = _grad(lambda m, z: (F if m is ember else TF).binary_cross_entropy_with_logits(z, half[m]),
                 np.zeros(4))
    np.testing.assert_allclose(e, t, atol=1e-15)
    assert e[0] == pytest.approx(0.0)
    for pw in (None, 3.0):
        z = np.array([0.0, 0.0, 1.5, -2.0])
        y = np.array([1.0, 0.0, 1.0, 0.0])
        kw = {} if pw is None else {"pos_weight": pw}
        ez = ember.tensor(z, requires_grad=True)
        tz = torch.tensor(z, requires_grad=True)
        F.binary_cross_entropy_with_logits(ez, ember.tensor(y), **{k: ember.tensor(v) for k, v in kw.items()}).backward()
        TF.binary_cross_entropy_with_logits(tz, torch.tensor(y), **{k: torch.tensor(v) for k, v in kw.items()}).backward()
        np.testing.assert_allclose(ez.grad.numpy(), tz.grad.numpy(), atol=1e-15)
        assert ez.grad.numpy()[0] == pytest.approx(-0.125 * (pw or 1.0))   # (sigmoid(0) - 1) / 4


def test_softplus_and_logsigmoid_gradient_at_zero():
    x = np.array([0.0, 0.0, 25.0, -3.0])
    e, t = _grad(lambda m, v: (F if m is ember else TF).softplus(v), x)
    np.testing.assert_allclose(e, t, atol=1e-15)
    assert e[0] == 0.5
    e, t = _grad(lambda m, v: (F if m is ember else TF).softplus(v, beta=2.0, threshold=5.0), x)
    np.testing.assert_allclose(e, t, atol=1e-15)
    e, t = _grad(lambda m, v: (F if m is ember else TF).logsigmoid(v), np.array([0.0, -800.0, 800.0]))
    np.testing.assert_allclose(e, t, atol=1e-15)


# ---- 3: in-place on a slice of a non-leaf --------------------------------------------------
def test_inplace_on_slice_of_non_leaf_writes_through_and_differentiates():
    w = np.random.default_rng(0).standard_normal((3, 4))
    x = np.random.default_rng(1).standard_normal((2, 3))
    res = []
    for m in (ember, torch):
        wt = m.tensor(w, requires_grad=True)
        h = m.tensor(x) @ wt
        h[:, :2].mul_(0)
        h[1, 3:].add_(5.0)
        (h * h).sum().backward()
        res.append((h.detach().numpy(), wt.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], atol=1e-12)
    assert np.all(res[0][0][:, :2] == 0)


def test_inplace_on_slice_of_leaf_requiring_grad_raises():
    p = ember.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        p[:, 0].mul_(2)


# ---- 4: gradients at zero of norm, std, pow -----------------------------------------------
@pytest.mark.parametrize("case", ["norm0", "norm_dim_zero_row", "std_const", "pow0", "pow_t0", "norm_p3_zero"])
def test_zero_points_gradients_match_torch(case):
    fns = {
        "norm0": (lambda m, v: v.norm(), np.zeros(3)),
        "norm_dim_zero_row": (lambda m, v: v.norm(dim=1), np.array([[0.0, 0.0], [1.0, 2.0]])),
        "std_const": (lambda m, v: v.std(), np.ones(4)),
        "pow0": (lambda m, v: v ** 0, np.array([0.0, 2.0])),
        "pow_t0": (lambda m, v: m.pow(v, m.zeros(2, dtype=v.dtype)), np.array([0.0, 2.0])),
        "norm_p3_zero": (lambda m, v: v.norm(p=3, dim=0), np.array([[0.0, 1.0], [0.0, -2.0]])),
    }
    fn, x = fns[case]
    e, t = _grad(fn, x)
    assert not np.isnan(e).any()
    np.testing.assert_allclose(e, t, atol=1e-12)


def test_norm_float32_tiny_values_do_not_underflow():
    v = ember.tensor(np.full(2, 1e-30, dtype=np.float32))
    assert v.norm().item() == pytest.approx(np.sqrt(2) * 1e-30, rel=1e-6)
    big = ember.tensor(np.full(2, 1e30, dtype=np.float32))
    assert big.norm().item() == pytest.approx(np.sqrt(2) * 1e30, rel=1e-6)


def test_large_margin_softmax_zero_feature_row_has_finite_gradients():
    ember.manual_seed(0)
    loss = nn.LargeMarginSoftmaxLoss(4, 3, margin=2)
    x = ember.tensor(np.vstack([np.zeros(4), np.random.default_rng(0).standard_normal((3, 4))]),
                     dtype=np.float32, requires_grad=True)
    loss(x, ember.tensor([0, 1, 2, 0])).backward()
    assert np.isfinite(x.grad.numpy()).all() and np.isfinite(loss.weight.grad.numpy()).all()


# ---- 5-7: dtypes and ranges ----------------------------------------------------------------
def test_cross_entropy_refuses_integer_logits():
    with pytest.raises(TypeError, match="cross_entropy: input must be a floating tensor"):
        F.cross_entropy(ember.tensor([[1, 2, 3]]), ember.tensor([0]))
    with pytest.raises(TypeError, match="nll_loss"):
        F.nll_loss(ember.tensor([[1, 2, 3]]), ember.tensor([0]))


def test_narrow_wraps_negative_start_and_checks_length():
    x = ember.arange(5)
    assert x.narrow(0, -2, 2).tolist() == torch.arange(5).narrow(0, -2, 2).tolist() == [3, 4]
    with pytest.raises(ValueError, match="length=5 exceeds dim 0 of size 5"):
        x.narrow(0, 3, 5)
    with pytest.raises(IndexError, match="start=6"):
        x.narrow(0, 6, 0)
    with pytest.raises(ValueError, match="length=-1"):
        x.narrow(0, 1, -1)


def test_logsumexp_of_integers_and_log_softmax_of_large_float32():
    u = ember.tensor(np.array([200, 200], dtype=np.uint8)).logsumexp(0)
    assert u.item() == pytest.approx(200 + np.log(2), rel=1e-6)
    y = F.log_softmax(ember.tensor(np.full((1, 3), 1e6, dtype=np.float32)), dim=1)
    np.testing.assert_allclose(y.numpy(), -np.log(3), rtol=1e-6)


# ---- 8: complex and non-numeric data -------------------------------------------------------
def test_complex_tensors_are_not_floating():
    c = ember.tensor(np.array([3 + 4j]))
    assert not c.is_floating_point()
    with pytest.raises(RuntimeError, match="floating point dtype"):
        c.requires_grad_()
    with pytest.raises(TypeError, match="relu: input must be real"):
        c.relu()
    with pytest.raises(TypeError, match="max: complex"):
        c.max(0)
    with pytest.raises(TypeError, match="norm: complex"):
        c.norm()


@pytest.mark.parametrize("data,exc,match", [
    (["a"], TypeError, "cannot make a tensor"), ("3.0", TypeError, "got str"),
    (b"x", TypeError, "got bytes"), ([2 ** 63], ValueError, "does not fit in int64"),
    ([[1], [1, 2]], ValueError, "cannot convert data"),
])
def test_tensor_refuses_non_numeric_or_overflowing_data(data, exc, match):
    with pytest.raises(exc, match=match):
        ember.tensor(data)


# ---- 9: focal loss alpha -------------------------------------------------------------------
def test_softmax_focal_loss_uses_a_scalar_alpha_and_sigmoid_accepts_none():
    x = ember.tensor(np.random.default_rng(0).standard_normal((4, 3)))
    y = ember.tensor([0, 1, 2, 1])
    losses = {a: nn.FocalLoss(mode="softmax", alpha=a)(x, y).item() for a in (0.25, 0.9, None)}
    assert losses[0.25] == pytest.approx(0.25 * losses[None])
    assert losses[0.9] == pytest.approx(0.9 * losses[None])
    z, t = ember.tensor([0.3, -1.0]), ember.tensor([1.0, 0.0])
    np.testing.assert_allclose(F.sigmoid_focal_loss(z, t, alpha=None).numpy(),
                               F.sigmoid_focal_loss(z, t, alpha=-1).numpy())
    with pytest.raises(ValueError, match="alpha of shape"):
        F.softmax_focal_loss(x, y, alpha=ember.ones(2))


# ---- 10: integer division, randperm, integer gradient= -------------------------------------
def test_integer_division_by_zero_raises_like_torch():
    with pytest.raises(RuntimeError, match="division by zero"):
        ember.tensor([3]) // 0
    with pytest.raises(RuntimeError, match="division by zero"):
        ember.tensor([3, 4]) % ember.tensor([1, 0])
    assert (ember.tensor([3.0]) // 0).item() == float("inf")      # floats: inf, as torch


def test_randperm_negative_and_integer_gradient():
    with pytest.raises(ValueError, match="randperm: n=-1"):
        ember.randperm(-1)
    x = ember.ones(2, requires_grad=True)
    (x * 2).backward(ember.tensor([1, 1]))
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0]


# ---- 11: 0-d and empty reductions ----------------------------------------------------------
@pytest.mark.parametrize("op", ["sum", "mean", "var", "amax", "logsumexp", "softmax", "log_softmax", "norm"])
def test_zero_dim_reductions_with_dim_match_torch(op):
    calls = {
        "sum": lambda m, v: v.sum(0), "mean": lambda m, v: v.mean(-1), "var": lambda m, v: v.var(0),
        "amax": lambda m, v: v.amax(0), "logsumexp": lambda m, v: v.logsumexp(0),
        "softmax": lambda m, v: v.softmax(0), "log_softmax": lambda m, v: v.log_softmax(-1),
        "norm": lambda m, v: v.norm(dim=0),
    }
    e = ember.tensor(2.0, dtype=np.float64, requires_grad=True)
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ye, yt = calls[op](ember, e), calls[op](torch, t)
    assert ye.shape == tuple(yt.shape)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), equal_nan=True)
    ye.backward()
    yt.backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), equal_nan=True)


def test_empty_dim_softmax_logsumexp_and_max():
    z = ember.zeros(3, 0)
    assert F.softmax(z, 1).shape == (3, 0) and F.log_softmax(z, 1).shape == (3, 0)
    assert z.logsumexp(1).tolist() == torch.zeros(3, 0).logsumexp(1).tolist() == [-np.inf] * 3
    with pytest.raises(IndexError, match="cannot reduce dim 1 of size 0"):
        z.max(1)
    assert z.max(0).values.shape == (0,) and z.amax(0).shape == (0,)
    with pytest.raises(IndexError, match="argmax"):
        z.argmax()


# ---- 12: empty batches through convolutions ------------------------------------------------
@pytest.mark.parametrize("layer,shape", [
    (lambda: nn.Conv1d(2, 3, 3), (0, 2, 5)), (lambda: nn.Conv2d(2, 3, 3), (0, 2, 5, 5)),
    (lambda: nn.ConvTranspose2d(2, 3, 3), (0, 2, 5, 5)),
])
def test_conv_on_empty_batch_with_grad(layer, shape):
    m = layer()
    x = ember.zeros(*shape, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.shape[0] == 0 and x.grad.shape == shape
    assert np.all(m.weight.grad.numpy() == 0)


# ---- 13: malformed checkpoints, error labels, atomic load_state_dict ----------------------
def _crafted(path, structure):
    from safetensors.numpy import save as st_save
    raw = st_save({"t": np.ones(2)}, metadata={"ember.format": "ember-checkpoint/1",
                                               "ember.structure": structure, "ember.sha256": "{}"})
    with open(path, "wb") as f:
        f.write(raw)


@pytest.mark.parametrize("structure", [
    '{"dict": 5}', '{"dict": [[[1], {"v": 1}]]}', '{"dtype": "zz"}', "[" * 5000 + "]" * 5000,
    '{"tensor": ["x"]}', '{"list": [{"v": 1, "x": 2}]}', '{"list": 3}',
])
def test_malformed_checkpoint_metadata_raises_value_error(tmp_path, structure):
    p = tmp_path / "c.safetensors"
    _crafted(p, structure)
    with pytest.raises(ValueError, match="load: .* is corrupt"):
        ember.load(p, verify=False)


def test_error_labels_name_the_op():
    with pytest.raises(TypeError, match="^var:"):
        ember.tensor([1, 2]).var()
    with pytest.raises(IndexError, match="^stack:"):
        ember.stack([ember.zeros(2), ember.zeros(2)], dim=5)


def test_load_state_dict_checks_everything_before_copying():
    a = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    before = {k: v.numpy().copy() for k, v in a.state_dict().items()}
    bad = {k: v.clone() + 1 for k, v in a.state_dict().items()}
    bad["1.num_batches_tracked"] = np.array("x")
    with pytest.raises(RuntimeError, match="not numeric"):
        a.load_state_dict(bad)
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    with pytest.raises(TypeError, match="mapping"):
        a.load_state_dict([1, 2])


# ---- 14: SVC on overflowing data -----------------------------------------------------------
def test_svc_refuses_overflowing_input_at_fit():
    from ember.ml import SVC
    X = np.random.RandomState(0).randn(20, 2)
    y = (X[:, 0] > 0).astype(int)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="values too large|large values"):
        SVC().fit(X * 1e300, y)



# ---- 20: the README's claim about scikit-learn's estimator checks -------------------------
def test_readme_names_every_estimator_left_out_of_the_estimator_checks():
    import importlib
    import inspect
    from sklearn.base import BaseEstimator
    mods = ["linear", "svm", "tree", "ensemble", "gbdt", "naive_bayes", "neighbors", "cluster",
            "decomposition", "preprocessing", "hmm"]
    public = {n for m in mods for n, c in vars(importlib.import_module("ember.ml." + m)).items()
              if inspect.isclass(c) and issubclass(c, BaseEstimator) and c.__module__.startswith("ember")
              and not n.startswith("_")}
    checked = set()
    for f in ("linear", "svm", "trees"):
        checked |= {type(e).__name__ for e in importlib.import_module(f"tests.ml.test_estimator_checks_{f}").ESTIMATORS}
    left_out = public - checked
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    claim = readme[readme.index("`parametrize_with_checks`") - 120:readme.index("`parametrize_with_checks`")]
    assert left_out and left_out <= {"CategoricalHMM", "GaussianHMM", "GMMHMM"}, left_out   # only the HMMs
    assert all(f"`{n}`" in claim for n in left_out), claim


# ---- 17: the atomic save keeps permissions and leaves no temporary files -------------------
def test_save_keeps_the_mode_of_the_file_it_replaces_and_honours_the_umask(tmp_path):
    p = tmp_path / "c.safetensors"
    old = os.umask(0o022)
    try:
        ember.save({"w": ember.ones(2)}, p)
        assert (os.stat(p).st_mode & 0o777) == 0o644          # 0o666 less the umask, not 0o600
        os.chmod(p, 0o640)
        ember.save({"w": ember.zeros(2)}, p)
        assert (os.stat(p).st_mode & 0o777) == 0o640
    finally:
        os.umask(old)


def test_save_removes_its_temporary_file_on_error_and_on_sigterm(tmp_path, monkeypatch):
    import signal
    p = tmp_path / "c.safetensors"
    ember.save({"w": ember.ones(2)}, p)

    def fail(fd):
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"w": ember.zeros(2)}, p)
    # save() catches SIGTERM only where nobody else handles it: start from the default (a
    # library an earlier test loaded, such as Ray, may have installed a handler of its own)
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        monkeypatch.setattr(os, "fsync", lambda fd: signal.raise_signal(signal.SIGTERM))
        with pytest.raises(SystemExit):
            ember.save({"w": ember.zeros(2)}, p)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert os.listdir(tmp_path) == ["c.safetensors"]
    assert ember.load(p)["w"].tolist() == [1.0, 1.0]            # the previous checkpoint survived


def test_save_removes_stale_temporary_files_of_dead_processes_only(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".c.safetensors.{dead}.0123abcd.part"
    live = tmp_path / f".c.safetensors.{os.getppid()}.0123abcd.part"
    stale.write_bytes(b"x" * 100)
    live.write_bytes(b"x")
    ember.save({"w": ember.ones(2)}, tmp_path / "c.safetensors")
    assert not stale.exists() and live.exists()
