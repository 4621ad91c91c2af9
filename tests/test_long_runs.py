"""Long runs stay flat (issue 15, deliverable 6): thousands of training steps of a small MLP,
plain and with ``create_graph=True`` (a gradient penalty), keep neither graph nodes nor
tensors alive from one step to the next, and the resident memory does not grow."""
import gc
import os

import numpy as np
import pytest

import ember
from ember import nn

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS read from /proc (Linux)")


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _live(cls):
    gc.collect()
    return sum(isinstance(o, cls) for o in gc.get_objects())


def _run(step, n):
    for _ in range(n):
        step()


def _flat(step, warmup=200, steps=1500, max_growth_mb=8.0):
    _run(step, warmup)
    nodes, tensors, rss = _live(ember.autograd.Function), _live(ember.Tensor), _rss_mb()
    _run(step, steps)
    grown = _rss_mb() - rss
    assert _live(ember.autograd.Function) <= nodes, "graph nodes survive from step to step"
    assert _live(ember.Tensor) <= tensors, "tensors accumulate from step to step"
    assert grown < max_growth_mb, f"resident memory grew by {grown:.1f} MB over {steps} steps"


def _setup():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 3))
    opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    X = ember.tensor(rng.standard_normal((16, 8)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 3, 16))
    return model, opt, X, y


def test_training_steps_keep_memory_flat():
    model, opt, X, y = _setup()
    losses = []

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    _flat(step)
    assert losses[-1] < losses[0]          # it did train


def test_create_graph_steps_keep_memory_flat():
    model, opt, X, y = _setup()
    X.requires_grad_()

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        gx, = ember.autograd.grad(loss, [X], create_graph=True)
        (loss + (gx * gx).sum()).backward()      # a gradient penalty: a double backward per step
        opt.step()
        X.grad = None
    _flat(step, warmup=100, steps=500)
