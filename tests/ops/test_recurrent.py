"""The fused recurrent op against its step-by-step reference written with ember ops (float64,
every mode, forward and reverse, full and packed batches): outputs, final states and every
gradient; gradcheck and gradgradcheck through whole sequences; float32 stays float32."""
import numpy as np
import pytest

import ember
from ember.ops.recurrent import Recurrent, recurrent_reference, MODES


def _args(mode, T, B, I, H, proj, bias, rng, dtype=np.float64):
    G = MODES[mode]
    P = proj or H
    t = lambda *s: ember.tensor(rng.standard_normal(s).astype(dtype) * 0.7, requires_grad=True)  # noqa: E731
    return [t(T, B, I), t(B, P), t(B, H) if mode == "LSTM" else None, t(G * H, I), t(G * H, P),
            t(G * H) if bias else None, t(G * H) if bias else None, t(P, H) if proj else None]


CASES = [(mode, reverse, packed, bias, proj) for mode in MODES for reverse in (False, True)
         for packed in (False, True) for bias in (True, False) for proj in ((0, 2) if mode == "LSTM" else (0,))]


@pytest.mark.parametrize("mode,reverse,packed,bias,proj", CASES)
def test_fused_op_equals_reference(mode, reverse, packed, bias, proj):
    rng = np.random.default_rng(len(mode) + 2 * reverse + 4 * packed)
    args = _args(mode, 4, 3, 2, 3, proj, bias, rng)
    bs = np.array([3, 2, 2, 1]) if packed else None
    fused = Recurrent.apply(*args, mode, bs, reverse)
    ref = recurrent_reference(*args, mode, bs, reverse)
    n = 3 if mode == "LSTM" else 2
    leaves = [a for a in args if a is not None]
    gs = [ember.tensor(rng.standard_normal(tuple(o.shape))) for o in ref[:n]]
    gf = ember.autograd.grad(list(fused[:n]), leaves, gs, retain_graph=True)
    gr = ember.autograd.grad(list(ref[:n]), leaves, gs)
    for a, b in zip(fused[:n], ref[:n]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)
    for i, (a, b) in enumerate(zip(gf, gr)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-11, err_msg=f"gradient {i}")


@pytest.mark.parametrize("mode", list(MODES))
def test_gradcheck_and_gradgradcheck_through_a_packed_sequence(mode):
    rng = np.random.default_rng(1)
    args = _args(mode, 2, 2, 1, 2, 0, True, rng)
    bs = np.array([2, 1])
    idx = [i for i, a in enumerate(args) if a is not None]

    def f(*ts):
        full = list(args)
        for i, t in zip(idx, ts):
            full[i] = t
        out = Recurrent.apply(*full, mode, bs, True)
        return out[0], out[1]
    inputs = [args[i] for i in idx]
    assert ember.autograd.gradcheck(f, inputs)
    assert ember.autograd.gradgradcheck(f, inputs)


def test_float32_stays_float32_and_matches_float64():
    rng = np.random.default_rng(2)
    a64 = _args("LSTM", 5, 2, 3, 4, 0, True, rng)
    a32 = [None if a is None else ember.tensor(a.detach().numpy().astype(np.float32), requires_grad=True)
           for a in a64]
    o64, o32 = Recurrent.apply(*a64, "LSTM", None, False), Recurrent.apply(*a32, "LSTM", None, False)
    assert all(o.dtype == ember.float32 for o in o32)
    np.testing.assert_allclose(o32[0].detach().numpy(), o64[0].detach().numpy(), atol=1e-5)
    o32[0].sum().backward()
    o64[0].sum().backward()
    assert a32[3].grad.dtype == ember.float32
    np.testing.assert_allclose(a32[3].grad.numpy(), a64[3].grad.numpy(), rtol=1e-4, atol=1e-5)


def test_changing_the_output_in_place_does_not_change_the_gradient():
    rng = np.random.default_rng(3)
    args = _args("GRU", 3, 2, 2, 2, 0, True, rng)
    out, h, _ = Recurrent.apply(*args, "GRU", None, False)
    g = ember.autograd.grad(h.sum(), args[3], retain_graph=True)[0].numpy()
    with ember.no_grad():
        out.array[...] = 0
    np.testing.assert_array_equal(ember.autograd.grad(h.sum(), args[3])[0].numpy(), g)
