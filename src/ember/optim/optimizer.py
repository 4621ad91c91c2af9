"""``Optimizer``: the base class of every ember optimizer, with PyTorch's semantics.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus that group's
hyper-parameters, filled from ``defaults``) and ``state`` (a dict from parameter to its
buffers: momentum, running averages, step counts). ``step()`` walks every parameter whose
``.grad`` is not ``None`` and updates ``p.array`` **in place**, with no graph, using
preallocated state buffers and a small pool of scratch arrays, so a step allocates no
parameter-sized temporaries after the first one.

    >>> import ember, ember.optim
    >>> w = ember.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ember.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()       # grad = 2 w
    >>> opt.step()                     # w <- w - 0.1 * 2 w
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)

A subclass writes its update rule **once**, on arrays, and the base class applies it:

* ``_validate(group, where)``: raise ``ValueError`` for a bad hyper-parameter; called for
  ``defaults`` and for every group added (so a group's own ``lr=-1`` is caught too);
* ``_state_names(group)``: the names of the state arrays shaped like the parameter
  (``("exp_avg", "exp_avg_sq")``); the class attribute ``_scalars`` names the scalar state
  besides the step count, with initial values (NAdam's ``{"mu_product": 1.0}``), and
  ``_counts_steps = False`` marks a rule that keeps no ``"step"`` (SGD);
* ``_rule(g, s, group, tmp)``: the update rule. ``g`` is the gradient as every rule sees
  it (negated under ``maximize``, plus ``weight_decay * param`` for coupled weight decay;
  formed once, here, by :meth:`_effective_grad`; read only: it may be ``p.grad``'s own
  array). ``s`` holds the state arrays by name, ``"step"`` (this update's number, from 1),
  ``"first"`` (True on the parameter's first update) and the ``_scalars`` (a new value
  written into ``s`` is kept). ``tmp(i)`` is scratch array ``i`` (1, 2, ...; contents
  undefined). The rule updates the state arrays in place and returns what to add to the
  parameter: an array, or a tuple of arrays added one after the other. Decoupled weight
  decay (``decoupled_weight_decay=True``: AdamW) is the base class's too: it multiplies
  the parameter by ``1 - lr * weight_decay`` before adding;
* ``_init_state(p, state, group)`` (optional): the state of a parameter before its first
  update; by default ``step = 0``, the ``_scalars``, and zeros for the state arrays (a
  state array still missing at an update is made then, as zeros, e.g. SGD's buffer).

The base class applies the rule to each parameter (the arrays shaped like it) or, for
speed with many small parameters, once to the flat concatenation of a group's small
parameters (:mod:`ember.optim._fused`): the arrays are then flat, the arithmetic the same
element by element, so the result is bit-identical. Heavy-ball momentum, for example:

    >>> import numpy as np
    >>> class HeavyBall(ember.optim.Optimizer):
    ...     def __init__(self, params, lr=0.1, momentum=0.9):
    ...         super().__init__(params, dict(lr=lr, momentum=momentum))
    ...     def _state_names(self, group):
    ...         return ("buf",)
    ...     def _rule(self, g, s, group, tmp):      # b <- momentum b + g; p <- p - lr b
    ...         b = s["buf"]
    ...         b *= group["momentum"]
    ...         b += g
    ...         return np.multiply(b, -group["lr"], out=tmp(1))
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = HeavyBall([w])
    >>> for _ in range(2):
    ...     w.grad = ember.ones(1)
    ...     opt.step()
    >>> round(w.item(), 4)      # 1 - 0.1 * 1 - 0.1 * 1.9
    0.71

``state_dict()`` uses torch's layout (``{"state": {index: {...}}, "param_groups": [{...,
"params": [index, ...]}]}``) with the state arrays as ember Tensors and ``"step"`` as an
int, so a torch optimizer's state dict loads into the matching ember optimizer and the
other way round after converting the tensors.
"""
import math
import numbers
import warnings
from collections import defaultdict
from functools import partial
from itertools import chain

import numpy as np

from .. import backend
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.tensor import Tensor, _wrap
from . import _fused


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
    return p.array.dtype.kind == "f"


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``'s semantics).

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param
            groups: ``{"params": [...], "lr": ..., ...}``, options missing from a group
            are taken from ``defaults``).
        defaults: the default hyper-parameters of every group.
    """

    #: the rule counts its updates in ``state["step"]`` (False: SGD, whose state is made by
    #: its first update)
    _counts_steps = True

    #: scalar state entries besides the step count, with their initial values (NAdam's
    #: ``mu_product``); a fused set keeps them equal across its members
    _scalars = {}

    #: parameters with at most this many elements may share flat state arrays (above it
    #: the extra copy of the gradient costs more than the per-parameter calls it saves)
    _fuse_max_numel = 4096

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._validate(self.defaults, "")
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch, self._scratch_views = {}, {}
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

    def _state_names(self, group):
        """The names of the state arrays (shaped like the parameter) of the rule for ``group``."""
        return ()

    def _init_state(self, p, state, group):
        """Fill the empty ``state`` of parameter ``p`` before its first update."""
        if not self._counts_steps:
            return      # (the first update makes the arrays)
        state["step"] = 0
        state.update(self._scalars)
        for name in self._state_names(group):
            state[name] = self._zeros_like(p.array)

    def _rule(self, g, s, group, tmp):  # pragma: no cover - abstract
        """The update rule on arrays (see the module docstring); returns the array (or
        tuple of arrays) to add to the parameter."""
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
                    p.grad.array[...] = 0

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
                names = self._state_names(group)
                params = self._step_fused(group, names) if names else group["params"]
                if params:
                    self._step_params(params, group, names)
        return loss

    def _step_params(self, params, group, names):
        """Apply the rule to each parameter of ``params`` that has a gradient, in place."""
        state, rule, buffer = self.state, self._rule, self._buffer
        counts, scalars = self._counts_steps, self._scalars
        coupled, maximize, decay = self._grad_terms(group)
        for p in params:
            g = p.grad
            if g is None:
                continue
            d, grad = p.array, g.array
            if grad.shape != d.shape:
                raise RuntimeError(f"{type(self).__name__}: a parameter of shape "
                                   f"{tuple(p.shape)} has a gradient of shape {tuple(grad.shape)}")
            st = state[p]
            if not st:
                self._init_state(p, st, group)
            s, first = {}, False
            for name in names:
                t = st.get(name)
                if t is None:   # made by the first update (SGD), or an option turned on later
                    t = st[name] = self._zeros_like(d)
                    first = True
                s[name] = t.array
            if counts:
                step = st["step"] = st["step"] + 1
                s["step"], first = step, step == 1
            s["first"] = first
            for k in scalars:
                s[k] = st[k]
            tmp = partial(buffer, d)
            if coupled or maximize:
                grad = self._effective_grad(grad, d, coupled, maximize, tmp)
            update = rule(grad, s, group, tmp)
            for k in scalars:
                st[k] = s[k]
            if decay is not None:
                d *= decay
            if update.__class__ is tuple:
                for u in update:
                    d += u
            else:
                d += update
            vc = getattr(p, "_vc", None)
            if vc is not None:  # a graph that saved the old value must not reuse it
                vc[0] += 1

    def _step_fused(self, group, names):
        """Apply the rule once to the fused small parameters of ``group`` (made on their
        first step); return the group's other parameters, to update one by one (all of
        them when there is no valid fused set)."""
        key = id(group)
        fused = self._fused.get(key)
        if fused is not None and (fused.names != names or not fused.gather(self.state, group)):
            # the set stopped stepping together (or the group changed): its members keep
            # their state (views into the old flat arrays) and go one by one from now on
            del self._fused[key]
            fused = None
        if fused is None:
            fused = _fused.build(self, group, names)
            if fused is None or not fused.gather(self.state, group):
                return group["params"]
            self._fused[key] = fused
        fused.step = step = fused.step + 1
        s = fused.rule_state    # (the flat state arrays, and what is set here)
        if self._counts_steps:
            s["step"] = step
        s["first"] = step == 1
        scalars = fused.scalars
        if scalars:
            s.update(scalars)
        coupled, maximize, decay = self._grad_terms(group)
        grad, tmp = fused.grad, fused.tmp
        if coupled or maximize:
            grad = self._effective_grad(grad, fused, coupled, maximize, tmp)
        update = self._rule(grad, s, group, tmp)
        for k in scalars:
            scalars[k] = s[k]
        fused.scatter(update, decay)
        return fused.rest

    def _fused_adopt(self, group):
        """A fused set from the small parameters of ``group`` whose state was just made or
        loaded (their arrays are copied into flat ones)."""
        names = self._state_names(group)
        fused = _fused.adopt(self, group, names) if names else None
        if fused is not None:
            self._fused[id(group)] = fused

    def _buffer(self, like, slot):
        """A scratch array shaped like ``like`` (contents undefined), from a pool shared by
        all parameters: one flat array per (slot, dtype, array module), grown to the
        largest parameter, so scratch memory is a few times the largest parameter. The
        reshaped views are kept, so that a step asks the pool only once per shape."""
        key = (slot, like.shape, like.dtype, type(like))
        view = self._scratch_views.get(key)
        if view is None:
            xp = backend.get_array_module(like)
            flat_key = (slot, like.dtype, xp)
            buf = self._scratch.get(flat_key)
            n = like.size
            if buf is None or buf.size < n:
                buf = self._scratch[flat_key] = xp.empty(n, dtype=like.dtype)
                self._scratch_views.clear()     # (views of the old array would keep it alive)
            view = self._scratch_views[key] = buf[:n].reshape(like.shape)
        return view

    # ---- the gradient a rule sees: maximize and weight decay, once for every optimizer --------
    @staticmethod
    def _grad_terms(group):
        """``(coupled, maximize, decay)`` for ``group``: the coupled weight decay added to the
        gradient (0 for none), whether to negate the gradient, and decoupled weight decay's
        factor ``1 - lr * weight_decay`` on the parameter (AdamW; None for none)."""
        wd, decay = group.get("weight_decay", 0), None
        if wd != 0 and group.get("decoupled_weight_decay", False):
            wd, decay = 0, 1 - group["lr"] * wd
        return wd, group.get("maximize", False), decay

    @staticmethod
    def _effective_grad(grad, data, coupled, maximize, tmp):
        """The gradient the rule sees, formed as torch does, in ``tmp(0)``: ``-grad`` under
        ``maximize``, then plus ``coupled * param`` (coupled weight decay). ``data`` is the
        parameter's array, or a fused set (whose values are then gathered)."""
        out = tmp(0)
        if coupled != 0:
            np.multiply(data.values() if data.__class__ is _fused.Fused else data, coupled,
                        out=out)
            (np.subtract if maximize else np.add)(out, grad, out=out)
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
        if key == "step" or key in self._scalars:
            v = _to_numpy(value)
            v = v.item() if isinstance(v, np.ndarray) else v
            return int(round(v)) if key == "step" else float(v)
        if value is None:
            return None
        arr = _to_numpy(value)
        if not isinstance(arr, np.ndarray):
            return value
        if arr.shape != p.array.shape:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state {key!r} has shape "
                             f"{arr.shape}, its parameter has shape {tuple(p.array.shape)}")
        xp = backend.get_array_module(p.array)
        out = xp.array(arr, dtype=p.array.dtype if arr.dtype.kind == "f" else arr.dtype, copy=True)
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
        self._scratch, self._scratch_views = {}, {}
        self._fused = {}


def _snapshot(v):
    if isinstance(v, Tensor):
        return _wrap(v.array.copy())
    if isinstance(v, np.ndarray):
        return v.copy()
    return v


def _to_numpy(value):
    """ember Tensor / NumPy / torch tensor / number -> NumPy array (or the number)."""
    if isinstance(value, Tensor):
        return backend.to_numpy(value.array)
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        return value.detach().cpu().numpy()
    if isinstance(value, (numbers.Number, np.generic)):
        return value
    return np.asarray(value)
