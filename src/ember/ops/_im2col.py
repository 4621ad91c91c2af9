"""NumPy kernels of the convolutions (arrays in, arrays out; no autograd): the im2col
layouts, the forward, the input gradient (conv_T) and the weight gradient (conv_W) that
:mod:`ember.ops.conv` wraps as differentiable Functions.

Forward is im2col plus matrix multiplies: a strided view of the padded input gathers every
receptive field into a matrix ``cols`` (one copy), and ``cols @ W^T`` gives the outputs;
no Python loop runs over output pixels. Grouped convolutions are a batch of such
products; depthwise ones (one input channel per group) go to the numba kernels of
:mod:`._conv_kernels` instead. Three layouts of ``cols``, chosen by shape (timings in the
helpers):

* channels first, (N, C*kh*kw, OH*OW), for few channels on wide maps (C*kw < OW, e.g. the
  first layer of LeNet or VGG): inner copy runs of OW values, output NCHW-contiguous;
* channels last, (N*OH*OW, kh*kw*C), one copy and one matmul, kept for the weight gradient;
* the same, built a few images at a time into one cache-sized buffer for large layers
  (over 8 MiB of cols): memory traffic and peak memory drop, the weight gradient rebuilds it.
"""
import numpy as np


class _Geom:
    """Strides, dilations and (possibly asymmetric) paddings of one 2-D convolution."""
    __slots__ = ("stride", "dilation", "pads", "groups")

    def __init__(self, stride, dilation, pads, groups):
        self.stride, self.dilation, self.pads, self.groups = stride, dilation, pads, groups

    def out_size(self, in_hw, k_hw):
        return tuple((n + p0 + p1 - d * (k - 1) - 1) // s + 1
                     for n, (p0, p1), d, k, s in zip(in_hw, self.pads, self.dilation, k_hw, self.stride))


def _padded_nhwc(x, pads):
    """x (N, C, H, W) as a zero-padded channels-last array (N, H + pads, W + pads, C)."""
    N, C, H, W = x.shape
    (a, b), (c, d) = pads
    xp = np.empty((N, H + a + b, W + c + d, C), dtype=x.dtype)
    if a or b or c or d:
        xp[:, :a], xp[:, a + H:], xp[:, :, :c], xp[:, :, c + W:] = 0, 0, 0, 0
    xp[:, a:a + H, c:c + W, :] = x.transpose(0, 2, 3, 1)
    return xp


def _windows(geom, k_hw, out_hw):
    """(i, j, row slice, column slice) of every kernel offset into the padded input."""
    (s_h, s_w), (d_h, d_w) = geom.stride, geom.dilation
    OH, OW = out_hw
    for i in range(k_hw[0]):
        for j in range(k_hw[1]):
            yield i, j, slice(i * d_h, i * d_h + s_h * (OH - 1) + 1, s_h), \
                slice(j * d_w, j * d_w + s_w * (OW - 1) + 1, s_w)


def _im2col(x, k_hw, geom, out_hw):
    """(G, N*OH*OW, kh*kw*Cg) receptive fields of x (N, C, H, W): one strided view of the
    zero-padded channels-last input, copied once (inner runs of kw*C contiguous values;
    measured 5.7 ms for a 64x32x32x32 layer, against 20 ms for one copy per kernel offset)."""
    xp = _padded_nhwc(x, geom.pads)
    N, C = x.shape[:2]
    G = geom.groups
    kh, kw = k_hw
    OH, OW = out_hw
    sN, sH, sW, sC = xp.strides
    (s_h, s_w), (d_h, d_w) = geom.stride, geom.dilation
    view = np.lib.stride_tricks.as_strided(
        xp, (N, OH, OW, kh, kw, G, C // G), (sN, sH * s_h, sW * s_w, sH * d_h, sW * d_w, sC * (C // G), sC),
        writeable=False)
    if G == 1:
        return np.ascontiguousarray(view).reshape(1, N * OH * OW, kh * kw * C)
    return np.ascontiguousarray(view.transpose(5, 0, 1, 2, 3, 4, 6)).reshape(G, N * OH * OW, kh * kw * (C // G))


# Large channels-last, ungrouped convolutions never materialise the whole cols matrix: it
# is built a few images at a time into one small buffer (about _CHUNK_BYTES, so it stays in
# cache) and multiplied at once, and the weight gradient rebuilds it the same way instead
# of keeping it from the forward. Measured (one thread, batch 64): the 32 -> 32 3x3 layer
# on 32x32, forward 29.5 -> 18 ms (the 75 MiB cols was memory-bound to write and read
# back); 64 -> 64 on 16x16, 15.4 -> 12.6 ms; and ~130 MiB less kept for VGG-small's backward.
_CHUNK_BYTES = 1 << 20
# Below this size the whole cols matrix is built once and kept for the weight gradient
# (LeNet's 6 -> 16 layer, 3.8 MiB: weight gradient 0.50 ms from kept cols vs 0.77 ms rebuilt).
_WHOLE_COLS_BYTES = 8 << 20


def _chunked(x, k_hw, out_hw, G):
    """Whether an ungrouped convolution builds its cols chunk by chunk (either layout: the
    channels-first cols of ResNet-18's 7x7 stem at batch 8 on 224x224 are 59 MiB whole)."""
    N, C = x.shape[:2]
    return G == 1 and N * out_hw[0] * out_hw[1] * k_hw[0] * k_hw[1] * C * x.itemsize > _WHOLE_COLS_BYTES


def _cl_view(x, k_hw, geom, out_hw):
    """(N, OH, OW, kh, kw, C) strided view of the zero-padded channels-last input."""
    xp = _padded_nhwc(x, geom.pads)
    N, C = x.shape[:2]
    sN, sH, sW, sC = xp.strides
    (s_h, s_w), (d_h, d_w) = geom.stride, geom.dilation
    return np.lib.stride_tricks.as_strided(
        xp, (N, out_hw[0], out_hw[1]) + tuple(k_hw) + (C,),
        (sN, sH * s_h, sW * s_w, sH * d_h, sW * d_w, sC), writeable=False)


def _per_chunk(N, per_image):
    """Images per chunk: about _CHUNK_BYTES of cols, at least one."""
    return int(max(1, min(N, _CHUNK_BYTES // max(per_image, 1))))


def _chunks(view):
    """(start, stop, buffer) over the batch: each chunk of images' cols copied into one
    reused buffer of about _CHUNK_BYTES."""
    N = view.shape[0]
    B = _per_chunk(N, int(np.prod(view.shape[1:])) * view.itemsize)
    buf = np.empty((B,) + view.shape[1:], dtype=view.dtype)
    for s in range(0, N, B):
        e = min(N, s + B)
        cb = buf[:e - s]
        np.copyto(cb, view[s:e])
        yield s, e, cb.reshape((e - s) * view.shape[1] * view.shape[2], -1)


def _conv_fwd_chunked(x, w, geom, out_hw):
    """Ungrouped channels-last convolution, cols built chunk by chunk (see _CHUNK_BYTES);
    returns a channels-last view (N, O, OH, OW)."""
    N, O = x.shape[0], w.shape[0]
    w2 = np.ascontiguousarray(_w3(w, 1)[0].T)                           # (kh*kw*C, O)
    out = np.empty((N,) + tuple(out_hw) + (O,), dtype=np.result_type(x.dtype, w.dtype))
    rows = out.reshape(-1, O)
    L = out_hw[0] * out_hw[1]
    for s, e, cb in _chunks(_cl_view(x, w.shape[2:], geom, out_hw)):
        np.matmul(cb, w2, out=rows[s * L:e * L])
    return out.transpose(0, 3, 1, 2)


def _conv_weight_grad_chunked(x, g, w_shape, geom):
    """Weight gradient of an ungrouped channels-last convolution, cols rebuilt chunk by
    chunk: dW = sum over chunks of g_chunk^T cols_chunk, with g used in its own layout
    (channels-last rows, or one matmul per NCHW image)."""
    O, C, kh, kw = w_shape
    N = x.shape[0]
    out_hw = g.shape[2:]
    L = out_hw[0] * out_hw[1]
    dw = np.zeros((O, kh * kw * C), dtype=np.result_type(x.dtype, g.dtype))
    gt = g.transpose(0, 2, 3, 1)
    cl = gt.flags.c_contiguous
    g2 = gt.reshape(N * L, O) if cl else g.reshape(N, O, L)
    for s, e, cb in _chunks(_cl_view(x, (kh, kw), geom, out_hw)):
        if cl:
            dw += g2[s * L:e * L].T @ cb
        else:
            dw += np.matmul(g2[s:e], cb.reshape(e - s, L, -1)).sum(0)
    return np.ascontiguousarray(dw.reshape(O, kh, kw, C).transpose(0, 3, 1, 2))


def _cf_chunks(x, k_hw, geom, out_hw):
    """(start, stop, cols) over the batch: channels-first cols of a few images at a time."""
    N, C = x.shape[:2]
    B = _per_chunk(N, C * k_hw[0] * k_hw[1] * out_hw[0] * out_hw[1] * x.itemsize)
    for s in range(0, N, B):
        yield s, min(N, s + B), _im2col_cf(x[s:s + B], k_hw, geom, out_hw)


def _conv_fwd_cf_chunked(x, w, geom, out_hw):
    """Ungrouped channels-first convolution, cols built a few images at a time; NCHW output."""
    N, O = x.shape[0], w.shape[0]
    w2 = w.reshape(O, -1)
    out = np.empty((N, O) + tuple(out_hw), dtype=np.result_type(x.dtype, w.dtype))
    for s, e, c in _cf_chunks(x, w.shape[2:], geom, out_hw):
        np.matmul(w2, c, out=out[s:e].reshape(e - s, O, -1))
    return out


def _conv_weight_grad_cf_chunked(x, g, w_shape, geom):
    """Weight gradient of an ungrouped channels-first convolution, cols rebuilt a few
    images at a time."""
    N, O = g.shape[:2]
    g3 = g.reshape(N, O, -1)
    dw = np.zeros((O, int(np.prod(w_shape[1:]))), dtype=np.result_type(x.dtype, g.dtype))
    for s, e, c in _cf_chunks(x, w_shape[2:], geom, g.shape[2:]):
        dw += np.matmul(g3[s:e], c.transpose(0, 2, 1)).sum(0)
    return dw.reshape(w_shape)


def _w3(w, G):
    """Weight (O, Cg, kh, kw) as (G, Og, kh*kw*Cg), matching the column order of _im2col."""
    return w.transpose(0, 2, 3, 1).reshape(G, w.shape[0] // G, -1)


def _rows(g, G):
    """Output-shaped (N, O, OH, OW) array as (G, N*OH*OW, Og)."""
    N, O, OH, OW = g.shape
    if G == 1:
        return g.transpose(0, 2, 3, 1).reshape(1, N * OH * OW, O)
    return g.reshape(N, G, O // G, OH, OW).transpose(1, 0, 3, 4, 2).reshape(G, N * OH * OW, O // G)


def _from_rows(r, N, out_hw):
    """(G, N*OH*OW, Og) -> (N, O, OH, OW)."""
    G, _, Og = r.shape
    OH, OW = out_hw
    if G == 1:   # a channels-last view, no copy
        return r.reshape(N, OH, OW, Og).transpose(0, 3, 1, 2)
    return r.reshape(G, N, OH, OW, Og).transpose(1, 0, 4, 2, 3).reshape(N, G * Og, OH, OW)


def _channels_first(C, k_hw, out_hw, G):
    """Whether the channels-first im2col (inner copy runs of OW values) beats the
    channels-last one (inner runs of kw*C values): true for few input channels on wide
    maps. Measured (one thread, batch 64): LeNet's 1 -> 6 5x5 layer on 28x28, forward
    0.63 vs 2.10 ms and weight gradient 0.27 vs 1.04 ms; a 3 -> 32 3x3 layer on 32x32,
    2.0 vs 3.0 ms and 1.7 vs 3.6 ms; the 6 -> 16 5x5 layer on 14x14 (OW = 10 < kw*C = 30)
    is faster channels-last (0.74 vs 0.89 ms)."""
    return G == 1 and C * k_hw[1] < out_hw[1]


def _im2col_cf(x, k_hw, geom, out_hw):
    """(N, C*kh*kw, OH*OW) receptive fields of x (N, C, H, W), channels first: one strided
    view of the zero-padded NCHW input copied once; the rows are ordered like the weight's
    (C, kh, kw), so ``W.reshape(O, -1) @ cols[n]`` is image n's output in NCHW order."""
    (a, b), (c, d) = geom.pads
    N, C, H, W = x.shape
    if a or b or c or d:
        xp = np.zeros((N, C, H + a + b, W + c + d), dtype=x.dtype)
        xp[:, :, a:a + H, c:c + W] = x
    else:
        xp = x
    kh, kw = k_hw
    OH, OW = out_hw
    sN, sC, sH, sW = xp.strides
    (s_h, s_w), (d_h, d_w) = geom.stride, geom.dilation
    view = np.lib.stride_tricks.as_strided(
        xp, (N, C, kh, kw, OH, OW), (sN, sC, sH * d_h, sW * d_w, sH * s_h, sW * s_w), writeable=False)
    return np.ascontiguousarray(view).reshape(N, C * kh * kw, OH * OW)


def _depthwise(C, w_shape, G):
    """Whether a convolution is depthwise (one input channel per group), which the numba
    kernels of :mod:`._conv_kernels` compute directly instead of im2col's per-channel
    (pixels, 9) @ (9, 1) matmuls. Measured on MobileNet-v2's 3x3 layers (batch 16, one
    thread, forward + backward): 2.0-2.2x torch's speed (96 channels on 32x32 to 576 on 4x4)."""
    return G > 1 and C == G and w_shape[1] == 1


def _nhwc(a):
    """a channels-last and C-contiguous, in float32 or float64 (the kernels' dtypes)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        a = a.astype(np.result_type(a.dtype, np.float32))
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def _dw_geom(geom):
    (sh, sw), (dh, dw), ((ph, _), (pw, _)) = geom.stride, geom.dilation, geom.pads
    return sh, sw, dh, dw, ph, pw


def _dw_weight(w):
    """(O, 1, kh, kw) -> (kh, kw, O)."""
    return _nhwc(w[:, 0][None])[0]


def _kernel_out(shape, a, b):
    """An output array for a depthwise kernel fed with a and b: their common dtype, at
    least float32 (float16 is computed in float32 and cast back by the caller)."""
    return np.empty(shape, dtype=np.result_type(a.dtype, b.dtype, np.float32))


def _depthwise_fwd(x, w, geom, out_hw):
    from ._conv_kernels import depthwise_fwd
    out = _kernel_out((x.shape[0],) + tuple(out_hw) + (w.shape[0],), x, w)
    depthwise_fwd(_nhwc(x), _dw_weight(w), *_dw_geom(geom), out)
    return out.transpose(0, 3, 1, 2).astype(np.result_type(x.dtype, w.dtype), copy=False)


def _depthwise_input_grad(g, w, x_shape, geom):
    from ._conv_kernels import depthwise_input_grad
    N, C, H, W = x_shape
    dx = _kernel_out((N, H, W, C), g, w)
    depthwise_input_grad(_nhwc(g), _dw_weight(w), *_dw_geom(geom), dx)
    return dx.transpose(0, 3, 1, 2).astype(np.result_type(g.dtype, w.dtype), copy=False)


def _depthwise_weight_grad(x, g, w_shape, geom):
    from ._conv_kernels import depthwise_weight_grad
    dw = _kernel_out((w_shape[2], w_shape[3], w_shape[0]), x, g)
    depthwise_weight_grad(_nhwc(x), _nhwc(g), *_dw_geom(geom), dw)
    return np.ascontiguousarray(dw.transpose(2, 0, 1))[:, None].astype(np.result_type(x.dtype, g.dtype), copy=False)


def _conv_fwd(x, w, geom, cols=None, out_hw=None):
    """The convolution; ``out_hw`` (at most the natural size) keeps only the first output
    rows/columns, which a transposed convolution's gradient needs when output_padding
    reaches past the last full stride. Returns the output and ``cols`` as
    ``(channels_first, array)`` for the weight gradient, or None where it is rebuilt there
    (the chunked paths). Channels first, the output is a contiguous NCHW array
    (one matmul per image); channels last, it is a channels-last view of the matmul's rows."""
    k = w.shape[2:]
    if out_hw is None:
        out_hw = geom.out_size(x.shape[2:], k)
    if _depthwise(x.shape[1], w.shape, geom.groups):
        return _depthwise_fwd(x, w, geom, out_hw), None
    cf = _channels_first(x.shape[1], k, out_hw, geom.groups)
    if cols is None:
        if _chunked(x, k, out_hw, geom.groups):
            return (_conv_fwd_cf_chunked if cf else _conv_fwd_chunked)(x, w, geom, out_hw), None
        cols = (cf, _im2col_cf(x, k, geom, out_hw) if cf else _im2col(x, k, geom, out_hw))
    if cols[0]:
        N = x.shape[0]
        r = np.matmul(w.reshape(w.shape[0], -1), cols[1])                 # (N, O, OH*OW)
        return r.reshape((N, w.shape[0]) + tuple(out_hw)), cols
    r = np.matmul(cols[1], _w3(w, geom.groups).transpose(0, 2, 1))
    return _from_rows(r, x.shape[0], out_hw), cols


def _scatter_input_grad(g, w, x_shape, geom):
    """Input gradient by scatter: d = W^T g for each image, laid out (N, C, kh, kw, OH, OW),
    then each kernel offset's (OH, OW) plane is added onto the padded input.

    With stride 1 the planes live on an "extended" grid as wide as the padded input (g is
    zero-padded from OW to Wp columns before the matmul), so that kernel offset (i, j) is
    one flat shift ``i*dh*Wp + j*dw`` of each image plane: every add is a run of OH*Wp
    contiguous values instead of OH runs of OW (LeNet's 6 -> 16 layer: 1.55 vs 1.97 ms)."""
    N, O, OH, OW = g.shape
    C, H, W = x_shape[1:]
    G = geom.groups
    kh, kw = w.shape[2:]
    (p0, p1), (q0, q1) = geom.pads
    Hp, Wp = H + p0 + p1, W + q0 + q1
    if geom.stride == (1, 1) and G == 1:
        # planes ordered (c, n) and each P = Hp*Wp long, so that one kernel offset's adds
        # for the whole batch are C contiguous runs of N*P values; one matmul for the batch
        # (LeNet's 6 -> 16 layer: 1.34 ms vs 1.64 ms with (n, c) planes)
        d_h, d_w = geom.dilation
        P = Hp * Wp
        ge = np.zeros((O, N, P), dtype=g.dtype)
        ge[:, :, :OH * Wp].reshape(O, N, OH, Wp)[..., :OW] = g.transpose(1, 0, 2, 3)
        w3 = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(kh * kw * C, O)   # rows (i, j, c)
        d = (w3 @ ge.reshape(O, N * P)).reshape(kh, kw, C, N * P)
        dx = np.zeros((C, N * P + (kh - 1) * d_h * Wp + (kw - 1) * d_w), dtype=g.dtype)
        for i in range(kh):
            for j in range(kw):
                o = i * d_h * Wp + j * d_w
                dx[:, o:o + N * P] += d[i, j]
        return dx[:, :N * P].reshape(C, N, Hp, Wp)[:, :, p0:p0 + H, q0:q0 + W].transpose(1, 0, 2, 3)
    w3 = w.reshape(G, O // G, -1).transpose(0, 2, 1)                       # (G, Cg*kh*kw, Og)
    if geom.stride == (1, 1):
        d_h, d_w = geom.dilation
        ge = np.zeros((N, G, O // G, OH, Wp), dtype=g.dtype)
        ge[..., :OW] = g.reshape(N, G, O // G, OH, OW)
        L = OH * Wp
        d = np.matmul(w3, ge.reshape(N, G, O // G, L)).reshape(N, G, C // G, kh, kw, L)
        # the last offsets' runs reach up to (kw - 1) * dw values past the padded plane
        dx = np.zeros((N, G, C // G, Hp * Wp + (kw - 1) * d_w), dtype=g.dtype)
        for i in range(kh):
            for j in range(kw):
                o = i * d_h * Wp + j * d_w
                dx[..., o:o + L] += d[:, :, :, i, j]
        return dx[..., :Hp * Wp].reshape(N, C, Hp, Wp)[:, :, p0:p0 + H, q0:q0 + W]
    d = np.matmul(w3, g.reshape(N, G, O // G, OH * OW)).reshape(N, G, C // G, kh, kw, OH, OW)
    dx = np.zeros((N, G, C // G, Hp, Wp), dtype=g.dtype)
    for i, j, rs, cs in _windows(geom, (kh, kw), (OH, OW)):
        dx[:, :, :, rs, cs] += d[:, :, :, i, j]
    return dx.reshape(N, C, Hp, Wp)[:, :, p0:p0 + H, q0:q0 + W]


def _conv_input_grad(g, w, x_shape, geom):
    """conv_T, the gradient of conv with respect to its input, by one of two exact methods
    (depthwise convolutions by their own kernel):

    * few input channels (C <= 8, e.g. the first layers of LeNet or AlexNet) or a stride
      over 1: a scatter of W^T g back onto the input (:func:`_scatter_input_grad`);
    * otherwise a "full" convolution: g (with stride - 1 zeros inserted between its pixels)
      padded by dilation * (k - 1) - padding, convolved with the kernel rotated by 180
      degrees and its channels swapped, through the fast im2col and one matmul.

    Measured (one thread): LeNet's 6 -> 16 layer, scatter 1.9 ms (1.55 on the extended
    grid) vs full 3.2 ms; a 1 -> 6 layer on 28x28, 1.5 vs 5.2 ms; a 64x32x32x32 'same'
    layer, full 28 ms vs scatter 38 ms. Strided convolutions always scatter: the full
    convolution would multiply the stride**2 - 1 zeros inserted between g's pixels too
    (ResNet-20's 16 -> 32 stride-2 layer, forward + backward 0.42x -> 0.6x torch)."""
    N, O, OH, OW = g.shape
    C, H, W = x_shape[1:]
    if _depthwise(C, w.shape, geom.groups):
        return _depthwise_input_grad(g, w, x_shape, geom)
    if C <= 8 or geom.stride != (1, 1):
        return _scatter_input_grad(g, w, x_shape, geom)
    G = geom.groups
    kh, kw = w.shape[2:]
    (s_h, s_w), (d_h, d_w) = geom.stride, geom.dilation
    if s_h > 1 or s_w > 1:
        gd = np.zeros((N, O, (OH - 1) * s_h + 1, (OW - 1) * s_w + 1), dtype=g.dtype)
        gd[:, :, ::s_h, ::s_w] = g
        g = gd
    Hd, Wd = g.shape[2:]
    (p0, _), (q0, _) = geom.pads
    top, left = d_h * (kh - 1) - p0, d_w * (kw - 1) - q0
    bottom, right = H - Hd + p0, W - Wd + q0
    # negative padding (the conv's padding exceeded the dilated kernel) crops g instead
    g = g[:, :, max(-top, 0):Hd - max(-bottom, 0), max(-left, 0):Wd - max(-right, 0)]
    full = _Geom((1, 1), (d_h, d_w), ((max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))), G)
    # (O, Cg, kh, kw) -> (C, Og, kh, kw), rotated by 180 degrees: the full convolution's kernel
    Og, Cg = O // G, C // G
    wt = w.reshape(G, Og, Cg, kh, kw).transpose(0, 2, 1, 3, 4)[:, :, :, ::-1, ::-1].reshape(C, Og, kh, kw)
    return _conv_fwd(g, wt, full, out_hw=(H, W))[0]


def _conv_weight_grad(x, g, w_shape, geom, cols=None):
    """conv_W: the gradient of conv with respect to its weight, sum over images and output
    pixels of g (x) receptive field. With an NCHW-contiguous g it is one small matmul per
    image, then a sum over the batch (LeNet's 6 -> 16 layer: 0.36 vs 0.55 ms for one big
    matmul, which needs g channels-last)."""
    if x.shape[0] == 0:             # an empty batch: no pixel contributes
        return np.zeros(w_shape, dtype=g.dtype)
    if _depthwise(x.shape[1], w_shape, geom.groups):
        return _depthwise_weight_grad(x, g, w_shape, geom)
    if cols is None:
        out_hw = g.shape[2:]
        cf = _channels_first(x.shape[1], w_shape[2:], out_hw, geom.groups)
        if _chunked(x, w_shape[2:], out_hw, geom.groups):
            return (_conv_weight_grad_cf_chunked if cf else _conv_weight_grad_chunked)(x, g, w_shape, geom)
        cols = (cf, _im2col_cf(x, w_shape[2:], geom, out_hw) if cf else _im2col(x, w_shape[2:], geom, out_hw))
    cf, c = cols
    N, O = g.shape[:2]
    O, Cg, kh, kw = w_shape
    G = geom.groups
    if cf:
        g3 = g.reshape(N, O, -1)
        return np.matmul(g3, c.transpose(0, 2, 1)).sum(0).reshape(w_shape)
    if G == 1 and g.flags.c_contiguous:
        dw = np.matmul(g.reshape(N, O, -1), c.reshape(N, -1, c.shape[-1])).sum(0)     # (O, kh*kw*C)
        return np.ascontiguousarray(dw.reshape(O, kh, kw, Cg).transpose(0, 3, 1, 2))
    dw = np.matmul(c.transpose(0, 2, 1), _rows(g, G))     # (G, kh*kw*Cg, Og)
    return np.ascontiguousarray(dw.transpose(0, 2, 1).reshape(O, kh, kw, Cg).transpose(0, 3, 1, 2))


def _like(a, ref):
    """``a`` in the memory layout of ``ref`` (one copy if they differ), so that the input
    gradient meets the element-wise backward before the conv (e.g. ReLU's) in the layout of
    its saved output: mixed layouts cost 8.4 ms instead of 1.5 ms for ReLU's backward on
    64x32x32x32."""
    if np.argsort(a.strides, kind="stable").tolist() == np.argsort(ref.strides, kind="stable").tolist():
        return a
    out = np.empty_like(ref, dtype=a.dtype)
    np.copyto(out, a)
    return out
