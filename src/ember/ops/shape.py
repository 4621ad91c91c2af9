"""Shape ops: reshape/view, flatten, squeeze/unsqueeze, transpose/permute, expand/
broadcast_to, cat/stack/split/chunk, flip, roll, repeat, constant pad, narrow, and
ShuffleNet's channel_shuffle (a composite of reshape and transpose).
Each backward is the inverse shape op applied to the gradient.
"""
import builtins
import numbers
import functools

import numpy as np

from .. import backend
from ..autograd.function import Function, BroadcastTo
from ._util import Tensor, _check_dim, shape_str
from ._util import require_tensor, to_tensor as _tensor
from .promotion import promote_types



def _sizes(args, op):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"{op}: sizes must be ints, got {args!r}")
    return tuple(int(s) for s in args)


class Reshape(Function):
    """The same elements in a new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.array.shape
        if builtins.sum(s == -1 for s in shape) > 1 or builtins.any(s < -1 for s in shape) or (
                -1 in shape and x.array.size == 0 and 0 in shape):
            raise ValueError(f"reshape: shape {shape} is invalid for a tensor of shape "
                             f"{shape_str(x.array.shape)}: sizes must be >= 0, with at most one -1 "
                             f"(and none beside a 0 for an empty tensor, where -1 could be any size)")
        try:
            return x.array.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: shape {shape_str(x.array.shape)} ({x.array.size} elements) "
                             f"cannot be viewed as {shape}") from None

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.in_shape), None


def reshape(input, *shape):
    """The same elements in a new shape (one dimension may be -1)."""
    return Reshape.apply(_tensor(input, "reshape"), _sizes(shape, "reshape"))


view = reshape


def flatten(input, start_dim=0, end_dim=-1):
    x = _tensor(input, "flatten")
    if x.array.ndim == 0:
        return reshape(x, (1,))
    s = _check_dim(start_dim, x.array.ndim, "flatten")
    e = _check_dim(end_dim, x.array.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim={start_dim} comes after end_dim={end_dim}")
    shp = x.array.shape
    return reshape(x, shp[:s] + (int(np.prod(shp[s:e + 1])),) + shp[e + 1:])


def squeeze(input, dim=None):
    """Remove dimensions of size 1 (all, or the given ones that have size 1)."""
    x = _tensor(input, "squeeze")
    shp = x.array.shape
    if dim is None:
        dims = {i for i, s in enumerate(shp) if s == 1}
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {_check_dim(d, x.array.ndim, "squeeze") for d in dims}
        dims = {d for d in dims if x.array.ndim and shp[d] == 1} if x.array.ndim else set()
    return reshape(x, tuple(s for i, s in enumerate(shp) if i not in dims))


def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim``."""
    x = _tensor(input, "unsqueeze")
    n = x.array.ndim + 1
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"unsqueeze: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dim={dim} is out of range for a result with {n} dimensions")
    d = dim % n
    shp = x.array.shape
    return reshape(x, shp[:d] + (1,) + shp[d:])


class Permute(Function):
    """Reorder dimensions; the gradient is permuted back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.array.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        return permute(g, tuple(np.argsort(ctx.dims))), None


def permute(input, *dims):
    """Reorder dimensions."""
    x = _tensor(input, "permute")
    dims = _sizes(dims, "permute")
    nd = x.array.ndim
    if len(dims) != nd or sorted(d % builtins.max(nd, 1) for d in dims) != list(range(nd)):
        raise ValueError(f"permute: dims={dims} is not a permutation of the {nd} dimensions of "
                         f"shape {shape_str(x.array.shape)}")
    return Permute.apply(x, tuple(d % nd for d in dims))


def transpose(input, dim0, dim1):
    """Swap two dimensions."""
    x = _tensor(input, "transpose")
    nd = x.array.ndim
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    d0, d1 = _check_dim(dim0, nd, "transpose"), _check_dim(dim1, nd, "transpose")
    perm = list(range(nd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return permute(x, perm)


swapaxes = transpose


def t(input):
    x = _tensor(input, "t")
    if x.array.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got shape {shape_str(x.shape)}")
    return transpose(x, 0, 1) if x.array.ndim == 2 else x


def movedim(input, source, destination):
    x = _tensor(input, "movedim")
    nd = x.array.ndim
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    order = [d for d in range(nd) if d not in {s % nd for s in src}]
    for s, d in sorted(zip([s % nd for s in src], [d % nd for d in dst]), key=lambda p: p[1]):
        order.insert(d, s)
    return permute(x, order)


def broadcast_to(input, shape):
    """Broadcast to ``shape`` (a read-only view); the gradient is summed back."""
    x = _tensor(input, "broadcast_to")
    shape = tuple(shape)
    if x.array.shape == shape:
        return x
    try:
        ok = np.broadcast_shapes(x.array.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: shape {shape_str(x.array.shape)} cannot be broadcast to "
                         f"{shape_str(shape)}")
    return BroadcastTo.apply(x, shape)


def expand(input, *sizes):
    """Broadcast to ``sizes``; -1 keeps a dimension's size."""
    x = _tensor(input, "expand")
    sizes = _sizes(sizes, "expand")
    lead = len(sizes) - x.array.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes given for a tensor with {x.array.ndim} dimensions")
    if any(s == -1 for s in sizes[:lead]):
        raise ValueError(f"expand: size -1 is not allowed in a new leading dimension (sizes {sizes})")
    shape = tuple(x.array.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def expand_as(input, other):
    return broadcast_to(input, other.shape)


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*[_tensor(t, "broadcast_tensors").shape for t in tensors])
    return tuple(broadcast_to(t, shape) for t in tensors)


class Cat(Function):
    """Concatenation along ``dim``; each input's gradient is its slice of the output's."""

    @staticmethod
    def forward(ctx, dim, *ts):
        dt = functools.reduce(promote_types, [t.array.dtype for t in ts])     # torch's promotion
        xp = backend.get_array_module(ts[0].array)
        ctx.dim, ctx.sizes = dim, [t.array.shape[dim] for t in ts]
        return xp.concatenate([t.array.astype(dt, copy=False) for t in ts], axis=dim)

    @staticmethod
    def backward(ctx, g):
        out, start = [None], 0
        for size, need in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            out.append(narrow(g, ctx.dim, start, size) if need else None)
            start += size
        return tuple(out)


def cat(tensors, dim=0):
    """Concatenate along ``dim``; all other dimensions must match."""
    if isinstance(tensors, Tensor) or not len(tensors):
        raise ValueError("cat: expected a non-empty sequence of tensors")
    ts = [_tensor(t, "cat") for t in tensors]
    ref = ts[0].array
    if builtins.any(t.array.ndim == 0 for t in ts):
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    d = _check_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(ts[1:], 1):
        s = t.array.shape
        if len(s) != ref.ndim or any(a != b for j, (a, b) in enumerate(zip(s, ref.shape)) if j != d):
            raise ValueError(f"cat: tensors[0] has shape {shape_str(ref.shape)} but tensors[{i}] has "
                             f"shape {shape_str(s)}; all dimensions except dim={dim} must match")
    return Cat.apply(d, *ts)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Stack equally shaped tensors along a new dimension ``dim``."""
    if isinstance(tensors, Tensor) or not len(tensors):
        raise ValueError("stack: expected a non-empty sequence of tensors")
    ts = [_tensor(t, "stack") for t in tensors]
    for i, tt in enumerate(ts[1:], 1):
        if tt.array.shape != ts[0].array.shape:
            raise ValueError(f"stack: tensors[0] has shape {shape_str(ts[0].shape)} but tensors[{i}] "
                             f"has shape {shape_str(tt.shape)}; all must be equal")
    dim = _check_dim(dim, ts[0].array.ndim + 1, "stack")
    return cat([unsqueeze(tt, dim) for tt in ts], dim)


def narrow(input, dim, start, length):
    """The slice [start, start + length) of ``dim``; a negative ``start`` counts from the end."""
    x = _tensor(input, "narrow")
    d = _check_dim(dim, x.array.ndim, "narrow")
    n = x.array.shape[d]
    for name, v in (("start", start), ("length", length)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"narrow: {name} must be an int, got {v!r}")
    if not -n <= start <= n:
        raise IndexError(f"narrow: start={start} is out of range for dim {dim} of size {n} "
                         f"(expected {-n} <= start <= {n})")
    start = start % n if n and start < 0 else start
    if length < 0 or start + length > n:
        raise ValueError(f"narrow: start={start} + length={length} exceeds dim {dim} of size {n} "
                         f"(expected 0 <= length <= {n - start})")
    key = (slice(None),) * d + (slice(start, start + length),)
    return x[key]


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of ``split_size`` (the last may be smaller) or of the listed sizes."""
    x = _tensor(tensor, "split")
    d = _check_dim(dim, x.array.ndim, "split")
    n = x.array.shape[d]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size={step} must be positive")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} sum to {builtins.sum(sizes)}, but dim {dim} has size {n}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(x, d, start, s))
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of ceil(n / chunks) (the last may be smaller), like torch."""
    x = _tensor(input, "chunk")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks={chunks} must be positive")
    n = x.array.shape[_check_dim(dim, x.array.ndim, "chunk")]
    step = -(-n // chunks) if n else 1
    return split(x, builtins.max(step, 1), dim)


def unbind(input, dim=0):
    x = _tensor(input, "unbind")
    return tuple(squeeze(p, dim) for p in split(x, 1, dim))


class Flip(Function):
    """Reverse the order of elements along ``dims``; so is the gradient."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x.array, dims)

    @staticmethod
    def backward(ctx, g):
        return flip(g, ctx.dims), None


def flip(input, dims):
    """Reverse the order of elements along ``dims``."""
    x = _tensor(input, "flip")
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    dims = tuple(_check_dim(d, x.array.ndim, "flip") for d in dims)
    return Flip.apply(x, dims if x.array.ndim else ())


class Roll(Function):
    """Cyclic shift (of the flattened tensor when ``dims`` is None); the gradient is shifted back."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x.array, shifts[0] if dims is None else shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return roll(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def roll(input, shifts, dims=None):
    """Shift elements cyclically; with ``dims=None`` the flattened tensor is rolled."""
    x = _tensor(input, "roll")
    shifts_t = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    if dims is None:
        if len(shifts_t) != 1:
            raise ValueError("roll: with dims=None, shifts must be a single int")
        dims_t = None
    else:
        dims_t = dims if isinstance(dims, (tuple, list)) else (dims,)
        if len(dims_t) != len(shifts_t):
            raise ValueError(f"roll: shifts {shifts_t} and dims {dims_t} must have the same length")
        dims_t = tuple(_check_dim(d, x.array.ndim, "roll") for d in dims_t)
    return Roll.apply(x, tuple(shifts_t), dims_t)


class Repeat(Function):
    """Tile ``reps[i]`` times along each dimension; the gradient sums the tiles."""

    @staticmethod
    def forward(ctx, x, reps):
        padded = (1,) * (len(reps) - x.array.ndim) + x.array.shape
        ctx.reps, ctx.padded, ctx.in_shape = reps, padded, x.array.shape
        return np.tile(x.array.reshape(padded), reps)

    @staticmethod
    def backward(ctx, g):
        # out has shape (r0*s0, r1*s1, ...): view as (r0, s0, r1, s1, ...) and sum the r axes
        inter = []
        for r, s in zip(ctx.reps, ctx.padded):
            inter += [r, s]
        gg = reshape(g, tuple(inter)).sum(tuple(range(0, 2 * len(ctx.reps), 2)))
        return reshape(gg, ctx.in_shape), None


def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (torch's ``repeat``)."""
    x = _tensor(input, "repeat")
    sizes = _sizes(sizes, "repeat")
    if len(sizes) < x.array.ndim:
        raise ValueError(f"repeat: {len(sizes)} repeat counts given for a tensor with {x.array.ndim} "
                         f"dimensions; give at least as many")
    if builtins.any(n < 0 for n in sizes):
        raise ValueError(f"repeat: repeat counts {sizes} must be non-negative")
    return Repeat.apply(x, sizes)


def tile(input, dims):
    x = _tensor(input, "tile")
    dims = tuple(dims)
    if len(dims) < x.array.ndim:
        dims = (1,) * (x.array.ndim - len(dims)) + dims
    return repeat(x, dims)


class Pad(Function):
    """Constant padding (negative widths crop); the gradient is cropped (padded) back."""

    @staticmethod
    def forward(ctx, x, pads, widths, crop, value):
        ctx.pads = pads
        out = x.array
        if any(w != (0, 0) for w in widths):
            out = np.pad(out, widths, mode="constant", constant_values=value)
        if any(c != slice(None) for c in crop):
            out = out[tuple(crop)]
        return out

    @staticmethod
    def backward(ctx, g):
        return pad(g, [-p for p in ctx.pads]), None, None, None, None


def pad(input, pad, mode="constant", value=0.0):
    """Constant padding, torch's convention: ``pad = (left, right)`` for the last dimension,
    then (top, bottom) for the one before, and so on. Negative values crop."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode={mode!r} is not supported; only 'constant'")
    x = _tensor(input, "pad")
    pads = [int(p) for p in pad]
    if len(pads) % 2 or len(pads) // 2 > x.array.ndim:
        raise ValueError(f"pad: pad={tuple(pads)} must have an even length of at most "
                         f"2 * ndim = {2 * x.array.ndim}")
    nd = x.array.ndim
    widths = [(0, 0)] * nd
    crop = [slice(None)] * nd
    for i in range(len(pads) // 2):
        d = nd - 1 - i
        lo, hi = pads[2 * i], pads[2 * i + 1]
        widths[d] = (builtins.max(lo, 0), builtins.max(hi, 0))
        size = x.array.shape[d] + lo + hi
        if size < 0:
            raise ValueError(f"pad: pad={tuple(pads)} crops dimension {d} of size "
                             f"{x.array.shape[d]} to a negative size")
        crop[d] = slice(builtins.max(-lo, 0), x.array.shape[d] + builtins.max(lo, 0) + builtins.max(hi, 0) - builtins.max(-hi, 0))
    return Pad.apply(x, pads, widths, crop, value)


class ToDevice(Function):
    """Move to ``device``; the gradient moves back."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.src = backend.device_of(x.array)
        return backend.to_device(x.array, device)

    @staticmethod
    def backward(ctx, g):
        return to_device(g, ctx.src), None


def to_device(input, device):
    """Move a tensor to ``device`` ('cpu' or 'cuda'); differentiable."""
    return ToDevice.apply(_tensor(input, "to"), device)


def channel_shuffle(input, groups):
    """ShuffleNet's channel shuffle: view the C channels as a (groups, C / groups) grid,
    transpose it and flatten back, so output channel ``j * groups + g`` is input channel
    ``g * (C / groups) + j``. Lets information cross groups between grouped convolutions.
    Input: (N, C, *) with at least one dimension after C (torch's rule). A composite of
    reshape and transpose, so its gradient is the inverse shuffle.

        >>> import ember
        >>> channel_shuffle(ember.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    x = require_tensor(input, "channel_shuffle")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"channel_shuffle: groups={groups!r} must be a positive int")
    shape = tuple(int(s) for s in x.shape)
    if len(shape) < 3:
        raise ValueError(f"channel_shuffle: expected an input with more than 2 dims (N, C, *), got "
                         f"shape {shape}")
    C = shape[1]
    if C % groups:
        raise ValueError(f"channel_shuffle: groups={groups} must divide the number of channels "
                         f"C={C} of the input of shape {shape}")
    g = int(groups)
    return reshape(transpose(reshape(x, shape[0], g, C // g, *shape[2:]), 1, 2), shape)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d tensors (``indexing="ij"``, torch's default, or ``"xy"``);
    each grid is a broadcast of its input, so gradients flow back to the inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_tensor(t, "meshgrid", f"tensors[{i}]") for i, t in enumerate(tensors)]
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise ValueError(f"meshgrid: tensors[{i}] must be 0-d or 1-d, got shape {shape_str(t.shape)}")
    sizes = [t.numel() for t in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        axis = (1 - i if i < 2 else i) if swap else i
        view = [1] * len(ts)
        view[axis] = -1
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(sizes)))
    return tuple(out)
