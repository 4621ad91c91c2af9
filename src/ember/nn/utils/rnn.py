"""Variable-length batches (``torch.nn.utils.rnn``'s names): a :class:`PackedSequence` holds
the steps of sequences sorted by decreasing length, time-major, with ``batch_sizes[t]`` the
number of sequences still running at step t. The recurrent layers run a packed batch so that
each sequence gives what it gives alone.

    >>> import ember
    >>> from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    >>> x = ember.zeros(4, 3, 2)                   # (T, B, features)
    >>> p = pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
    >>> p.batch_sizes.tolist(), p.sorted_indices.tolist()
    ([3, 2, 1, 1], [1, 0, 2])
    >>> padded, lengths = pad_packed_sequence(p)
    >>> tuple(padded.shape), lengths.tolist()
    ((4, 3, 2), [2, 4, 1])
"""
from collections import namedtuple

import numpy as np

from ...autograd.tensor import Tensor
from ... import creation
from ...ops.shape import cat, stack, pad as _pad
from ...ops.index import index_select

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]


def _ints(x, name, op):
    a = np.asarray(x.array if isinstance(x, Tensor) else x)
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise ValueError(f"{op}: {name} must be a 1-D sequence of ints, got {a.tolist()!r}")
    return a.astype(np.int64)


def invert_permutation(permutation):
    if permutation is None:
        return None
    p = _ints(permutation, "permutation", "invert_permutation")
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return creation.tensor(inv)


class PackedSequence(namedtuple("PackedSequence", "data batch_sizes sorted_indices unsorted_indices")):
    """``data`` (sum of lengths, *), ``batch_sizes`` (int64, one per step),
    ``sorted_indices`` (the batch order of the packed sequences, or None when the input was
    already sorted) and ``unsorted_indices`` (its inverse)."""
    __slots__ = ()

    def __new__(cls, data, batch_sizes, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def to(self, *args, **kwargs):
        return self._replace(data=self.data.to(*args, **kwargs))

    def double(self):
        return self._replace(data=self.data.double())

    def float(self):
        return self._replace(data=self.data.float())


def _time_batch_index(batch_sizes):
    """(t, b) of every packed row, in the packed order (time-major)."""
    bs = np.asarray(batch_sizes)
    return np.nonzero(np.arange(bs[0])[None, :] < bs[:, None])


def packed_to_padded(data, batch_sizes, total_length=None, padding_value=0.0):
    """Time-major padded (T, B, *) from packed rows (sorted batch order); differentiable."""
    bs = np.asarray(batch_sizes)
    T, B, N = len(bs), int(bs[0]), data.shape[0]
    total = T if total_length is None else total_length
    idx = np.full((total, B), N, dtype=np.int64)
    tt, bb = _time_batch_index(bs)
    idx[tt, bb] = np.arange(N)
    fill = creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    return cat([data, fill])[idx]


def padded_to_packed(padded, batch_sizes):
    """The rows of a time-major padded (T, B, *) tensor that a packing with these
    batch_sizes keeps, in the packed order; differentiable."""
    tt, bb = _time_batch_index(batch_sizes)
    return padded[tt, bb]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ((T, B, *), or (B, T, *) with batch_first) of sequences with the
    given lengths. With ``enforce_sorted=True`` the lengths must be in decreasing order;
    otherwise the batch is sorted here and ``sorted_indices`` records how."""
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be an ember Tensor, got {type(input).__name__}")
    lens = _ints(lengths, "lengths", op)
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have a time and a batch dimension, got shape {tuple(input.shape)}")
    T, B = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lens.size != B:
        raise ValueError(f"{op}: lengths has {lens.size} entries but the input (shape "
                         f"{tuple(input.shape)}, batch_first={batch_first}) has a batch of {B}")
    if (lens <= 0).any():
        raise ValueError(f"{op}: every length must be positive, got lengths={lens.tolist()}")
    if lens.max() > T:
        raise ValueError(f"{op}: lengths={lens.tolist()} has a length {int(lens.max())} longer than "
                         f"the sequences of the input (shape {tuple(input.shape)}, batch_first="
                         f"{batch_first}: {T} steps)")
    sorted_indices = None
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise ValueError(f"{op}: lengths={lens.tolist()} must be sorted in decreasing order "
                             f"when enforce_sorted=True; pass enforce_sorted=False to sort them here")
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = creation.tensor(order)
        lens = lens[order]
        input = index_select(input, 0 if batch_first else 1, order)
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = (lens[None, :] > np.arange(int(lens[0]))[:, None]).sum(1)
    data = padded_to_packed(input, batch_sizes)
    return PackedSequence(data, creation.tensor(batch_sizes), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch and the lengths (int64, in the original batch order) of a packed
    sequence; ``total_length`` pads to that many steps."""
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: sequence must be a PackedSequence, got {type(sequence).__name__}")
    bs = _ints(sequence.batch_sizes, "batch_sizes", op)
    if total_length is not None and total_length < len(bs):
        raise ValueError(f"{op}: total_length={total_length} is shorter than the longest sequence "
                         f"({len(bs)} steps)")
    padded = packed_to_padded(sequence.data, bs, total_length, padding_value)
    lengths = (np.arange(int(bs[0]))[None, :] < bs[:, None]).sum(0)
    if sequence.unsorted_indices is not None:
        un = _ints(sequence.unsorted_indices, "unsorted_indices", op)
        padded = index_select(padded, 1, un)
        lengths = lengths[un]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, creation.tensor(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (max L, B, *) (or (B, max L, *)), padding with
    ``padding_value`` on the right (or the left)."""
    op = "pad_sequence"
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    if not len(sequences):
        raise ValueError(f"{op}: sequences must not be empty")
    if padding_side not in ("left", "right"):
        raise ValueError(f"{op}: padding_side={padding_side!r} must be 'left' or 'right'")
    trail = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor) or s.ndim < 1 or tuple(s.shape[1:]) != trail:
            raise ValueError(f"{op}: sequences[{i}] has shape {tuple(getattr(s, 'shape', ()))} but every "
                             f"sequence must be (L, {', '.join(map(str, trail))})")
    L = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        extra = L - s.shape[0]
        pads = (0, 0) * len(trail) + ((extra, 0) if padding_side == "left" else (0, extra))
        rows.append(_pad(s, pads, value=padding_value) if extra else s)
    return stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (decreasing lengths unless enforce_sorted=False)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences (L_i, *) of a padded batch (inverse of pad_sequence)."""
    lens = _ints(lengths, "lengths", "unpad_sequence")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    if lens.size != x.shape[0] or (lens.size and lens.max() > x.shape[1]):
        raise ValueError(f"unpad_sequence: lengths={lens.tolist()} do not fit a padded batch of shape "
                         f"{tuple(padded_sequences.shape)} (batch_first={batch_first})")
    return [x[b, :int(n)] for b, n in enumerate(lens)]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) of a PackedSequence, in the original order (inverse of pack_sequence)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
