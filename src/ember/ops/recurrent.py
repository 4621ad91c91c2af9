"""Fused recurrent layers (the notes' RNN, LSTM and GRU): one direction of one layer over a
whole (time-major) sequence as a single Function.

The kernels follow cuDNN's plan on NumPy: the input projection of every step is one GEMM
before the loop; each step does one matmul of the whole batch with the recurrent weight
and a few in-place ufuncs on preallocated buffers; the backward loop only carries the
gradient of the state, and the weight gradients are one GEMM each after it. Sigmoid gates
and tanh are both computed from one ``exp`` (cheaper than NumPy's tanh): with the factor
-1 (sigmoid rows) or -2 (tanh rows) folded into a copy of the weights, every gate of a step
is 1 / (1 + exp(a')), and tanh(x) = 2 sigmoid(2x) - 1 (LSTM gates are kept internally as
i, f, o, g so the sigmoid ones are contiguous; parameters keep torch's order i, f, g, o).

Variable-length batches (packed sequences) come as a padded time-major input sorted by
decreasing length plus ``batch_sizes`` (how many sequences are still running at each step):
step t updates only the first ``batch_sizes[t]`` rows, the others keep their state, which
is both what a sequence run alone gives and, read in reverse, where a backward-direction
sequence starts from h0.

Under ``create_graph`` the backward differentiates a reference written with ember ops
(:func:`recurrent_reference`), so second derivatives go through the layers.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state
from ._util import composite_grads, _wrap
from .math import where
from .shape import stack

MODES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _perm(mode, H):
    """The rows of torch's gate order in the kernel's order (LSTM: i, f, o, g)."""
    if mode != "LSTM":
        return None
    return np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]


def _fold(a, rows):
    """A copy of ``a`` whose first ``rows`` rows (the sigmoid gates) are negated and the others
    (the tanh candidate) multiplied by -2: 1 / (1 + exp(row . x)) is then the gate."""
    a = a * -2.0
    a[:rows] *= 0.5
    return a


def _sigmoid_(a):
    """1 / (1 + exp(a)) in place (exp may overflow to inf, which gives the right 0)."""
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _arr(t):
    return None if t is None else t.array


class Recurrent(Function):
    """One layer and direction: (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) -> (output, h_n,
    c_n); x is (T, B, I), h0 (B, H_out), c0 (B, H) or None (GRU, RNN)."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, batch_sizes, reverse):
        X, W_ih, W_hh = x.array, w_ih.array, w_hh.array
        T, B, _ = X.shape
        G = MODES[mode]
        H = W_hh.shape[0] // G
        dt = X.dtype
        perm = _perm(mode, H)
        sig = {"LSTM": 3 * H, "GRU": 2 * H}.get(mode, 0)       # rows of sigmoid gates
        if perm is not None:
            W_ih, W_hh = W_ih[perm], W_hh[perm]
        # bias of the input projection (GRU keeps b_hh apart: r multiplies W_hn h + b_hn)
        b_x = None
        if b_ih is not None:
            b_x = b_ih.array + b_hh.array if mode != "GRU" else b_ih.array
            b_x = b_x[perm] if perm is not None else b_x
        b_h = b_hh.array if (mode == "GRU" and b_hh is not None) else None
        fold = (lambda a: _fold(a, sig)) if sig else (lambda a: a)
        Wx, Wh = fold(W_ih), fold(W_hh)
        A = (X.reshape(T * B, -1) @ Wx.T).reshape(T, B, G * H)     # all steps' input projections
        if b_x is not None:
            A += fold(b_x)
        WhT = Wh.T
        Hout = W_hh.shape[1]
        S = np.empty((T + 1, B, Hout), dt)                          # states; see _prev
        S[T if reverse else 0] = h0.array
        C = HP = HW = None
        if mode == "LSTM":
            C = np.empty((T + 1, B, H), dt)
            C[T if reverse else 0] = c0.array
            TC = np.empty((T, B, H), dt)
            if w_hr is not None:
                HP = np.empty((T, B, H), dt)
                WrT = w_hr.array.T
        elif mode == "GRU":
            HW = np.empty((T, B, G * H), dt)
            b_hh_h = fold(b_h) if b_h is not None else None
        tmp = np.empty((B, G * H), dt)
        tmpH = np.empty((B, H), dt)
        bs = batch_sizes
        with np.errstate(over="ignore"):       # exp(large) = inf gives the right 0
            for t in (range(T - 1, -1, -1) if reverse else range(T)):
                n = B if bs is None else int(bs[t])
                p, q = (t + 1, t) if reverse else (t, t + 1)            # previous, new state slot
                a, hp = A[t, :n], S[p, :n]
                if mode == "LSTM":
                    np.matmul(hp, WhT, out=tmp[:n])
                    a += tmp[:n]
                    _sigmoid_(a)
                    i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                    g *= 2
                    g -= 1
                    c = C[q, :n]
                    np.multiply(f, C[p, :n], out=c)
                    np.multiply(i, g, out=tmpH[:n])
                    c += tmpH[:n]
                    tc = TC[t, :n]
                    np.tanh(c, out=tc)
                    if HP is None:
                        np.multiply(o, tc, out=S[q, :n])
                    else:
                        np.multiply(o, tc, out=HP[t, :n])
                        np.matmul(HP[t, :n], WrT, out=S[q, :n])
                    if n < B:
                        C[q, n:] = C[p, n:]
                elif mode == "GRU":
                    hw = HW[t, :n]
                    np.matmul(hp, WhT, out=hw)
                    if b_hh_h is not None:
                        hw += b_hh_h
                    rz = a[:, :2 * H]
                    rz += hw[:, :2 * H]
                    _sigmoid_(rz)
                    r, z, nn_ = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
                    np.multiply(r, hw[:, 2 * H:], out=tmpH[:n])
                    nn_ += tmpH[:n]
                    _sigmoid_(nn_)
                    nn_ *= 2
                    nn_ -= 1
                    np.subtract(hp, nn_, out=tmpH[:n])
                    tmpH[:n] *= z
                    np.add(nn_, tmpH[:n], out=S[q, :n])
                else:
                    np.matmul(hp, WhT, out=tmp[:n])
                    a += tmp[:n]
                    if mode == "RNN_TANH":
                        np.tanh(a, out=S[q, :n])
                    else:
                        np.maximum(a, 0, out=S[q, :n])
                if n < B:
                    S[q, n:] = S[p, n:]
        out = S[:T] if reverse else S[1:]       # (a copy: the backward reads S)
        if bs is not None:
            out = out * (np.arange(B)[None, :] < np.asarray(bs)[:, None]).astype(dt)[:, :, None]
        else:
            out = out.copy()
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
        ctx.mode, ctx.bs, ctx.reverse, ctx.perm = mode, bs, reverse, perm
        ctx.A, ctx.S, ctx.C, ctx.HP, ctx.HW = A, S, C, HP, HW
        if mode == "LSTM":
            ctx.TC = TC
        last = 0 if reverse else T
        h_n = S[last].copy()
        c_n = C[last].copy() if C is not None else None
        return out, h_n, c_n

    @staticmethod
    def backward(ctx, g_out, g_h, g_c):
        saved = ctx.saved_tensors
        none3 = (None, None, None)
        if state.enabled:       # recorded: differentiate the reference exactly
            k = 3 if ctx.mode == "LSTM" else 2
            return composite_grads(
                lambda *a: recurrent_reference(*a, ctx.mode, ctx.bs, ctx.reverse)[:k],
                saved, (g_out, g_h, g_c)[:k]) + none3
        return _backward_arrays(ctx, [_arr(t) for t in saved], g_out.array, g_h.array,
                                None if g_c is None else g_c.array) + none3


def _backward_arrays(ctx, saved, dout, dh_n, dc_n):
    X, h0, c0, W_ih, W_hh, b_ih, b_hh, W_hr = saved
    mode, bs, reverse, perm = ctx.mode, ctx.bs, ctx.reverse, ctx.perm
    need = ctx.needs_input_grad
    A, S, C, HP, HW = ctx.A, ctx.S, ctx.C, ctx.HP, ctx.HW
    T, B, _ = X.shape
    G = MODES[mode]
    H = W_hh.shape[0] // G
    dt = X.dtype
    if perm is not None:
        W_ih, W_hh = W_ih[perm], W_hh[perm]
    Sprev = S[1:] if reverse else S[:T]
    # derivatives of the activations, for all steps at once
    if mode == "LSTM":
        D = A.copy()
        s = D[..., :3 * H]
        np.subtract(1, s, out=s)
        s *= A[..., :3 * H]
        gg = D[..., 3 * H:]
        np.multiply(gg, gg, out=gg)
        np.subtract(1, gg, out=gg)
        ODTC = ctx.TC * ctx.TC                  # o (1 - tanh(c)^2): dh -> dc, for all steps
        np.subtract(1, ODTC, out=ODTC)
        ODTC *= A[..., 2 * H:3 * H]
        Cprev = C[1:] if reverse else C[:T]
    elif mode == "GRU":
        D = A.copy()
        s = D[..., :2 * H]
        np.subtract(1, s, out=s)
        s *= A[..., :2 * H]
        nd = D[..., 2 * H:]
        np.multiply(nd, nd, out=nd)
        np.subtract(1, nd, out=nd)
        Zc = 1 - A[..., H:2 * H]
        HmN = Sprev - A[..., 2 * H:]
        HWn = HW[..., 2 * H:] * -0.5            # W_hn h + b_hn (the forward kept it times -2)
    else:
        Snew = S[:T] if reverse else S[1:]
        D = (1 - Snew * Snew) if mode == "RNN_TANH" else (Snew > 0).astype(dt)
    alloc = np.empty if bs is None else np.zeros
    dA = alloc((T, B, G * H), dt)           # gradient of the gates' pre-activations
    dHW = alloc((T, B, G * H), dt) if mode == "GRU" else dA
    dHout = alloc((T, B, W_hh.shape[1]), dt) if HP is not None else None
    dh = dh_n.copy()
    dc = dc_n.copy() if mode == "LSTM" else None
    tmpH = np.empty((B, H), dt)
    has_dout = dout.any()                   # (a model that reads only h_n sends zeros)
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        n = B if bs is None else int(bs[t])
        d = dh[:n]
        if has_dout:
            d += dout[t, :n]
        da = dA[t, :n]
        if mode == "LSTM":
            a = A[t, :n]
            i, f, g = a[:, :H], a[:, H:2 * H], a[:, 3 * H:]
            if dHout is not None:
                dHout[t, :n] = d
                d = d @ W_hr
            tc, dcn = ctx.TC[t, :n], dc[:n]
            np.multiply(d, tc, out=da[:, 2 * H:3 * H])          # d o
            np.multiply(d, ODTC[t, :n], out=tmpH[:n])
            dcn += tmpH[:n]
            np.multiply(dcn, g, out=da[:, :H])                   # d i
            np.multiply(dcn, Cprev[t, :n], out=da[:, H:2 * H])   # d f
            np.multiply(dcn, i, out=da[:, 3 * H:])               # d g
            da *= D[t, :n]
            dcn *= f
            np.matmul(da, W_hh, out=dh[:n])
        elif mode == "GRU":
            r, z = A[t, :n, :H], A[t, :n, H:2 * H]
            np.multiply(d, Zc[t, :n], out=da[:, 2 * H:])         # d n
            np.multiply(d, HmN[t, :n], out=da[:, H:2 * H])       # d z
            da[:, H:] *= D[t, :n, H:]
            np.multiply(da[:, 2 * H:], HWn[t, :n], out=da[:, :H])   # d r
            da[:, :H] *= D[t, :n, :H]
            dhw = dHW[t, :n]
            dhw[:, :2 * H] = da[:, :2 * H]
            np.multiply(da[:, 2 * H:], r, out=dhw[:, 2 * H:])
            d *= z
            np.matmul(dhw, W_hh, out=tmpH[:n])
            d += tmpH[:n]
        else:
            np.multiply(d, D[t, :n], out=da)
            np.matmul(da, W_hh, out=dh[:n])
    flatA = dA.reshape(T * B, G * H)
    flatHW = dHW.reshape(T * B, G * H)
    inv = np.argsort(perm) if perm is not None else None

    def torch_order(w):
        return w[inv] if inv is not None else w
    gx = (flatA @ W_ih).reshape(X.shape) if need[0] else None
    gw_ih = torch_order(flatA.T @ X.reshape(T * B, -1)) if need[3] else None
    gw_hh = torch_order(flatHW.T @ Sprev.reshape(T * B, -1)) if need[4] else None
    gb_ih = torch_order(flatA.sum(0)) if b_ih is not None and need[5] else None
    gb_hh = torch_order(flatHW.sum(0)) if b_hh is not None and need[6] else None
    gw_hr = None
    if HP is not None and need[7]:
        gw_hr = dHout.reshape(T * B, -1).T @ HP.reshape(T * B, H)
    return (gx, dh if need[1] else None, dc if need[2] else None,
            gw_ih, gw_hh, gb_ih, gb_hh, gw_hr)


def recurrent_reference(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, batch_sizes, reverse):
    """The same layer written step by step with ember ops (torch's equations and gate order):
    the differentiable reference of :class:`Recurrent` (its backward under create_graph)."""
    T, B = x.shape[0], x.shape[1]
    H = w_hh.shape[0] // MODES[mode]
    h, c = h0, c0
    outs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        gx = x[t] @ w_ih.T
        gh = h @ w_hh.T
        if b_ih is not None:
            gx, gh = gx + b_ih, gh + b_hh
        if mode == "LSTM":
            a = gx + gh
            i, f = a[:, :H].sigmoid(), a[:, H:2 * H].sigmoid()
            g, o = a[:, 2 * H:3 * H].tanh(), a[:, 3 * H:].sigmoid()
            c_new = f * c + i * g
            h_new = o * c_new.tanh()
            if w_hr is not None:
                h_new = h_new @ w_hr.T
        elif mode == "GRU":
            r = (gx[:, :H] + gh[:, :H]).sigmoid()
            z = (gx[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
            nn_ = (gx[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
            h_new = (1 - z) * nn_ + z * h
        else:
            a = gx + gh
            h_new = a.tanh() if mode == "RNN_TANH" else a.relu()
        if batch_sizes is not None and int(batch_sizes[t]) < B:
            m = _wrap(np.arange(B)[:, None] < int(batch_sizes[t]))
            h = where(m, h_new, h)
            if mode == "LSTM":
                c = where(m, c_new, c)
            outs[t] = where(m, h_new, h_new * 0)
        else:
            h = h_new
            if mode == "LSTM":
                c = c_new
            outs[t] = h_new
    return stack(outs), h, c
