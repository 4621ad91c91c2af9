"""Numba kernels of batch normalisation on a C-contiguous (A, C, B) view of the input,
channel in the middle: (N, C, H*W) for an NCHW array, (N*H*W, C, 1) for a channels-last
one (a convolution's output), so one kernel serves both layouts without a transpose.

Each kernel is one or two passes over the data where NumPy needed seven (centre, square,
mean, scale, multiply, add, with a temporary array each time); the statistics are
accumulated in float64, two-pass (mean, then squared deviations), as torch does.
Imported on first use; compiled once per dtype and cached on disk (``cache=True``).
"""
import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)


@_jit
def stats(x):
    """Per-channel mean and biased variance of x (A, C, B), float64."""
    A, C, B = x.shape
    mean, var = np.zeros(C), np.zeros(C)
    if B == 1:
        x2 = x.reshape(A, C)
        for a in range(A):
            for c in range(C):
                mean[c] += x2[a, c]
        mean /= A
        for a in range(A):
            for c in range(C):
                d = x2[a, c] - mean[c]
                var[c] += d * d
    else:
        for a in range(A):
            for c in range(C):
                s = 0.0
                for b in range(B):
                    s += x[a, c, b]
                mean[c] += s
        mean /= A * B
        for a in range(A):
            for c in range(C):
                m, s = mean[c], 0.0
                for b in range(B):
                    d = x[a, c, b] - m
                    s += d * d
                var[c] += s
    return mean, var / (A * B)


@_jit
def scale_shift(x, scale, shift, out):
    """out[a, c, b] = x[a, c, b] * scale[c] + shift[c]."""
    A, C, B = x.shape
    if B == 1:
        x2, o2 = x.reshape(A, C), out.reshape(A, C)
        for a in range(A):
            for c in range(C):
                o2[a, c] = x2[a, c] * scale[c] + shift[c]
    else:
        for a in range(A):
            for c in range(C):
                s, t = scale[c], shift[c]
                for b in range(B):
                    out[a, c, b] = x[a, c, b] * s + t


@_jit
def grad_sums(g, x, mean):
    """Per-channel sum of g and of g * (x - mean), float64 (the gradients of beta and,
    times invstd, of gamma)."""
    A, C, B = x.shape
    sg, sgx = np.zeros(C), np.zeros(C)
    if B == 1:
        g2, x2 = g.reshape(A, C), x.reshape(A, C)
        for a in range(A):
            for c in range(C):
                sg[c] += g2[a, c]
                sgx[c] += g2[a, c] * (x2[a, c] - mean[c])
    else:
        for a in range(A):
            for c in range(C):
                m, s, t = mean[c], 0.0, 0.0
                for b in range(B):
                    s += g[a, c, b]
                    t += g[a, c, b] * (x[a, c, b] - m)
                sg[c] += s
                sgx[c] += t
    return sg, sgx


@_jit
def input_grad(g, x, k_g, k_x, k_0, out):
    """out[a, c, b] = k_g[c] * g[a, c, b] + k_x[c] * x[a, c, b] + k_0[c] (batch norm's input
    gradient with the per-channel constants folded in)."""
    A, C, B = x.shape
    if B == 1:
        g2, x2, o2 = g.reshape(A, C), x.reshape(A, C), out.reshape(A, C)
        for a in range(A):
            for c in range(C):
                o2[a, c] = k_g[c] * g2[a, c] + k_x[c] * x2[a, c] + k_0[c]
    else:
        for a in range(A):
            for c in range(C):
                p, q, r = k_g[c], k_x[c], k_0[c]
                for b in range(B):
                    out[a, c, b] = p * g[a, c, b] + q * x[a, c, b] + r
