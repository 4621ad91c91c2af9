"""Multi-head attention with torch's signature and parameter names (``in_proj_weight``,
``in_proj_bias``, ``out_proj``; ``q/k/v_proj_weight`` when kdim/vdim differ), so a torch
state_dict loads by name."""
import numpy as np

from ... import creation
from ...ops.attention import attention_weights, mask_to_bias
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module


class MultiheadAttention(Module):
    """softmax(Q_h K_h^T / sqrt(d) + masks) V_h for each of ``num_heads`` heads of size
    d = embed_dim / num_heads, concatenated and projected by ``out_proj``. Inputs are
    (L, N, E) (or (N, L, E) with ``batch_first``, or unbatched (L, E)). Masks:
    ``key_padding_mask`` (N, S), True = ignore that key; ``attn_mask`` (L, S) or
    (N * num_heads, L, S), True = not allowed; float masks are added to the scores.
    Returns (output, weights): weights (N, L, S) averaged over heads, or (N, H, L, S) with
    ``average_attn_weights=False``, or None unless ``need_weights``."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, dtype=None):
        super().__init__()
        for name, val in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(val, int) or val <= 0:
                raise ValueError(f"MultiheadAttention: {name}={val!r} must be a positive int")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim={embed_dim} must be divisible by "
                             f"num_heads={num_heads}")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported "
                                      "(pass False)")
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiheadAttention: dropout={dropout!r} must be in [0, 1)")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self.head_dim = embed_dim // num_heads
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        E = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * E, E, dtype=dtype))
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.q_proj_weight = Parameter(creation.empty(E, E, dtype=dtype))
            self.k_proj_weight = Parameter(creation.empty(E, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(creation.empty(E, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.zeros(3 * E, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self):
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query, key, value):
        E, b = self.embed_dim, self.in_proj_bias
        if self._qkv_same_embed_dim and query is key and key is value:       # self-attention: one GEMM
            return F.linear(query, self.in_proj_weight, b).chunk(3, -1)
        if self._qkv_same_embed_dim and key is value:    # encoder-decoder attention: k and v in one GEMM
            w = self.in_proj_weight
            k, v = F.linear(key, w[E:], b[E:] if b is not None else None).chunk(2, -1)
            return F.linear(query, w[:E], b[:E] if b is not None else None), k, v
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = (w[:E], w[E:2 * E], w[2 * E:])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        bs = (b[:E], b[E:2 * E], b[2 * E:]) if b is not None else (None,) * 3
        return tuple(F.linear(x, w, bb) for x, w, bb in zip((query, key, value), ws, bs))

    def _check(self, query, key, value, key_padding_mask, attn_mask):
        batched = query.ndim == 3
        shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D "
                             f"(unbatched), got {shapes}")
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(f"MultiheadAttention: expected feature sizes embed_dim={self.embed_dim}, "
                             f"kdim={self.kdim}, vdim={self.vdim} in the last dim, got {shapes}")
        bdim = 0 if self.batch_first or not batched else 1
        sdim = 1 - bdim if batched else 0
        if key.shape[:-1] != value.shape[:-1] or (batched and query.shape[bdim] != key.shape[bdim]):
            raise ValueError(f"MultiheadAttention: key and value must have the same batch and sequence "
                             f"sizes as each other and the batch size of query, got {shapes}")
        N = key.shape[bdim] if batched else 1
        L, S = query.shape[sdim], key.shape[sdim]
        if key_padding_mask is not None:
            want = (N, S) if batched else (S,)
            if tuple(key_padding_mask.shape) != want:
                raise ValueError(f"MultiheadAttention: key_padding_mask has shape {tuple(key_padding_mask.shape)}, "
                                 f"expected {want} (batch, source length) for {shapes}")
        if attn_mask is not None and tuple(attn_mask.shape) not in ((L, S), (N * self.num_heads, L, S)):
            raise ValueError(f"MultiheadAttention: attn_mask has shape {tuple(attn_mask.shape)}, expected "
                             f"{(L, S)} or {(N * self.num_heads, L, S)} (batch * num_heads, target length, "
                             f"source length) for {shapes}")
        return batched, N, L, S

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batched, N, L, S = self._check(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint that attn_mask is the causal mask; "
                             "pass attn_mask too (e.g. Transformer.generate_square_subsequent_mask(L))")
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:          # work in (N, L, E)
            same_kv = key is value
            same_qk = query is key
            query = query.transpose(0, 1)
            key = query if same_qk else key.transpose(0, 1)
            value = key if same_kv else value.transpose(0, 1)
        H, D = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        q, k, v = (t.reshape(N, -1, H, D).transpose(1, 2) for t in (q, k, v))       # (N, H, len, D)
        dtype = np.result_type(q.array.dtype, np.float32)
        bias = mask_to_bias(attn_mask, False, dtype, "MultiheadAttention", "attn_mask")
        if bias is not None and bias.ndim == 3:
            bias = bias.reshape(N, H, L, S)
        kpm = mask_to_bias(key_padding_mask, False, dtype, "MultiheadAttention", "key_padding_mask")
        if kpm is not None:
            kpm = kpm.reshape(N, 1, 1, S)
            bias = kpm if bias is None else bias + kpm
        p = self.dropout if self.training else 0.0
        if need_weights:
            out, weights = attention_weights(q, k, v, bias, p)
            weights = weights.mean(1) if average_attn_weights else weights
        else:
            out, weights = F.scaled_dot_product_attention(q, k, v, bias, p), None
        out = self.out_proj(out.transpose(1, 2).reshape(N, L, self.embed_dim))
        if not batched:
            return out.squeeze(0), weights.squeeze(0) if weights is not None else None
        return (out if self.batch_first else out.transpose(0, 1)), weights

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
