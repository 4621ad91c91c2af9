"""Learning-rate schedulers: the lr of every param group, epoch by epoch for 30 epochs,
equals torch.optim.lr_scheduler's; state_dict round trips; errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
from ember.optim import lr_scheduler as els
from torch.optim import lr_scheduler as tls

EPOCHS = 30


def _opts(lr=0.5, lr2=0.1):
    """An ember and a torch SGD, each with two param groups of different lr."""
    e = eoptim.SGD([{"params": [ember.zeros(2, requires_grad=True)]},
                    {"params": [ember.zeros(1, requires_grad=True)], "lr": lr2}],
                   lr=lr, momentum=0.9)
    t = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                         {"params": [torch.zeros(1, requires_grad=True)], "lr": lr2}],
                        lr=lr, momentum=0.9)
    return e, t


def _trace(opt, sched, epochs=EPOCHS, metrics=None):
    out = []
    for epoch in range(epochs):
        out.append(list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
    out.append(list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups])
    return out


SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[3, 8, 8, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.87)),
    ("PolynomialLR", dict()),
    ("PolynomialLR", dict(total_iters=20, power=2.0)),
    ("PolynomialLR", dict(total_iters=12, power=0.5)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict(start_factor=0.25, total_iters=6)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=12)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_schedule_matches_torch(name, kwargs):
    oe, ot = _opts()
    se, st = getattr(els, name)(oe, **kwargs), getattr(tls, name)(ot, **kwargs)
    te, tt = _trace(oe, se), _trace(ot, st)
    np.testing.assert_allclose(np.array(te), np.array(tt), rtol=1e-12, atol=1e-15)
    lrs = np.array(te)[:, 0]
    assert len(set(np.round(lrs, 12))) > 1, "the schedule never changed the lr"
    assert se.last_epoch == st.last_epoch == EPOCHS


def test_lambda_lr_matches_torch_per_group():
    lambdas = [lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e)]
    oe, ot = _opts()
    te = _trace(oe, els.LambdaLR(oe, lambdas))
    tt = _trace(ot, tls.LambdaLR(ot, lambdas))
    np.testing.assert_allclose(te, tt, rtol=1e-12)
    assert te[10][:2] == pytest.approx([0.5 * 0.95 ** 10, 0.1 / 11])


def test_multiplicative_lr_matches_torch():
    oe, ot = _opts()
    te = _trace(oe, els.MultiplicativeLR(oe, lambda e: 0.9 if e % 2 else 1.0))
    tt = _trace(ot, tls.MultiplicativeLR(ot, lambda e: 0.9 if e % 2 else 1.0))
    np.testing.assert_allclose(te, tt, rtol=1e-12)


def test_chained_schedulers_compose_like_torch():
    oe, ot = _opts()
    e1, e2 = els.ExponentialLR(oe, gamma=0.9), els.StepLR(oe, step_size=5, gamma=0.5)
    t1, t2 = tls.ExponentialLR(ot, gamma=0.9), tls.StepLR(ot, step_size=5, gamma=0.5)
    for _ in range(EPOCHS):
        oe.step(); ot.step()
        e1.step(); e2.step(); t1.step(); t2.step()
        np.testing.assert_allclose([g["lr"] for g in oe.param_groups],
                                   [g["lr"] for g in ot.param_groups], rtol=1e-12)


LOSSES = [5.0, 4.0, 3.5, 3.5, 3.6, 3.49999, 3.7, 3.8, 3.3, 3.3, 3.31, 3.32, 3.33, 3.1, 3.2,
          3.2, 3.2, 3.2, 3.2, 3.2, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9]
PLATEAU = [
    dict(factor=0.5, patience=2),                           # the notes' "halve when stuck"
    dict(factor=0.5, patience=0, cooldown=2),
    dict(factor=0.1, patience=1, threshold=0.05, threshold_mode="abs", min_lr=[1e-3, 0.02]),
    dict(mode="max", factor=0.7, patience=1, threshold=0.01),
    dict(mode="max", factor=0.5, patience=3, threshold_mode="abs", threshold=0.0),
    dict(factor=0.5, patience=1, min_lr=0.2, eps=1e-3),
    dict(),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(i) for i in range(len(PLATEAU))])
def test_reduce_on_plateau_matches_torch(kwargs):
    oe, ot = _opts()
    se, st = els.ReduceLROnPlateau(oe, **kwargs), tls.ReduceLROnPlateau(ot, **kwargs)
    metrics = [(-x if kwargs.get("mode") == "max" else x) for x in LOSSES]
    te, tt = _trace(oe, se, metrics=metrics), _trace(ot, st, metrics=metrics)
    np.testing.assert_allclose(te, tt, rtol=1e-12)
    if kwargs:   # every non-default configuration reduces at least once on LOSSES
        assert te[-1][0] < te[0][0]
    assert (se.best, se.num_bad_epochs, se.cooldown_counter, se.last_epoch) == \
        (st.best, st.num_bad_epochs, st.cooldown_counter, st.last_epoch)


def test_reduce_on_plateau_halves_when_loss_stops_improving():
    oe, _ = _opts(lr=1.0)
    s = els.ReduceLROnPlateau(oe, factor=0.5, patience=2)
    for loss in [1.0, 0.9, 0.8]:
        s.step(loss)
    assert s.get_last_lr()[0] == 1.0
    for loss in [0.8, 0.8]:                   # two bad epochs: still within patience
        s.step(loss)
    assert s.get_last_lr()[0] == 1.0
    s.step(ember.tensor(0.85))                # third bad epoch (a 0-d tensor works too)
    assert s.get_last_lr() == [0.5, 0.05]


@pytest.mark.parametrize("name,kwargs", [s for s in SCHEDULES if s[0] in (
    "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR")])
def test_state_dict_resume(name, kwargs):
    oe, _ = _opts()
    s = getattr(els, name)(oe, **kwargs)
    ref = _trace(oe, s, 20)
    o2, _ = _opts()
    s2 = getattr(els, name)(o2, **kwargs)
    _trace(o2, s2, 8)
    sd_opt, sd_s = o2.state_dict(), s2.state_dict()
    assert "optimizer" not in sd_s and sd_s["last_epoch"] == 8
    o3, _ = _opts()
    s3 = getattr(els, name)(o3, **kwargs)
    o3.load_state_dict(sd_opt)
    s3.load_state_dict(sd_s)
    rest = _trace(o3, s3, 12)
    np.testing.assert_allclose(rest, ref[8:], rtol=1e-12)


def test_plateau_state_dict_resume():
    oe, _ = _opts()
    s = els.ReduceLROnPlateau(oe, factor=0.5, patience=1, cooldown=1)
    ref = _trace(oe, s, 30, LOSSES)
    o2, _ = _opts()
    s2 = els.ReduceLROnPlateau(o2, factor=0.5, patience=1, cooldown=1)
    _trace(o2, s2, 12, LOSSES)
    o3, _ = _opts()
    s3 = els.ReduceLROnPlateau(o3)
    o3.load_state_dict(o2.state_dict())
    s3.load_state_dict(s2.state_dict())
    rest = _trace(o3, s3, 18, LOSSES[12:])
    np.testing.assert_allclose(rest, ref[12:], rtol=1e-12)


def test_resume_with_last_epoch_needs_initial_lr():
    oe, ot = _opts()
    with pytest.raises(KeyError, match="initial_lr"):
        els.StepLR(oe, step_size=2, last_epoch=5)
    for g in oe.param_groups:
        g["initial_lr"] = g["lr"]
    s = els.StepLR(oe, step_size=2, gamma=0.5, last_epoch=5)
    assert s.last_epoch == 6


def test_epoch_argument_uses_closed_form_with_warning():
    oe, ot = _opts()
    se, st = els.StepLR(oe, 3, 0.5), tls.StepLR(ot, 3, 0.5)
    oe.step(); ot.step()
    with pytest.warns(UserWarning, match="deprecated"):
        se.step(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        st.step(7)
    assert se.get_last_lr() == pytest.approx(st.get_last_lr())


def test_warns_when_scheduler_steps_before_optimizer():
    oe, _ = _opts()
    s = els.StepLR(oe, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


BAD = [
    (lambda o: els.StepLR(o, step_size=0), r"StepLR: step_size=0 must be an integer >= 1"),
    (lambda o: els.StepLR(o, step_size=2.5), r"step_size=2.5 must be an integer"),
    (lambda o: els.StepLR(o, 2, gamma=float("nan")), r"StepLR: gamma=nan"),
    (lambda o: els.MultiStepLR(o, [2, -1]), r"MultiStepLR: milestones\[...\]=-1"),
    (lambda o: els.ExponentialLR(o, gamma="x"), r"ExponentialLR: gamma='x' must be a real"),
    (lambda o: els.PolynomialLR(o, total_iters=0), r"PolynomialLR: total_iters=0"),
    (lambda o: els.CosineAnnealingLR(o, T_max=0), r"CosineAnnealingLR: T_max=0"),
    (lambda o: els.CosineAnnealingLR(o, T_max=5, eta_min=-1), r"eta_min=-1 must be >= 0"),
    (lambda o: els.ConstantLR(o, factor=1.5), r"ConstantLR: factor=1.5 must be in \[0, 1\]"),
    (lambda o: els.LinearLR(o, start_factor=0), r"LinearLR: start_factor=0 must be in \(0, 1\]"),
    (lambda o: els.LambdaLR(o, [lambda e: 1.0]), r"LambdaLR: expected 2 lr_lambdas"),
    (lambda o: els.ReduceLROnPlateau(o, factor=1.0),
     r"ReduceLROnPlateau: factor=1.0 must be in \[0, 1\)"),
    (lambda o: els.ReduceLROnPlateau(o, mode="up"), r"mode='up' must be 'min' or 'max'"),
    (lambda o: els.ReduceLROnPlateau(o, threshold_mode="pct"), r"threshold_mode='pct'"),
    (lambda o: els.ReduceLROnPlateau(o, patience=-1), r"patience=-1 must be an integer >= 0"),
    (lambda o: els.ReduceLROnPlateau(o, min_lr=[0.1]), r"expected 2 min_lrs"),
    (lambda o: els.StepLR(o, 2, last_epoch=-2), r"last_epoch=-2 must be an integer >= -1"),
]


@pytest.mark.parametrize("make,msg", BAD, ids=[m for _, m in BAD])
def test_bad_arguments_raise(make, msg):
    oe, _ = _opts()
    with pytest.raises(ValueError, match=msg):
        make(oe)


def test_optimizer_type_checked():
    with pytest.raises(TypeError, match="must be an ember.optim.Optimizer"):
        els.StepLR(object(), 2)
    with pytest.raises(TypeError, match="must be an ember.optim.Optimizer"):
        els.ReduceLROnPlateau(torch.optim.SGD([torch.zeros(1, requires_grad=True)]))


def test_cosine_reaches_eta_min_at_t_max():
    oe, _ = _opts(lr=1.0)
    s = els.CosineAnnealingLR(oe, T_max=8, eta_min=0.05)
    trace = _trace(oe, s, 8)
    assert trace[-1][0] == pytest.approx(0.05)
    assert trace[4][0] == pytest.approx(0.05 + 0.95 * (1 + math.cos(math.pi / 2)) / 2)


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in
                                                         enumerate(SCHEDULES)])
def test_closed_form_with_epoch_matches_torch(name, kwargs):
    oe, ot = _opts()
    se, st = getattr(els, name)(oe, **kwargs), getattr(tls, name)(ot, **kwargs)
    oe.step(); ot.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 10, 17, 4):
            se.step(epoch)
            st.step(epoch)
            np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-12)
