"""Recurrent layers with torch's signatures, parameter names, shapes, gate order and
initialisation (so a torch state_dict loads by name): RNN (tanh/relu), LSTM (with
``proj_size``), GRU, and their cells. Each layer and direction runs as one fused op
(:mod:`ember.ops.recurrent`).

Gates: LSTM i, f, g, o (c' = f c + i g, h' = o tanh(c'), then h' W_hr^T with proj_size);
GRU r, z, n with n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.
"""
import math

import numpy as np

from ... import creation
from ...autograd.tensor import Tensor
from ...ops.recurrent import Recurrent
from ...ops.shape import cat, stack
from ...ops.index import index_select
from ...ops.dropout import dropout as _dropout
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, packed_to_padded, padded_to_packed
from .module import Module

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _positive(value, name, cls, zero=False):
    if not isinstance(value, int) or isinstance(value, bool) or value < (0 if zero else 1):
        raise ValueError(f"{cls}: {name}={value!r} must be a {'non-negative' if zero else 'positive'} int")


def _mode(nonlinearity, cls):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{cls}: nonlinearity={nonlinearity!r} must be 'tanh' or 'relu'")
    return "RNN_" + nonlinearity.upper()


class RNNBase(Module):
    """The stacked, optionally bidirectional recurrent layer behind RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None, generator=None):
        super().__init__()
        cls = type(self).__name__
        _positive(input_size, "input_size", cls)
        _positive(hidden_size, "hidden_size", cls)
        _positive(num_layers, "num_layers", cls)
        _positive(proj_size, "proj_size", cls, zero=True)
        if not 0 <= float(dropout) <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{cls}: dropout={dropout!r} must be a probability in [0, 1]")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{cls}: proj_size={proj_size} is supported only by LSTM")
        if proj_size and proj_size >= hidden_size:
            raise ValueError(f"{cls}: proj_size={proj_size} must be smaller than hidden_size={hidden_size}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        D = 2 if bidirectional else 1
        G = _GATES[mode]
        real = proj_size or hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                in_size = input_size if layer == 0 else real * D
                shapes = [("weight_ih", (G * hidden_size, in_size)), ("weight_hh", (G * hidden_size, real))]
                if bias:
                    shapes += [("bias_ih", (G * hidden_size,)), ("bias_hh", (G * hidden_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + sfx, Parameter(creation.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv, generator=generator)

    def flatten_parameters(self):
        """Does nothing (torch packs cuDNN's weights here; ember's kernels read them as they are)."""

    @property
    def all_weights(self):
        return [[w for w in self._weights(sfx) if w is not None] for sfx in self._suffixes()]

    def _suffixes(self):
        D = 2 if self.bidirectional else 1
        return [f"_l{layer}" + ("_reverse" if d else "") for layer in range(self.num_layers) for d in range(D)]

    def _weights(self, sfx):
        g = lambda n: getattr(self, n + sfx, None)  # noqa: E731
        return g("weight_ih"), g("weight_hh"), g("bias_ih"), g("bias_hh"), g("weight_hr")

    def _state_shape(self, batch):
        D = 2 if self.bidirectional else 1
        return (self.num_layers * D, batch, self.proj_size or self.hidden_size)

    def _check_state(self, h, shape, name, unbatched):
        want = shape[:1] + shape[2:] if unbatched else shape
        if not isinstance(h, Tensor):
            raise TypeError(f"{type(self).__name__}: {name} must be an ember Tensor, got {type(h).__name__}")
        if tuple(h.shape) != tuple(want):
            raise ValueError(f"{type(self).__name__}: expected {name} of shape {tuple(want)} "
                             f"(num_layers * num_directions, batch, size), got {tuple(h.shape)}")

    def forward(self, input, hx=None):
        cls = type(self).__name__
        packed = isinstance(input, PackedSequence)
        unbatched = False
        if packed:
            bs = np.asarray(input.batch_sizes.array if isinstance(input.batch_sizes, Tensor)
                            else input.batch_sizes, dtype=np.int64)
            x = packed_to_padded(input.data, bs)
            B = int(bs[0])
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{cls}: input must be an ember Tensor or a PackedSequence, got "
                                f"{type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ValueError(f"{cls}: expected input of 2 (unbatched) or 3 dimensions, got shape "
                                 f"{tuple(input.shape)}")
            bs = None
            unbatched = input.ndim == 2
            x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
            B = x.shape[1]
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{cls}: input.size(-1) must equal input_size={self.input_size}, got input "
                             f"of shape {tuple(x.shape if packed else input.shape)}")
        shape = self._state_shape(B)
        cshape = shape[:2] + (self.hidden_size,)
        is_lstm = self.mode == "LSTM"
        if hx is None:
            h0 = creation.zeros(*shape, dtype=x.dtype)
            c0 = creation.zeros(*cshape, dtype=x.dtype) if is_lstm else None
        else:
            if is_lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{cls}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
                h0, c0 = hx
                self._check_state(h0, shape, "h_0", unbatched)
                self._check_state(c0, cshape, "c_0", unbatched)
            else:
                h0, c0 = hx, None
                self._check_state(h0, shape, "hx", unbatched)
            if unbatched:
                h0, c0 = h0.unsqueeze(1), (c0.unsqueeze(1) if c0 is not None else None)
            if packed and input.sorted_indices is not None:
                order = input.sorted_indices.array
                h0 = index_select(h0, 1, order)
                c0 = index_select(c0, 1, order) if c0 is not None else None
        out, h_n, c_n = self._run(x, h0, c0, bs)
        if is_lstm:
            h_n, c_n = stack(h_n), stack(c_n)
        else:
            h_n = stack(h_n)
        if packed:
            if input.unsorted_indices is not None:
                un = input.unsorted_indices.array
                h_n = index_select(h_n, 1, un)
                c_n = index_select(c_n, 1, un) if is_lstm else None
            out = PackedSequence(padded_to_packed(out, bs), input.batch_sizes,
                                 input.sorted_indices, input.unsorted_indices)
        elif unbatched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if is_lstm else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return (out, (h_n, c_n)) if is_lstm else (out, h_n)

    def _run(self, x, h0, c0, bs):
        D = 2 if self.bidirectional else 1
        hs, cs = [], []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                x = _dropout(x, self.dropout, True)
            outs = []
            for d in range(D):
                k = layer * D + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(f"_l{layer}" + ("_reverse" if d else ""))
                o, h, c = Recurrent.apply(x, h0[k], None if c0 is None else c0[k], w_ih, w_hh,
                                          b_ih, b_hh, w_hr, self.mode, bs, bool(d))
                outs.append(o)
                hs.append(h)
                cs.append(c)
            x = outs[0] if D == 1 else cat(outs, -1)
        return x, hs, cs

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None, generator=None):
        self.nonlinearity = nonlinearity
        super().__init__(_mode(nonlinearity, "RNN"), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, 0, device, dtype, generator)


class LSTM(RNNBase):
    """Long short-term memory; returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None, generator=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype, generator)


class GRU(RNNBase):
    """Gated recurrent unit; returns ``output, h_n``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, generator=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, generator)


class RNNCellBase(Module):
    """One step of a recurrent layer: weight_ih (G*H, I), weight_hh (G*H, H), biases."""

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None, generator=None):
        super().__init__()
        cls = type(self).__name__
        _positive(input_size, "input_size", cls)
        _positive(hidden_size, "hidden_size", cls)
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        G = _GATES[mode]
        self.weight_ih = Parameter(creation.empty(G * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(G * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(G * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(G * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        RNNBase.reset_parameters(self, generator)

    def _state(self, h, name, batch, unbatched, dtype):
        cls = type(self).__name__
        want = (self.hidden_size,) if unbatched else (batch, self.hidden_size)
        if h is None:
            return creation.zeros(batch, self.hidden_size, dtype=dtype)
        if not isinstance(h, Tensor) or tuple(h.shape) != want:
            raise ValueError(f"{cls}: expected {name} of shape {want}, got "
                             f"{tuple(getattr(h, 'shape', ())) if isinstance(h, Tensor) else type(h).__name__}")
        return h.unsqueeze(0) if unbatched else h

    def _step(self, input, h, c):
        cls = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{cls}: expected input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got {tuple(getattr(input, 'shape', ()))}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        B = x.shape[0]
        h = self._state(h, "hx" if c is None and self.mode != "LSTM" else "h", B, unbatched, x.dtype)
        if self.mode == "LSTM":
            c = self._state(c, "c", B, unbatched, x.dtype)
        _, h, c = Recurrent.apply(x.unsqueeze(0), h, c, self.weight_ih, self.weight_hh,
                                  self.bias_ih, self.bias_hh, None, self.mode, None, False)
        if unbatched:
            h, c = h.squeeze(0), (c.squeeze(0) if c is not None else None)
        return h, c

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None,
                 generator=None):
        self.nonlinearity = nonlinearity
        super().__init__(_mode(nonlinearity, "RNNCell"), input_size, hidden_size, bias, device, dtype, generator)

    def forward(self, input, hx=None):
        return self._step(input, hx, None)[0]


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, generator=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype, generator)

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._step(input, h, c)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, generator=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype, generator)

    def forward(self, input, hx=None):
        return self._step(input, hx, None)[0]
