"""MultiheadAttention, the Transformer layers and stacks, and the positional encoding
against torch (float64) with torch's weights loaded by name: outputs, gradients with
respect to the inputs and every weight, masks, is_causal, norm_first, activations;
attention weights sum to 1 and respect masks; errors name the argument and the shapes."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from tests.ops._parity import normal

torch.set_default_dtype(torch.float64)


def _call(mod, xs, **kw):
    return mod(*xs, **kw)


def _self_attention(mod, xs, **kw):      # (q, q, q): the same tensor, so the one-GEMM projection runs
    return mod(*(xs * 3 if len(xs) == 1 else xs), **kw)


def run_both(em, tm, inputs, kw=lambda m: {}, train=False, call=_call):
    """Load torch's state_dict into ember by name, run both on the same inputs; compare the
    outputs and the gradients of every input and parameter for a random output gradient."""
    em.double(), tm.double()
    em.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    em.train(train), tm.train(train)
    ie = [ember.tensor(a, requires_grad=True) for a in inputs]
    it = [torch.tensor(a, requires_grad=True) for a in inputs]
    oe, ot = call(em, ie, **kw(ember)), call(tm, it, **kw(torch))
    oe, ot = (oe, ot) if isinstance(ot, tuple) else ((oe,), (ot,))
    for e, t in zip(oe, ot):
        if t is not None:
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=1e-10, rtol=1e-7)
    g = normal(99, ot[0].shape)
    oe[0].backward(ember.tensor(g))
    ot[0].backward(torch.tensor(g))
    for e, t in zip(ie, it):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-10, rtol=1e-7)
    named_t = dict(tm.named_parameters())
    assert [n for n, _ in em.named_parameters()] == list(named_t)
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), named_t[n].grad.numpy(), atol=1e-10, rtol=1e-7, err_msg=n)
    return oe


@settings(max_examples=10, deadline=None)
@given(batch_first=st.booleans(), heads=st.sampled_from([1, 2]), L=st.integers(1, 4), S=st.integers(1, 4),
       kv=st.sampled_from(["self", "same", "kdim"]), bias=st.booleans(), masks=st.sampled_from(
           ["none", "bool", "float", "bool3d", "padding"]), average=st.booleans(), seed=st.integers(0, 999))
def test_multihead_attention_matches_torch(batch_first, heads, L, S, kv, bias, masks, average, seed):
    E, N = 4, 2
    kw_mod = dict(bias=bias, batch_first=batch_first)
    kdim = vdim = E
    if kv == "kdim":
        kdim, vdim = 3, 5
        kw_mod.update(kdim=kdim, vdim=vdim)
    em, tm = nn.MultiheadAttention(E, heads, **kw_mod), torch.nn.MultiheadAttention(E, heads, **kw_mod)
    if bias:
        with torch.no_grad():
            tm.in_proj_bias.normal_(), tm.out_proj.bias.normal_()
    shape = (lambda n: (N, n) if batch_first else (n, N))
    q = normal(seed, shape(L) + (E,))
    if kv == "self":
        S = L
    inputs = [q] if kv == "self" else [q, normal(seed + 1, shape(S) + (kdim,)), normal(seed + 2, shape(S) + (vdim,))]
    rng = np.random.default_rng(seed)
    mk = {"none": {}, "bool": {"attn_mask": rng.random((L, S)) < 0.3},
          "float": {"attn_mask": rng.standard_normal((L, S))},
          "bool3d": {"attn_mask": rng.random((N * heads, L, S)) < 0.3},
          "padding": {"key_padding_mask": rng.random((N, S)) < 0.3}}[masks]
    for m in mk.values():
        if m.dtype == bool:
            m[..., 0] = False           # every query keeps a key (torch gives NaN rows otherwise)

    kw = lambda lib: dict({k: lib.tensor(v) for k, v in mk.items()}, average_attn_weights=average)
    run_both(em, tm, inputs, kw, call=_self_attention)
    # need_weights=False takes the fused kernel: the same output
    ie = [ember.tensor(a) for a in inputs]
    fused, w = _self_attention(em, ie, need_weights=False, **{k: ember.tensor(v) for k, v in mk.items()})
    ref = _self_attention(tm, [torch.tensor(a) for a in inputs], **{k: torch.tensor(v) for k, v in mk.items()})[0]
    assert w is None
    np.testing.assert_allclose(fused.detach().numpy(), ref.detach().numpy(), atol=1e-10)


def test_attention_weights_sum_to_one_and_respect_masks():
    em = nn.MultiheadAttention(6, 3, batch_first=True).double()
    x = ember.tensor(normal(0, (2, 5, 6)))
    kpm = ember.tensor(np.array([[False] * 5, [False, False, False, True, True]]))
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    _, w = em(x, x, x, key_padding_mask=kpm, attn_mask=causal, average_attn_weights=False)
    w = w.detach().numpy()
    assert w.shape == (2, 3, 5, 5)
    np.testing.assert_allclose(w.sum(-1), 1, atol=1e-12)
    assert np.all(w[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0)     # no peeking ahead
    assert np.all(w[1, :, :, 3:] == 0)                                                  # padded keys ignored


def test_unbatched_attention_matches_torch():
    tm, em = torch.nn.MultiheadAttention(4, 2), nn.MultiheadAttention(4, 2)
    q, k = normal(0, (3, 4)), normal(1, (5, 4))
    run_both(em, tm, [q, k, k], lambda lib: {"key_padding_mask": lib.tensor(np.array([0, 0, 1, 0, 1.0]) * -1e9)})


LAYER_CASES = [
    dict(), dict(norm_first=True), dict(activation="gelu"), dict(batch_first=True), dict(bias=False),
    dict(activation="callable"),
]


def _layer_kw(case, lib):
    kw = dict(case)
    if kw.get("activation") == "callable":
        kw["activation"] = lib.nn.functional.tanh if lib is torch else ember.tanh
    return kw


@pytest.mark.parametrize("case", LAYER_CASES)
def test_encoder_stack_matches_torch(case):
    enc = lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 12, **_layer_kw(case, lib)), 2,
                                                norm=lib.nn.LayerNorm(8))
    x = normal(0, (2, 5, 8) if case.get("batch_first") else (5, 2, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(5).numpy()
    pad = np.array([[False] * 5, [False] * 3 + [True] * 2])
    run_both(enc(ember), enc(torch), [x], lambda lib: dict(mask=lib.tensor(mask), src_key_padding_mask=lib.tensor(pad),
                                                           is_causal=True))


@pytest.mark.parametrize("case", LAYER_CASES[:4])
def test_transformer_matches_torch(case):
    make = lambda lib: lib.nn.Transformer(8, 2, 2, 1, 12, **_layer_kw(case, lib))
    bf = case.get("batch_first")
    src, tgt = normal(0, (2, 5, 8) if bf else (5, 2, 8)), normal(1, (2, 4, 8) if bf else (4, 2, 8))
    tmask = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    mpad = np.array([[False] * 5, [False] * 4 + [True]])
    run_both(make(ember), make(torch), [src, tgt],
             lambda lib: dict(tgt_mask=lib.tensor(tmask), tgt_is_causal=True, memory_key_padding_mask=lib.tensor(mpad),
                              src_key_padding_mask=lib.tensor(mpad)))


def test_decoder_layer_in_training_mode_with_dropout_zero_matches_torch():
    make = lambda lib: lib.nn.TransformerDecoderLayer(6, 3, 10, dropout=0.0, norm_first=True)
    run_both(make(ember), make(torch), [normal(0, (3, 2, 6)), normal(1, (4, 2, 6))], train=True)


def test_transformer_init_is_xavier_and_dropout_acts_in_training_only():
    ember.manual_seed(0)
    t = nn.Transformer(16, 2, 1, 1, 32, dropout=0.5)
    w = t.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert w.min() >= -bound and w.max() <= bound and w.std() > 0.8 * bound / np.sqrt(3)
    x, y = ember.randn(3, 2, 16), ember.randn(4, 2, 16)
    t.eval()
    np.testing.assert_array_equal(t(x, y).detach().numpy(), t(x, y).detach().numpy())
    t.train()
    assert not np.allclose(t(x, y).detach().numpy(), t(x, y).detach().numpy())


def test_positional_encoding_values():
    pe = nn.PositionalEncoding(6, dropout=0.0, max_len=10, dtype=ember.float64)
    out = pe(ember.zeros(4, 1, 6, dtype=ember.float64)).numpy()[:, 0]
    pos, i = 3, 1                                        # PE[3, 2] = sin(3 / 10000^(2/6)), PE[3, 3] = cos(...)
    np.testing.assert_allclose(out[pos, 2 * i], np.sin(pos / 10000 ** (2 * i / 6)), rtol=1e-12)
    np.testing.assert_allclose(out[pos, 2 * i + 1], np.cos(pos / 10000 ** (2 * i / 6)), rtol=1e-12)
    np.testing.assert_allclose(out[0], [0, 1, 0, 1, 0, 1])
    bf = nn.PositionalEncoding(6, dropout=0.0, batch_first=True, dtype=ember.float64)(ember.zeros(1, 4, 6, dtype=ember.float64))
    np.testing.assert_allclose(bf.numpy()[0], out)
    with pytest.raises(ValueError, match="max_len=10"):
        pe(ember.zeros(11, 1, 6))


def test_attention_errors_name_the_argument_and_shapes():
    with pytest.raises(ValueError, match="embed_dim=10 must be divisible by num_heads=3"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(4, 2, add_bias_kv=True)
    m = nn.MultiheadAttention(4, 2)
    x = ember.randn(5, 2, 4)
    with pytest.raises(ValueError, match=r"attn_mask has shape \(5, 4\), expected \(5, 5\) or \(4, 5, 5\)"):
        m(x, x, x, attn_mask=ember.zeros(5, 4))
    with pytest.raises(ValueError, match=r"key_padding_mask has shape \(5, 2\), expected \(2, 5\)"):
        m(x, x, x, key_padding_mask=ember.zeros(5, 2, dtype=ember.bool))
    with pytest.raises(ValueError, match=r"embed_dim=4.*query \(5, 2, 3\)"):
        m(ember.randn(5, 2, 3), x, x)
    with pytest.raises(ValueError, match="is_causal=True is a hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="activation='swish'"):
        nn.TransformerEncoderLayer(4, 2, activation="swish")
    with pytest.raises(ValueError, match=r"src \(5, 2, 4\) and tgt \(3, 1, 4\) must have the same batch size"):
        nn.Transformer(4, 2, 1, 1, 8)(x, ember.randn(3, 1, 4))


def test_double_backward_through_multihead_attention_and_an_encoder_layer():
    ember.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu").double()
    x = ember.tensor(normal(0, (1, 3, 4)), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert ember.autograd.gradgradcheck(lambda t: mha(t, t, t, attn_mask=mask)[0], [x])
    assert ember.autograd.gradgradcheck(lambda t: layer(t), [x])
