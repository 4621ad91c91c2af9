"""``Optimizer``: the base class of every ember optimizer, with PyTorch's semantics.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus that group's
hyper-parameters, filled from ``defaults``) and ``state`` (a dict from parameter to its
buffers: momentum, running averages, step counts). ``step()`` walks every parameter whose
``.grad`` is not ``None`` and updates ``p.data`` **in place**, with no graph, using
preallocated state buffers and a small pool of scratch arrays, so a step allocates no
parameter-sized temporaries after the first one.

    >>> import ember, ember.optim
    >>> w = ember.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ember.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()       # grad = 2 w
    >>> opt.step()                     # w <- w - 0.1 * 2 w
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)

Subclasses implement three hooks:

* ``_validate(group, where)``: raise ``ValueError`` for a bad hyper-parameter; called for
  ``defaults`` and for every group added (so a group's own ``lr=-1`` is caught too);
* ``_init_state(p, state, group)``: fill a parameter's empty ``state`` dict;
* ``_update(p, grad, state, group)``: the update rule on arrays (``grad`` is ``p.grad``'s
  array, never to be written).

Optionally, for speed on models with many small parameters, a subclass may also give
``_fused_state_names(group)`` and ``_fused_update(fused, group)``: then the small
parameters of a group whose state is created on the same step share one flat array per
state buffer (each parameter's state tensor is a view into it), and a step runs the
update rule once on the concatenation instead of once per parameter; the arithmetic is
the same element by element, so the result is identical. A parameter leaves the fused
set for good (back to the per-parameter path) as soon as the set stops stepping together.
``_fused_step_key`` (the step-count entry, or None when the first update creates the state,
as SGD's momentum buffer) and ``_fused_scalars`` (scalar entries kept equal across the set)
describe the rest of the state. Every optimizer here has a fused path (SGD: with momentum).

``state_dict()`` uses torch's layout (``{"state": {index: {...}}, "param_groups": [{...,
"params": [index, ...]}]}``) with the state arrays as ember Tensors and ``"step"`` as an
int, so a torch optimizer's state dict loads into the matching ember optimizer and the
other way round after converting the tensors.
"""
import math
import numbers
import operator
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from .. import backend
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.tensor import Tensor, _wrap


class _RequiredParameter:
    """Marks a hyper-parameter that each param group must give (like ``torch.optim.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _check_number(owner, name, value, low=None, high=None, low_open=False, high_open=False,
                  where=""):
    """Raise ``ValueError`` unless ``value`` is a real number in the given range.

    NaN is always rejected (every comparison with NaN is False, so a plain ``value < 0``
    check would let it through)."""
    if isinstance(value, Tensor):
        raise ValueError(f"{owner}: {name}{where} must be a Python number, got a Tensor of "
                         f"shape {tuple(value.shape)}; pass {name}=float(t)")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}: {name}={value!r}{where} must be a real number")
    if math.isnan(value):
        raise ValueError(f"{owner}: {name}=nan{where} must be a number, not NaN")
    ok = True
    if low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if low is not None and high is not None:
            rng = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        elif low is not None:
            rng = f"{'>' if low_open else '>='} {low}"
        else:
            rng = f"{'<' if high_open else '<='} {high}"
        raise ValueError(f"{owner}: {name}={value!r}{where} must be {rng}")


def _param_dtype_ok(p):
    return p.data.dtype.kind == "f"


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``'s semantics).

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param
            groups: ``{"params": [...], "lr": ..., ...}``, options missing from a group
            are taken from ``defaults``).
        defaults: the default hyper-parameters of every group.
    """

    #: state entries that are Python scalars, not arrays shaped like the parameter
    _scalar_state = ("step",)

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._validate(self.defaults, "")
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch = {}
        self._fused = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                f"but got a single Tensor; wrap it in a list: [param]")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: params must be an ordered collection "
                            f"(list, tuple, generator), not a set: a set's order changes "
                            f"between runs, which breaks state_dict")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ---- hooks for subclasses ----------------------------------------------------------------
    def _validate(self, group, where):
        """Raise ValueError for a bad hyper-parameter in ``group`` (defaults or a group)."""

    def _init_state(self, p, state, group):
        """Fill the empty ``state`` of parameter ``p`` before its first update."""

    def _update(self, p, grad, state, group):  # pragma: no cover - abstract
        raise NotImplementedError

    #: parameters with at most this many elements may share flat state arrays (above it
    #: the extra copy of the gradient costs more than the per-parameter calls it saves)
    _fuse_max_numel = 4096

    #: the state entry counting a parameter's steps, kept equal across a fused set (None:
    #: the rule has no step count and its state is created by the first update, as SGD's
    #: momentum buffer; ``fused.step == 1`` then marks the first update)
    _fused_step_key = "step"

    #: scalar state entries (besides the step count) that a fused set keeps equal across its
    #: members, in ``fused.scalars`` (e.g. NAdam's ``mu_product``)
    _fused_scalars = ()

    def _fused_state_names(self, group):
        """Names of the state arrays of the fused path for ``group`` (``None``: no fused
        path; the default)."""
        return None

    def _fused_update(self, fused, group):  # pragma: no cover - abstract
        """The update rule on the flat arrays of ``fused`` (a :class:`_Fused`: ``grad``,
        ``state[name]``, ``tmp``, ``param_data()``; ``fused.step`` is the new step count).
        Returns ``(update, decay)``: each parameter becomes ``d * decay + update`` (its
        slice; ``decay`` None for no decay), applied in that order; ``update`` may be a
        tuple of flat arrays, added one after the other."""
        raise NotImplementedError

    # ---- param groups ------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. a new layer to fine-tune).

            >>> import ember, ember.optim
            >>> a, b = ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)
            >>> opt = ember.optim.SGD([a], lr=0.1)
            >>> opt.add_param_group({"params": [b], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {type(param_group).__name__}")
        param_group = dict(param_group)
        if "params" not in param_group:
            raise ValueError(f"{name}: a param group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: optimizer parameters need to be organized in ordered "
                            f"collections, but the ordering of tensors in sets will change "
                            f"between runs. Please use a list instead.")
        else:
            params = list(params)
        names, tensors = [], []
        for item in params:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                names.append(item[0])
                tensors.append(item[1])
            else:
                tensors.append(item)
        if names and len(names) != len(tensors):
            raise ValueError(f"{name}: all optimizer params should be with/without names. "
                             f"Some param names are missing")
        where = f" in param_groups[{len(self.param_groups)}]"
        for i, p in enumerate(tensors):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: optimizer can only optimize Tensors, but params[{i}]"
                                f"{where} is a {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (params[{i}]{where} "
                                 f"was made by {type(p.grad_fn).__name__}); use .detach() and "
                                 f".requires_grad_() to make a leaf")
            if not _param_dtype_ok(p):
                raise TypeError(f"{name}: can only optimize floating-point tensors, but "
                                f"params[{i}]{where} has dtype {p.dtype}")
        param_group["params"] = tensors
        if names:
            param_group["param_names"] = names
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            param_group.setdefault(key, default)
        self._validate(param_group, where)
        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn(f"{name}: a parameter group contains duplicate parameters; each "
                          f"will be updated more than once per step", stacklevel=3)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in tensors):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in param_group):
                raise ValueError(f"{name}: all optimizer param groups should be with/without "
                                 f"names")
        self.param_groups.append(param_group)

    # ---- gradients -----------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to ``None`` (default, like torch) or to zeros
        in place (``set_to_none=False``)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad = p.grad.detach()
                    p.grad.data[...] = 0

    # ---- the step ------------------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        ``closure`` re-evaluates the model and returns the loss (it should call
        ``zero_grad()`` and ``loss.backward()``); it runs with grad mode on, before the
        update, as in torch."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._opt_called = True
        with no_grad():
            for group in self.param_groups:
                params = group["params"]
                if self._fused_state_names(group) is not None:
                    rest = self._fused_step(group)
                    if rest is not None:
                        params = rest
                for p in params:
                    g = p.grad
                    if g is None:
                        continue
                    grad = g.data
                    if grad.shape != p.data.shape:
                        raise RuntimeError(
                            f"{type(self).__name__}: a parameter of shape {tuple(p.shape)} has a "
                            f"gradient of shape {tuple(grad.shape)}")
                    state = self.state[p]
                    if not state:
                        self._init_state(p, state, group)
                    self._update(p, grad, state, group)
                    vc = getattr(p, "_vc", None)
                    if vc is not None:  # a graph that saved the old value must not reuse it
                        vc[0] += 1
        return loss

    # ---- the fused path for small parameters ---------------------------------------------------
    def _fused_step(self, group):
        """Update the fused parameters of ``group``; return the others (to update one by
        one), or ``None`` when there is no valid fused set (then all go one by one)."""
        key = id(group)
        fused = self._fused.get(key)
        if fused is not None:
            if fused.group is group and fused.names == self._fused_state_names(group):
                datas = fused.gather(self.state, group["params"])
                if datas is not None:
                    fused.step += 1
                    update, decay = self._fused_update(fused, group)
                    fused.scatter(datas, update, decay)
                    return fused.rest
            # the set stopped stepping together (or the group changed): its members keep their
            # state (views into the old flat arrays) and go one by one from now on
            del self._fused[key]
        fused = self._fused_build(group)
        if fused is None:
            return None
        self._fused[key] = fused
        return self._fused_step(group)

    def _fused_build(self, group):
        """A fused set from the small parameters of ``group`` that have a gradient and no
        state yet (their state is created here, as views into new flat arrays)."""
        params = group["params"]
        state = self.state
        if len({id(p) for p in params}) != len(params):
            return None
        members, dtype, limit = [], None, self._fuse_max_numel
        for p in params:
            g, d = p.grad, p.data
            if (g is None or type(d) is not np.ndarray or d.size > limit or state.get(p)
                    or type(g.data) is not np.ndarray or g.data.shape != d.shape
                    or g.data.dtype != d.dtype or d.dtype.kind != "f"):
                continue
            if dtype is None:
                dtype = d.dtype
            if d.dtype == dtype:
                members.append(p)
        if len(members) < 2:
            return None
        names, key = self._fused_state_names(group), self._fused_step_key
        fused = _Fused(group, members, dtype, names, key)
        for p, (_, st, _, _, checks) in zip(members, fused.members):
            fresh = {}
            self._init_state(p, fresh, group)
            if key is None:
                if fresh:
                    return None     # state made before the first update: not this layout
                for name, t, view in checks:    # (zeros; the first update fills them)
                    st[name] = t
                continue
            if set(fresh) != {key, *names, *self._fused_scalars} or fresh[key] != 0:
                return None     # the subclass's state is not what the fused rule expects
            for name, t, view in checks:
                view[...] = fresh[name].data
                st[name] = t
            st[key] = 0
            for k in self._fused_scalars:
                if fused.scalars.setdefault(k, fresh[k]) != fresh[k]:
                    return None
                st[k] = fresh[k]
        for p, (_, st, _, _, _) in zip(members, fused.members):
            state[p] = st
        ids = {id(p) for p in members}
        fused.rest = [p for p in params if id(p) not in ids]
        return fused

    def _fused_adopt(self, group):
        """After ``load_state_dict``: a fused set from the small parameters of ``group``
        whose loaded state has the fused layout and a common step count (the loaded values
        are copied into new flat arrays; nothing else refers to the loaded arrays yet)."""
        names = self._fused_state_names(group)
        params = group["params"]
        if names is None or len({id(p) for p in params}) != len(params):
            return
        key = self._fused_step_key
        scalars = self._fused_scalars
        keys = ({key, *names} if key is not None else set(names)) | set(scalars)
        members, dtype, step, limit = [], None, None, self._fuse_max_numel
        for p in params:
            st, d = self.state.get(p), p.data
            if (not st or type(d) is not np.ndarray or d.size > limit or d.dtype.kind != "f"
                    or set(st) != keys or (key is not None and type(st[key]) is not int)):
                continue
            if not all(isinstance(st[n], Tensor) and type(st[n].data) is np.ndarray
                       and st[n].data.shape == d.shape and st[n].data.dtype == d.dtype
                       for n in names):
                continue
            # (no step count: past the first update)
            s = (st[key] if key is not None else 1,) + tuple(st[k] for k in scalars)
            if dtype is None:
                dtype, step = d.dtype, s
            if d.dtype == dtype and s == step:
                members.append(p)
        if len(members) < 2:
            return
        fused = _Fused(group, members, dtype, names, key)
        fused.step = step[0]
        fused.scalars = dict(zip(scalars, step[1:]))
        for p, (_, st, _, _, checks) in zip(members, fused.members):
            loaded = self.state[p]
            for name, t, view in checks:
                view[...] = loaded[name].data
                st[name] = t
            if key is not None:
                st[key] = fused.step
            st.update(fused.scalars)
            self.state[p] = st
        ids = {id(p) for p in members}
        fused.rest = [p for p in params if id(p) not in ids]
        self._fused[id(group)] = fused

    def _buffer(self, like, slot):
        """A scratch array shaped like ``like`` (contents undefined), from a pool shared by
        all parameters: one flat array per (slot, dtype, array module), grown to the
        largest parameter, so scratch memory is a few times the largest parameter."""
        xp = backend.get_array_module(like)
        key = (slot, like.dtype, xp)
        buf = self._scratch.get(key)
        n = like.size
        if buf is None or buf.size < n:
            buf = xp.empty(n, dtype=like.dtype)
            self._scratch[key] = buf
        return buf[:n].reshape(like.shape)

    def _effective_grad(self, grad, d, weight_decay, maximize):
        """``(-grad if maximize else grad) + weight_decay * d``, in scratch slot 0 (or
        ``grad`` itself when neither applies)."""
        if weight_decay == 0 and not maximize:
            return grad
        out = self._buffer(d, 0)
        if weight_decay != 0:
            np.multiply(d, weight_decay, out=out)
            if maximize:
                np.subtract(out, grad, out=out)
            else:
                np.add(out, grad, out=out)
        else:
            np.negative(grad, out=out)
        return out

    @staticmethod
    def _zeros_like(d, fill=0.0):
        xp = backend.get_array_module(d)
        arr = xp.full(d.shape, fill, dtype=d.dtype) if fill else xp.zeros(d.shape, dtype=d.dtype)
        return _wrap(arr)

    # ---- state dict ------------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state in torch's layout, as a snapshot (arrays are copied, so
        the returned dict does not change when training goes on; torch returns references).

        ``{"state": {i: {"step": int, "exp_avg": Tensor, ...}}, "param_groups": [{"lr": ...,
        "params": [i, ...]}, ...]}`` where ``i`` numbers the parameters in group order."""
        index = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {k: _snapshot(v) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state from :meth:`state_dict` (or from the matching torch optimizer's
        ``state_dict()``: its tensors are converted). Hyper-parameters come from the loaded
        groups; state arrays are copied and cast to each parameter's dtype and device."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups', got {type(state_dict).__name__}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has a different number "
                             f"of parameter groups ({len(saved_groups)}) than the optimizer "
                             f"({len(self.param_groups)})")
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"{name}.load_state_dict: loaded param_groups[{i}] has "
                                 f"{len(s['params'])} parameters, the optimizer's has "
                                 f"{len(g['params'])}")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        new_state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            key = int(key) if isinstance(key, str) and key.isdigit() else key
            if key not in id_map:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {key!r} "
                                 f"but no parameter has that index")
            p = id_map[key]
            new_state[p] = {k: self._load_value(p, k, v) for k, v in value.items()}
        new_groups = []
        for g, s in zip(self.param_groups, saved_groups):
            ng = {k: (tuple(v) if k == "betas" and isinstance(v, list) else v)
                  for k, v in s.items() if k != "params"}
            for k, v in self.defaults.items():
                ng.setdefault(k, v)
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            self._validate(ng, f" in loaded param_groups[{len(new_groups)}]")
            new_groups.append(ng)
        self.state = new_state
        self.param_groups = new_groups
        self._fused = {}
        for group in new_groups:    # the loaded arrays are new: they may become flat views
            self._fused_adopt(group)

    def _load_value(self, p, key, value):
        if key in self._scalar_state:
            v = _to_numpy(value)
            v = v.item() if isinstance(v, np.ndarray) else v
            return int(round(v)) if key == "step" else float(v)
        if value is None:
            return None
        arr = _to_numpy(value)
        if not isinstance(arr, np.ndarray):
            return value
        if arr.shape != p.data.shape:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state {key!r} has shape "
                             f"{arr.shape}, its parameter has shape {tuple(p.data.shape)}")
        xp = backend.get_array_module(p.data)
        out = xp.array(arr, dtype=p.data.dtype if arr.dtype.kind == "f" else arr.dtype, copy=True)
        return _wrap(out)

    # ---- display -------------------------------------------------------------------------------
    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._scratch = {}
        self._fused = {}


class _Fused:
    """The fused parameters of one group: for each state name one flat array whose slices
    (reshaped) are the parameters' state arrays, plus flat scratch for the gradient."""

    def __init__(self, group, params, dtype, names, step_key="step"):
        self.group, self.names, self.dtype, self.step = group, names, dtype, 0
        self.step_key = step_key
        self.scalars = {}
        self.params = tuple(group["params"])
        sizes = [p.data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.shapes = [p.data.shape for p in params]
        n = self.offsets[-1]
        self.state = {name: np.zeros(n, dtype=dtype) for name in names}
        self.grad = np.empty(n, dtype=dtype)
        self.tmp = np.empty(n, dtype=dtype)
        self._data = self._datas = self._scratch = None
        self.members = []
        gviews, tviews = self.views(self.grad), self.views(self.tmp)
        state_views = {name: self.views(arr) for name, arr in self.state.items()}
        for i, p in enumerate(params):
            checks = tuple((name, _wrap(state_views[name][i]), state_views[name][i]) for name in names)
            self.members.append((p, {}, self.shapes[i], gviews[i], checks))
        self.tviews = tviews
        self.rest = []

    def effective_grad(self, group):
        """The gradient an update rule sees, formed as torch does: negated under
        ``maximize`` and, with coupled weight decay, ``grad + weight_decay * param`` (in a
        fresh array). Returns ``(g, decay)``: ``decay`` is decoupled weight decay's
        multiplicative factor ``1 - lr * weight_decay`` (AdamW), or None."""
        wd = group["weight_decay"]
        g = self.grad
        if wd != 0 and group.get("decoupled_weight_decay", False):
            if group["maximize"]:
                np.negative(g, out=g)
            return g, 1 - group["lr"] * wd
        if wd != 0:
            out = self.param_data()
            np.multiply(out, wd, out=out)
            (np.subtract if group["maximize"] else np.add)(out, g, out=out)
            return out, None
        if group["maximize"]:
            np.negative(g, out=g)
        return g, None

    def views(self, flat):
        o = self.offsets
        return [flat[a:b].reshape(s) for a, b, s in zip(o, o[1:], self.shapes)]

    def gather(self, state, params):
        """Check that every member still steps with this set (same parameter list, a
        gradient of the right shape and dtype, untouched state) and copy the gradients into
        ``grad``; return the members' data arrays, or ``None`` if the set is no longer valid."""
        if len(params) != len(self.params) or not all(map(operator.is_, params, self.params)):
            return None
        dtype, step, key, datas = self.dtype, self.step, self.step_key, []
        for p, st, shape, gview, checks in self.members:
            g = p.grad
            if g is None:
                return None
            gd, d = g.data, p.data
            if (type(d) is not np.ndarray or type(gd) is not np.ndarray or d.shape != shape
                    or gd.shape != shape or d.dtype != dtype or gd.dtype != dtype
                    or state.get(p) is not st or (key is not None and st.get(key) != step)):
                return None
            if self.scalars:
                for k, v in self.scalars.items():
                    if st.get(k) != v:
                        return None
            for name, t, view in checks:
                if st.get(name) is not t or t.data is not view:
                    return None
            gview[...] = gd     # (same dtype and shape: a plain copy, cheaper than copyto)
            datas.append(d)
        self._datas = datas
        return datas

    def scratch(self):
        """A second flat scratch array (made on first use)."""
        if self._scratch is None:
            self._scratch = np.empty_like(self.grad)
        return self._scratch

    def param_data(self):
        """The members' current values, gathered into one flat array (valid during a step)."""
        if self._data is None:
            self._data = np.empty_like(self.grad)
            self._data_views = self.views(self._data)
        for view, d in zip(self._data_views, self._datas):
            view[...] = d
        return self._data

    def scatter(self, datas, update, decay):
        """``d = d * decay + update`` for every member (``update`` may be a tuple of flat
        arrays, added one after the other), and the step bookkeeping."""
        if update.__class__ is tuple:   # several additions, in order
            slices = [self.tviews if u is self.tmp else self.views(u) for u in update]
            for i, d in enumerate(datas):
                if decay is not None:
                    d *= decay
                for views in slices:
                    d += views[i]
        else:
            for d, u in zip(datas, self.tviews if update is self.tmp else self.views(update)):
                if decay is not None:
                    d *= decay
                d += u
        step, key, scalars = self.step, self.step_key, self.scalars
        for p, st, _, _, _ in self.members:
            if key is not None:
                st[key] = step
            if scalars:
                st.update(scalars)
            vc = getattr(p, "_vc", None)
            if vc is not None:
                vc[0] += 1
        self._datas = None


def _snapshot(v):
    if isinstance(v, Tensor):
        return _wrap(v.data.copy())
    if isinstance(v, np.ndarray):
        return v.copy()
    return v


def _to_numpy(value):
    """ember Tensor / NumPy / torch tensor / number -> NumPy array (or the number)."""
    if isinstance(value, Tensor):
        return backend.to_numpy(value.data)
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        return value.detach().cpu().numpy()
    if isinstance(value, (numbers.Number, np.generic)):
        return value
    return np.asarray(value)
