"""The fused path of :class:`~ember.optim.Optimizer`: a group's small parameters updated as
one flat array.

With many small parameters (biases, norm scales, a tiny MLP) an optimizer step is Python
overhead: a dozen NumPy calls per parameter on a few dozen values each. So the small
parameters of a group whose state is created on the same step share one flat array per
state buffer (each parameter's state tensor is a reshaped view into it), and a step
copies their gradients into one flat array, runs the optimizer's update rule **once** on
the flat arrays, and adds the result back slice by slice. The rule is the same function
the per-parameter path runs, element by element in the same order, so the result is
bit-identical.

A fused set stays valid only while its members step together: the same parameter list,
every member with a gradient of its own shape and dtype, the same step count, state
untouched from outside. The first step that breaks this dissolves the set for good; its
members keep their state (views into the old flat arrays) and go one by one from then on.
"""
import operator
from dataclasses import dataclass, field

import numpy as np

from ..autograd.tensor import Tensor, _wrap


@dataclass(eq=False)
class Fused:
    """The fused small parameters of one param group and their flat arrays.

    Per member ``i`` (parallel lists): ``members[i]`` the parameter, ``states[i]`` its
    state dict (the one in ``optimizer.state``), ``grad_views[i]`` its slice of ``grad``,
    ``state_checks[i]`` one ``(name, tensor, view)`` per state array: the Tensor in its
    state dict and the slice of ``state[name]`` that Tensor must still wrap."""

    group: dict             # the param group this set belongs to
    params: tuple           # the group's parameter list when the set was made (all of it)
    names: tuple            # the state arrays of the rule (``optimizer._state_names(group)``)
    dtype: np.dtype
    counts_steps: bool      # the rule keeps ``state["step"]`` (SGD does not)
    members: list           # the fused parameters, in group order
    shapes: list
    offsets: list           # member i is ``flat[offsets[i]:offsets[i + 1]]``
    state: dict = field(default_factory=dict)       # name -> flat state array
    rule_state: dict = field(default_factory=dict)  # what the rule sees: ``state`` and scalars
    grad: np.ndarray = None     # the members' gradients, gathered each step
    states: list = field(default_factory=list)
    grad_views: list = field(default_factory=list)
    state_checks: list = field(default_factory=list)
    step: int = 0           # updates made by the set (equal to each member's ``"step"``)
    scalars: dict = field(default_factory=dict)     # scalar state kept equal across members
    rest: list = field(default_factory=list)        # the group's other parameters
    scratch: list = field(default_factory=list)     # flat temporaries of the rule, by slot
    data: np.ndarray = None     # the members' values, gathered on demand (``values``)
    data_views: list = None
    datas: list = None          # the members' ``.data`` arrays during a step
    _views: dict = field(default_factory=dict)      # id(own flat array) -> (it, its slices)
    _rows: list = None      # zip(members, states, shapes, grad_views, state_checks), made once

    @classmethod
    def new(cls, group, members, dtype, names, counts_steps):
        sizes = [p.array.size for p in members]
        fused = cls(group=group, params=tuple(group["params"]), names=names, dtype=dtype,
                    counts_steps=counts_steps, members=list(members),
                    shapes=[p.array.shape for p in members],
                    offsets=np.concatenate([[0], np.cumsum(sizes)]).tolist())
        fused.grad = fused._flat()
        fused.grad_views = fused.split(fused.grad)
        views = []
        for name in names:
            fused.state[name] = fused._flat(zeros=True)
            views.append(fused.split(fused.state[name]))
        fused.rule_state = dict(fused.state)
        fused.states = [{} for _ in members]
        fused.state_checks = [tuple((name, _wrap(v[i]), v[i]) for name, v in zip(names, views))
                              for i in range(len(members))]
        fused._rows = list(zip(fused.members, fused.states, fused.shapes, fused.grad_views,
                               fused.state_checks))     # (a list of tuples: the fastest loop)
        return fused

    def __repr__(self):
        return (f"Fused({len(self.members)} of {len(self.params)} parameters, "
                f"{self.offsets[-1]} values, state {self.names}, step {self.step})")

    # ---- flat arrays ---------------------------------------------------------------------------
    def _flat(self, zeros=False):
        """A new flat array of the set (its member slices made once, for ``split``)."""
        n = self.offsets[-1]
        flat = np.zeros(n, dtype=self.dtype) if zeros else np.empty(n, dtype=self.dtype)
        o = self.offsets
        self._views[id(flat)] = (flat, [flat[a:b].reshape(s)
                                        for a, b, s in zip(o, o[1:], self.shapes)])
        return flat

    def split(self, flat):
        """The members' slices of a flat array, reshaped."""
        got = self._views.get(id(flat))
        if got is not None and got[0] is flat:
            return got[1]
        o = self.offsets
        return [flat[a:b].reshape(s) for a, b, s in zip(o, o[1:], self.shapes)]

    def tmp(self, slot):
        """Flat scratch array number ``slot`` (contents undefined), made on first use."""
        try:
            return self.scratch[slot]
        except IndexError:
            while len(self.scratch) <= slot:
                self.scratch.append(self._flat())
            return self.scratch[slot]

    def values(self):
        """The members' current values, gathered into one flat array (valid during a step)."""
        if self.data is None:
            self.data = self._flat()
            self.data_views = self.split(self.data)
        for view, d in zip(self.data_views, self.datas):
            view[...] = d
        return self.data

    def install(self, state):
        """Make each member's state dict the set's (its arrays views into the flat ones)."""
        for p, st, checks in zip(self.members, self.states, self.state_checks):
            st.update((name, t) for name, t, _ in checks)
            if self.counts_steps:
                st["step"] = self.step
            st.update(self.scalars)
            state[p] = st
        ids = {id(p) for p in self.members}
        self.rest = [p for p in self.group["params"] if id(p) not in ids]

    # ---- a step --------------------------------------------------------------------------------
    def gather(self, state, group):
        """Check that every member still steps with this set (same parameter list, a
        gradient of the right shape and dtype, untouched state) and copy the gradients into
        ``grad``; return False (and gather nothing) if the set is no longer valid."""
        params = group["params"]
        if group is not self.group or len(params) != len(self.params) \
                or not all(map(operator.is_, params, self.params)):
            return False
        dtype, step, scalars, counts = self.dtype, self.step, self.scalars, self.counts_steps
        datas = []
        for p, st, shape, gview, checks in self._rows:
            g = p.grad
            if g is None:
                return False
            gd, d = g.array, p.array
            if (type(d) is not np.ndarray or type(gd) is not np.ndarray or d.shape != shape
                    or gd.shape != shape or d.dtype != dtype or gd.dtype != dtype
                    or state.get(p) is not st or (counts and st.get("step") != step)):
                return False
            if scalars:
                for k, v in scalars.items():
                    if st.get(k) != v:
                        return False
            for name, t, view in checks:
                if st.get(name) is not t or t.array is not view:
                    return False
            gview[...] = gd     # (same dtype and shape: a plain copy, cheaper than copyto)
            datas.append(d)
        self.datas = datas
        return True

    def scatter(self, update, decay):
        """Each member ``d = d * decay + update`` (its slices; ``decay`` None for none;
        ``update`` a flat array or a tuple of them, added one after the other), then the
        step bookkeeping."""
        if decay is None and update.__class__ is not tuple:    # (the usual case: inlined)
            got = self._views.get(id(update))
            views = got[1] if got is not None and got[0] is update else self.split(update)
            for d, u in zip(self.datas, views):
                d += u
        else:
            parts = [self.split(u) for u in update] if update.__class__ is tuple \
                else [self.split(update)]
            for i, d in enumerate(self.datas):
                if decay is not None:
                    d *= decay
                for views in parts:
                    d += views[i]
        step, counts, scalars = self.step, self.counts_steps, self.scalars
        for p, st in zip(self.members, self.states):
            if counts:
                st["step"] = step
            if scalars:
                st.update(scalars)
            vc = getattr(p, "_vc", None)
            if vc is not None:  # a graph that saved the old value must not reuse it
                vc[0] += 1
        self.datas = None


def _small(p, limit):
    d = p.array
    return type(d) is np.ndarray and d.size <= limit and d.dtype.kind == "f"


def build(opt, group, names):
    """A fused set from the small parameters of ``group`` that have a gradient and no state
    yet (their state is made here, by ``opt._init_state``, and copied into the flat arrays);
    None if fewer than two qualify or the optimizer's state is not the layout expected."""
    params, state = group["params"], opt.state
    if len({id(p) for p in params}) != len(params):
        return None
    members, dtype, limit = [], None, opt._fuse_max_numel
    for p in params:
        g = p.grad
        if (g is None or state.get(p) or not _small(p, limit) or type(g.array) is not np.ndarray
                or g.array.shape != p.array.shape or g.array.dtype != p.array.dtype):
            continue
        if dtype is None:
            dtype = p.array.dtype
        if p.array.dtype == dtype:
            members.append(p)
    if len(members) < 2:
        return None
    counts, scalars = opt._counts_steps, opt._scalars
    fused = Fused.new(group, members, dtype, names, counts)
    expected = {"step", *names, *scalars} if counts else set()
    for p, checks in zip(members, fused.state_checks):
        fresh = {}
        opt._init_state(p, fresh, group)
        if set(fresh) != expected or (counts and fresh["step"] != 0):
            return None     # the subclass's state is not what the fused rule expects
        if counts:      # (else zeros: the first update fills them)
            for name, _, view in checks:
                view[...] = fresh[name].array
        for k in scalars:
            if fused.scalars.setdefault(k, fresh[k]) != fresh[k]:
                return None
    fused.install(state)
    return fused


def adopt(opt, group, names):
    """After ``load_state_dict``: a fused set from the small parameters of ``group`` whose
    loaded state has the fused layout and common scalar state (the loaded values are
    copied into new flat arrays; nothing else refers to the loaded arrays yet)."""
    params = group["params"]
    if len({id(p) for p in params}) != len(params):
        return None
    counts, scalars = opt._counts_steps, tuple(opt._scalars)
    keys = {"step", *names, *scalars} if counts else set(names)
    members, dtype, common, limit = [], None, None, opt._fuse_max_numel
    for p in params:
        st, d = opt.state.get(p), p.array
        if (not st or not _small(p, limit) or set(st) != keys
                or (counts and type(st["step"]) is not int)):
            continue
        if not all(isinstance(st[n], Tensor) and type(st[n].array) is np.ndarray
                   and st[n].array.shape == d.shape and st[n].array.dtype == d.dtype
                   for n in names):
            continue
        # (no step count: past the first update, as the buffers exist)
        s = (st["step"] if counts else 1,) + tuple(st[k] for k in scalars)
        if dtype is None:
            dtype, common = d.dtype, s
        if d.dtype == dtype and s == common:
            members.append(p)
    if len(members) < 2:
        return None
    fused = Fused.new(group, members, dtype, names, counts)
    fused.step = common[0]
    fused.scalars = dict(zip(scalars, common[1:]))
    for p, checks in zip(members, fused.state_checks):
        loaded = opt.state[p]
        for name, _, view in checks:
            view[...] = loaded[name].array
    fused.install(opt.state)
    return fused
