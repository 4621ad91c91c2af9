"""Recurrent layers and cells against torch (float64): outputs, final states and gradients
with respect to the input, the initial states and every weight, in every configuration
(layers 1-3, bidirectional, batch_first, bias, proj_size, packed batches, initial states);
torch state_dicts load by name; a packed batch equals each sequence run alone; bad input."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from ember.nn.utils import rnn as ernn

torch.set_default_dtype(torch.float64)
TRNN = torch.nn.utils.rnn
LAYERS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}
CELLS = {"RNN": (nn.RNNCell, torch.nn.RNNCell), "LSTM": (nn.LSTMCell, torch.nn.LSTMCell),
         "GRU": (nn.GRUCell, torch.nn.GRUCell)}


def _np(t):
    return t.detach().numpy()


def load_into_torch(em, tm):
    """torch's module takes ember's weights through its own load_state_dict (names must match)."""
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in em.state_dict().items()})


def _flat(out):
    """(output, h) or (output, (h, c)) as a flat list of tensors; a PackedSequence gives its data."""
    o, h = out
    o = o.data if isinstance(o, (ernn.PackedSequence, TRNN.PackedSequence)) else o
    return [o] + (list(h) if isinstance(h, tuple) else [h])


def compare(em, tm, x, lengths=None, hx=None, atol=1e-10):
    """Run both modules on x (and initial states hx), packed by ``lengths`` if given; compare
    outputs, states and the gradients of a random weighted sum of them."""
    rng = np.random.default_rng(1)
    em.double()
    load_into_torch(em, tm)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    he = ht = None
    leaves_e, leaves_t = [xe], [xt]
    if hx is not None:
        he = [ember.tensor(h, requires_grad=True) for h in hx]
        ht = [torch.tensor(h, requires_grad=True) for h in hx]
        leaves_e += he
        leaves_t += ht
        he, ht = (tuple(he), tuple(ht)) if len(hx) == 2 else (he[0], ht[0])
    ie, it = xe, xt
    if lengths is not None:
        ie = ernn.pack_padded_sequence(xe, lengths, batch_first=em.batch_first, enforce_sorted=False)
        it = TRNN.pack_padded_sequence(xt, torch.tensor(lengths), batch_first=tm.batch_first,
                                       enforce_sorted=False)
    oe, ot = _flat(em(ie, he)), _flat(tm(it, ht))
    for i, (a, b) in enumerate(zip(oe, ot)):
        np.testing.assert_allclose(_np(a), _np(b), atol=atol, rtol=1e-7, err_msg=f"output {i}")
    gs = [rng.standard_normal(tuple(b.shape)) for b in ot]
    sum((a * ember.tensor(g)).sum() for a, g in zip(oe, gs)).backward()
    sum((b * torch.tensor(g)).sum() for b, g in zip(ot, gs)).backward()
    for i, (a, b) in enumerate(zip(leaves_e, leaves_t)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-7, err_msg=f"input {i}")
    for (n, p), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert n == tn
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=1e-7, err_msg=n)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), layers=st.integers(1, 3), bidi=st.booleans(),
       batch_first=st.booleans(), bias=st.booleans(), proj=st.booleans(), relu=st.booleans(),
       with_hx=st.booleans(), packed=st.booleans(), T=st.integers(1, 5), B=st.integers(1, 4),
       I=st.integers(1, 4), H=st.integers(2, 5), seed=st.integers(0, 10**6))
def test_layers_match_torch(kind, layers, bidi, batch_first, bias, proj, relu, with_hx, packed,
                            T, B, I, H, seed):
    rng = np.random.default_rng(seed)
    kw = dict(num_layers=layers, bidirectional=bidi, batch_first=batch_first, bias=bias)
    if kind == "LSTM" and proj:
        kw["proj_size"] = H - 1
    if kind == "RNN" and relu:
        kw["nonlinearity"] = "relu"
    E, Tt = LAYERS[kind]
    em, tm = E(I, H, **kw), Tt(I, H, **kw)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    D = 2 if bidi else 1
    hx = None
    if with_hx:
        hx = [rng.standard_normal((layers * D, B, kw.get("proj_size") or H))]
        if kind == "LSTM":
            hx.append(rng.standard_normal((layers * D, B, H)))
    lengths = rng.integers(1, T + 1, size=B).tolist() if packed else None
    compare(em, tm, x, lengths, hx)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_matches_torch(kind):
    rng = np.random.default_rng(0)
    E, Tt = LAYERS[kind]
    hx = [rng.standard_normal((4, 3))] * (2 if kind == "LSTM" else 1)
    compare(E(2, 3, num_layers=2, bidirectional=True), Tt(2, 3, num_layers=2, bidirectional=True),
            rng.standard_normal((5, 2)), hx=hx)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(kind, batched):
    rng = np.random.default_rng(2)
    E, Tt = CELLS[kind]
    em, tm = E(3, 4).double(), Tt(3, 4)
    load_into_torch(em, tm)
    lead = (2,) if batched else ()
    x = rng.standard_normal(lead + (3,))
    states = [rng.standard_normal(lead + (4,)) for _ in range(2 if kind == "LSTM" else 1)]
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    se = [ember.tensor(s, requires_grad=True) for s in states]
    st_ = [torch.tensor(s, requires_grad=True) for s in states]
    oe = em(xe, tuple(se) if kind == "LSTM" else se[0])
    ot = tm(xt, tuple(st_) if kind == "LSTM" else st_[0])
    oe, ot = (list(oe), list(ot)) if kind == "LSTM" else ([oe], [ot])
    gs = [rng.standard_normal(tuple(t.shape)) for t in ot]
    for a, b in zip(oe, ot):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)
    sum((a * ember.tensor(g)).sum() for a, g in zip(oe, gs)).backward()
    sum((b * torch.tensor(g)).sum() for b, g in zip(ot, gs)).backward()
    for a, b in zip([xe] + se, [xt] + st_):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    for (n, p), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-12, err_msg=n)
    # no state given: zeros, as torch
    a, b = (em(xe)[0], tm(xt)[0]) if kind == "LSTM" else (em(xe), tm(xt))
    np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_and_gradgradcheck_through_cells(kind):
    rng = np.random.default_rng(3)
    cell = CELLS[kind][0](2, 3).double()
    x = ember.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = ember.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c = ember.tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def f(x_, h_, c_, w_):      # w_ is the cell's own weight_hh (gradcheck perturbs it in place)
        out = cell(x_, (h_, c_)) if kind == "LSTM" else cell(x_, h_)
        return out[0] * out[1] if kind == "LSTM" else out
    assert ember.autograd.gradcheck(f, [x, h, c, cell.weight_hh])
    assert ember.autograd.gradgradcheck(f, [x, h, c, cell.weight_hh])


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_second_derivatives_of_packed_bidirectional_layer_match_torch(kind):
    """Double backward through the fused layer (a packed, bidirectional LSTM with projection):
    the gradient of <grad, v> with respect to the input and a weight equals torch's."""
    rng = np.random.default_rng(4)
    kw = dict(bidirectional=True, **({"proj_size": 2} if kind == "LSTM" else {}))
    em, tm = LAYERS[kind][0](2, 3, **kw).double(), LAYERS[kind][1](2, 3, **kw)
    load_into_torch(em, tm)
    x = rng.standard_normal((4, 3, 2))
    lengths = [4, 2, 3]
    res = []
    for m, mod, P in ((ember, em, ernn), (torch, tm, TRNN)):
        xx = m.tensor(x, requires_grad=True)
        w = mod.weight_hh_l0_reverse
        out, h = mod(P.pack_padded_sequence(xx, m.tensor(lengths), enforce_sorted=False))
        h = h[0] if isinstance(h, tuple) else h
        loss = (out.data.tanh() ** 2).sum() + (h ** 3).sum()
        gx, gw = m.autograd.grad(loss, [xx, w], create_graph=True)
        v = (gx * m.tensor(np.cos(x))).sum() + (gw ** 2).sum()
        res.append([_np(t) for t in m.autograd.grad(v, [xx, w])] + [_np(gx), _np(gw)])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, atol=1e-9, rtol=1e-7)


def test_torch_state_dict_loads_by_name_and_gives_torch_outputs():
    torch.manual_seed(0)
    tm = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    em = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2).double()
    sd = tm.state_dict()
    assert list(em.state_dict()) == list(sd)
    assert all(tuple(em.state_dict()[k].shape) == tuple(v.shape) for k, v in sd.items())
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in sd.items()})
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    (oe, (he, ce)), (ot, (ht, ct)) = em(ember.tensor(x)), tm(torch.tensor(x))
    for a, b in ((oe, ot), (he, ht), (ce, ct)):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_default_init_is_torch_uniform(kind):
    ember.manual_seed(0)
    m = LAYERS[kind][0](8, 100, num_layers=2)
    w = np.concatenate([_np(p).ravel() for p in m.parameters()])
    bound = 1 / np.sqrt(100)
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.002


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_packed_batch_equals_each_sequence_alone(kind):
    rng = np.random.default_rng(5)
    m = LAYERS[kind][0](2, 3, num_layers=2, bidirectional=True).double()
    seqs = [ember.tensor(rng.standard_normal((n, 2))) for n in (3, 5, 1, 4)]
    out, h = m(ernn.pack_sequence(seqs, enforce_sorted=False))
    h = h[0] if kind == "LSTM" else h
    padded, lengths = ernn.pad_packed_sequence(out, batch_first=True)
    assert lengths.tolist() == [3, 5, 1, 4]
    for b, s in enumerate(seqs):
        o1, h1 = m(s.unsqueeze(1))
        h1 = h1[0] if kind == "LSTM" else h1
        n = s.shape[0]
        np.testing.assert_allclose(_np(padded[b, :n]), _np(o1[:, 0]), atol=1e-12)
        assert np.all(_np(padded[b, n:]) == 0)
        np.testing.assert_allclose(_np(h[:, b]), _np(h1[:, 0]), atol=1e-12)


def test_dropout_between_layers_only_in_training():
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5).double()
    x = ember.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    m.eval()
    a, b = m(x)[0], m(x)[0]
    np.testing.assert_array_equal(_np(a), _np(b))
    m.train()
    assert not np.allclose(_np(m(x)[0]), _np(a))
    one = nn.GRU(3, 4, num_layers=1, dropout=0.5).double().train()     # no layer after which to drop
    np.testing.assert_array_equal(_np(one(x)[0]), _np(one(x)[0]))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_and_pad_utilities_match_torch(batch_first, enforce_sorted):
    rng = np.random.default_rng(6)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 4]
    x = rng.standard_normal((4, 5, 2) if batch_first else (5, 4, 2))
    pe = ernn.pack_padded_sequence(ember.tensor(x), lengths, batch_first, enforce_sorted)
    pt = TRNN.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(_np(pe.data), _np(pt.data))
    assert pe.batch_sizes.tolist() == pt.batch_sizes.tolist()
    for a, b in ((pe.sorted_indices, pt.sorted_indices), (pe.unsorted_indices, pt.unsorted_indices)):
        assert (a is None and b is None) or a.tolist() == b.tolist()
    (de, le), (dt, lt) = (ernn.pad_packed_sequence(pe, batch_first, -1.0, 7),
                          TRNN.pad_packed_sequence(pt, batch_first, -1.0, 7))
    np.testing.assert_array_equal(_np(de), _np(dt))
    assert le.tolist() == lt.tolist()
    seqs = [rng.standard_normal((n, 2)) for n in lengths]
    for side in ("right", "left"):
        np.testing.assert_array_equal(
            _np(ernn.pad_sequence([ember.tensor(s) for s in seqs], batch_first, 9.0, side)),
            _np(TRNN.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 9.0, side)))
    ps_e = ernn.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted)
    ps_t = TRNN.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted)
    np.testing.assert_array_equal(_np(ps_e.data), _np(ps_t.data))


def test_pack_padded_sequence_gradient_matches_torch():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 3, 2))
    g = rng.standard_normal((8, 2))
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ernn.pack_padded_sequence(xe, [2, 4, 2], enforce_sorted=False).data * ember.tensor(g)).sum().backward()
    (TRNN.pack_padded_sequence(xt, torch.tensor([2, 4, 2]), enforce_sorted=False).data
     * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_bad_input_gives_clear_errors():
    m = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"input_size=3.*\(5, 2, 7\)"):
        m(ember.zeros(5, 2, 7))
    with pytest.raises(ValueError, match=r"h_0 of shape \(2, 2, 4\).*got \(1, 2, 4\)"):
        m(ember.zeros(5, 2, 3), (ember.zeros(1, 2, 4), ember.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"c_0 of shape \(2, 2, 4\).*got \(2, 3, 4\)"):
        m(ember.zeros(5, 2, 3), (ember.zeros(2, 2, 4), ember.zeros(2, 3, 4)))
    with pytest.raises(ValueError, match=r"hx of shape \(1, 2, 4\).*got \(1, 4\)"):
        nn.GRU(3, 4)(ember.zeros(5, 2, 3), ember.zeros(1, 4))
    with pytest.raises(ValueError, match=r"lengths=\[2, 3\] must be sorted in decreasing order"):
        ernn.pack_padded_sequence(ember.zeros(3, 2, 1), [2, 3])
    with pytest.raises(ValueError, match=r"lengths=\[6, 3\].*longer than.*\(3, 2, 1\).*3 steps"):
        ernn.pack_padded_sequence(ember.zeros(3, 2, 1), [6, 3])
    with pytest.raises(ValueError, match=r"lengths has 3 entries.*batch of 2"):
        ernn.pack_padded_sequence(ember.zeros(3, 2, 1), [3, 2, 1])
    with pytest.raises(ValueError, match=r"every length must be positive"):
        ernn.pack_padded_sequence(ember.zeros(3, 2, 1), [3, 0])
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\).*\(2, 5\)"):
        nn.GRUCell(3, 4)(ember.zeros(2, 5))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 4\), got \(2, 5\)"):
        nn.LSTMCell(3, 4)(ember.zeros(2, 3), (ember.zeros(2, 5), ember.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"proj_size=4 must be smaller than hidden_size=4"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match=r"nonlinearity='gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"hidden_size=0 must be a positive int"):
        nn.GRU(3, 0)


def test_all_weights_and_flatten_parameters_as_torch():
    em, tm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=1), \
        torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=1)
    em.flatten_parameters()
    assert [[tuple(w.shape) for w in ws] for ws in em.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in tm.all_weights]


def test_packing_doctest():
    import doctest
    result = doctest.testmod(ernn, verbose=False)
    assert result.attempted >= 5 and result.failed == 0


def test_unpad_and_unpack_sequence_invert_padding_and_packing():
    rng = np.random.default_rng(8)
    seqs = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    es = [ember.tensor(s) for s in seqs]
    for batch_first in (False, True):
        padded = ernn.pad_sequence(es, batch_first)
        back = ernn.unpad_sequence(padded, [2, 4, 1], batch_first)
        ref = TRNN.unpad_sequence(TRNN.pad_sequence([torch.tensor(s) for s in seqs], batch_first),
                                  torch.tensor([2, 4, 1]), batch_first)
        for a, b in zip(back, ref):
            np.testing.assert_array_equal(_np(a), _np(b))
    for a, s in zip(ernn.unpack_sequence(ernn.pack_sequence(es, enforce_sorted=False)), seqs):
        np.testing.assert_array_equal(_np(a), s)
    with pytest.raises(ValueError, match=r"lengths=\[2, 5, 1\] do not fit"):
        ernn.unpad_sequence(ernn.pad_sequence(es), [2, 5, 1])
