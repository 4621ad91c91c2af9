"""``Function``: how a differentiable op is written, with PyTorch's contract.

    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):              # x as given to apply(); runs without recording
            ctx.save_for_backward(x)
            return x.array ** 3            # an array or a Tensor
        @staticmethod
        def backward(ctx, g):             # written with ember ops
            x, = ctx.saved_tensors
            return g * 3 * x * x          # one gradient per forward argument (None for non-tensors)

    y = Cube.apply(x)

``apply`` runs ``forward`` and, when grad mode is on and an argument requires grad, makes
``ctx`` (an instance of the Function: the graph node) the ``grad_fn`` of the outputs.
``backward`` is written with ember ops, so when the backward pass is itself recorded
(``create_graph=True``) it is differentiated like any other code: second derivatives come
for free. A gradient whose shape is a broadcast of the input's is summed back to it.

Every built-in op of ember is written this way; ``forward`` usually computes on the
arrays (``x.array``) and returns an array.

The engine sees a graph node through three things: ``next_edges`` (per argument: None,
a leaf Tensor whose ``.grad`` receives the gradient, or the node that made a non-leaf),
``_backward(grad)`` (the gradients of the arguments, one per edge: arrays when the
backward is not recorded, tensors when it is) and ``release()`` (free what was saved,
after a backward without ``retain_graph``). Pointing at nodes rather than tensors keeps
the graph fixed even if a tensor is later changed in place. A function with several
differentiable outputs gives each its own small ``_Output`` node, which hands the
gradient to the function in its place.
"""
import functools

import numpy as np

from .grad_mode import state
from .tensor import Tensor, _wrap, _RemovableHandle

_FREED = object()
_new = object.__new__
_ndarray = np.ndarray

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or to use saved tensors after they "
    "were freed): the first backward() freed them. Pass retain_graph=True to the first "
    "backward() (or autograd.grad) if you need to go through the graph again.")


def _version_error(node, which):
    return RuntimeError(
        f"one of the tensors needed for gradient computation has been modified by an in-place "
        f"operation: {which} saved by {node.name()} changed after it was saved. "
        f"Make a copy with .clone() before the in-place change, or do the change out of place.")


class Node:
    """A node of the graph (see the module docstring for the engine's contract)."""
    __slots__ = ("__dict__", "__weakref__")

    _hooks = None           # hooks on the gradient of this node's output (non-leaf tensor hooks)
    next_edges = ()

    def _backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self):
        pass

    @classmethod
    def name(cls):
        return cls.__name__

    def register_hook(self, hook):
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    @property
    def next_functions(self):
        """torch's view of the edges: one ``(node, 0)`` pair per argument; a leaf that
        requires grad appears as an ``AccumulateGrad`` node (its ``.variable`` is the leaf),
        an argument that needs no gradient as ``(None, 0)`` (trailing ones, which are
        mostly non-tensor arguments such as ``dim``, are left out)."""
        edges = list(self.next_edges)
        while edges and edges[-1] is None:
            edges.pop()
        return tuple((AccumulateGrad(e) if isinstance(e, Tensor) else e, 0) for e in edges)

    def __repr__(self):
        return f"<{self.name()}>"


class AccumulateGrad(Node):
    """How ``next_functions`` shows a leaf: the node that would add into ``variable.grad``."""

    def __init__(self, variable):
        self.variable = variable

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    __hash__ = Node.__hash__


class _NoGradients:
    """``ctx.needs_input_grad`` when nothing is recorded: False for every argument."""

    def __getitem__(self, i):
        return False if isinstance(i, int) else ()

    def __iter__(self):
        return iter(())

    def __repr__(self):
        return "(False, ...)"


_NO_GRADIENTS = _NoGradients()


class Function(Node):
    """Base class of differentiable ops (see the module docstring). Subclasses define the
    static methods ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` and are called
    with ``apply(*args)``; ``ctx`` is the node of the graph. ``ctx.needs_input_grad`` says,
    per argument, whether its gradient is wanted.

    ``array_backward = True`` declares that ``backward`` uses only Python operators and
    methods that NumPy arrays share with tensors (``*``, ``/``, ``@``, ``.T``,
    ``.reshape``, ``.sum``, comparisons): when the backward pass is not recorded it then
    runs on the arrays themselves (``g`` and ``saved_tensors`` are arrays, and so may be
    the results), which skips the per-op dispatch; under ``create_graph`` it runs on
    tensors as usual. The formula is written once either way.
    """

    # the fields every recorded node has live in slots (no per-node dict unless forward
    # stores more); _shapes: per argument, the shape of a tensor that needs a gradient, else None
    __slots__ = ("next_edges", "_shapes", "_saved", "_versions")
    _materialize = True
    _non_diff = None
    _dirty = None
    _marked = False         # mark_non_differentiable or mark_dirty was called
    _outputs = None         # (shapes, dtypes) of a function with several outputs
    array_backward = False

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward"       # torch's name for the node of MyOp is MyOpBackward

    @staticmethod
    def forward(ctx, *args):  # pragma: no cover - abstract
        raise NotImplementedError("a Function must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
        raise NotImplementedError("a Function must define backward(ctx, *grads) to be differentiated")

    # ---- the context API -------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Keep tensors (inputs or outputs, or None) for backward; an in-place change to one
        of them before backward raises a clear error. Arrays come back as constant tensors,
        Python numbers as they are."""
        self._saved = tensors

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        out = []
        arrays = self.array_backward and not state.enabled
        i = 0
        versions = self._versions
        for t in saved:
            v = versions[i]
            if v is None:                           # a constant (number, array) or None
                if not arrays and t is not None and hasattr(t, "shape"):
                    t = _wrap(t)
            elif v.__class__ is tuple:              # an output: (array, counter, version, index)
                t = self._unpack_output(v, arrays)
            else:                                   # a tensor saved at version v
                if t._vc[0] != v:
                    raise _version_error(self, f"argument {i} of save_for_backward")
                if arrays:
                    t = t.array
            out.append(t)
            i += 1
        return tuple(out)

    @property
    def needs_input_grad(self):
        shapes = getattr(self, "_shapes", None)         # (unset while nothing is recorded)
        return _NO_GRADIENTS if shapes is None else tuple([s is not None for s in shapes])

    def mark_non_differentiable(self, *outputs):
        """These outputs get no gradient (e.g. indices); backward receives zeros for them."""
        self._non_diff = {id(o) for o in outputs}
        self._marked = True

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors):
        """These arguments were changed in place by forward (and are returned by it)."""
        self._dirty = {id(t) for t in tensors}
        self._marked = True

    # ---- apply -----------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Run ``forward`` on ``args``; record the graph if grad mode is on and an argument
        requires grad."""
        ctx = _new(cls)
        if state.enabled:
            edges = None
            i = 0
            for t in args:          # (a plain loop: cheaper than comprehensions here)
                if isinstance(t, Tensor) and t.requires_grad:
                    if edges is None:
                        n = len(args)
                        edges, shapes = [None] * n, [None] * n
                    edges[i] = t.grad_fn or t
                    shapes[i] = t.array.shape
                i += 1
            if edges is not None:
                ctx.next_edges = edges
                ctx._shapes = shapes
                ctx._saved = ctx._versions = ()
                state.enabled = False
                try:
                    out = cls.forward(ctx, *args)
                finally:
                    state.enabled = True
                if out.__class__ is tuple or ctx._marked:
                    res = ctx._wrap_outputs(out if out.__class__ is tuple else (out,), args)
                    return res if out.__class__ is tuple else res[0]
                res = _new(Tensor)      # (_wrap inlined: this is the hottest path of ember)
                res.array = out if out.__class__ is _ndarray else _as_array(out)
                res.grad, res.grad_fn, res.requires_grad, res._vc, res._hooks = None, ctx, True, [0], None
                if ctx._saved:
                    ctx._freeze_saved(((out, res, None),))
                return res
        out = cls.forward(ctx, *args)
        if out.__class__ is _ndarray:
            res = _new(Tensor)
            res.array, res.grad, res.grad_fn, res.requires_grad, res._vc, res._hooks = out, None, None, False, [0], None
            return res
        if out.__class__ is tuple:
            return tuple([o if o is None or isinstance(o, Tensor) else _wrap(o) for o in out])
        return out if isinstance(out, Tensor) else _wrap(out)

    def _unpack_output(self, saved, arrays):
        """A saved output as an array, or as a tensor connected to this node (its output
        ``index`` for a several-output function) when the backward is recorded."""
        data, vc, version, index = saved
        if vc[0] != version:
            raise _version_error(self, "an output")
        if arrays:
            return data
        if not state.enabled:
            return _wrap(data)
        return _wrap(data, self if index is None else _Output(self, index, len(self._outputs[0])))

    def _freeze_saved(self, outputs):
        """After forward: note the versions of the saved tensors (to catch in-place changes),
        and where forward saved one of its own outputs (``(returned, tensor, index)``):
        backward gets that as a tensor connected to this node (so the backward of the
        backward is right), while the node keeps only its array (no reference cycle)."""
        versions = []
        for t in self._saved:
            v = None
            for out, res, index in outputs:
                if t is out and res.grad_fn is not None:
                    v = (res.array, res._vc, res._vc[0], None if res.grad_fn is self else index)
                    break
            else:
                if isinstance(t, Tensor):
                    v = t._vc[0]
            versions.append(v)
        self._versions = versions

    def _wrap_outputs(self, outs, args):
        """Several outputs (or marked ones): the differentiable ones share this node."""
        non_diff = self._non_diff or ()
        dirty = self._dirty or ()
        datas = [o.array if isinstance(o, Tensor) else o for o in outs]
        diff = [i for i, o in enumerate(outs) if o is not None and id(o) not in non_diff
                and np.asarray(datas[i]).dtype.kind in "fc"]
        self._outputs = ([np.shape(d) for d in datas], [np.asarray(d).dtype for d in datas])
        self._diff = diff
        res = []
        for i, (o, d) in enumerate(zip(outs, datas)):
            if o is None:
                res.append(None)
                continue
            node = None
            if i in diff:
                node = self if len(diff) == 1 else _Output(self, i, len(outs))
            if id(o) in dirty:
                t = next(a for a in args if a is o)
                if t.requires_grad and t.grad_fn is None and node is not None:
                    raise RuntimeError(
                        f"{self.name()}: a leaf tensor that requires grad was modified in place "
                        f"(mark_dirty); do it on a .clone()")
                t.grad_fn, t.requires_grad = node, node is not None or t.requires_grad
                t._vc[0] += 1
                res.append(t)
            else:
                res.append(_wrap(d, node) if node is not None else _wrap(d))
        if self._saved:
            self._freeze_saved([(o, r, i) for i, (o, r) in enumerate(zip(outs, res)) if r is not None])
        return tuple(res)

    # ---- backward (called by the engine) ---------------------------------------------------
    def _backward(self, g):
        """The gradients of the arguments from the gradient of the output(s): arrays when the
        backward is not recorded (``g`` is then an array too), tensors when it is."""
        cls = self.__class__
        arrays = not state.enabled
        if self._outputs is not None:
            gs = self._output_grads(g, arrays)
            if arrays and not cls.array_backward:
                gs = [None if gi is None else _wrap(gi) for gi in gs]
            grads = cls.backward(self, *gs)
        elif arrays and not cls.array_backward:
            grads = cls.backward(self, _wrap(g))
        else:
            grads = cls.backward(self, g)       # (array_backward: on the arrays)
        if grads.__class__ is not tuple:
            grads = tuple(grads) if isinstance(grads, list) else (grads,)
        shapes = self._shapes
        if len(grads) != len(shapes):
            grads = self._check_count(grads)
        i = 0
        kind = _ndarray if arrays else Tensor
        for gi in grads:
            # (a gradient for an argument that needs none is ignored by the engine)
            if gi is not None and shapes[i] is not None and (gi.__class__ is not kind or gi.shape != shapes[i]):
                return [gi if gi is None or shapes[k] is None else self._fit(gi, k, arrays)
                        for k, gi in enumerate(grads)]
            i += 1
        return grads

    def _check_count(self, grads):
        n = len(self._shapes)
        if len(grads) < n or any(gi is not None for gi in grads[n:]):
            raise RuntimeError(
                f"{self.name()}.backward returned {len(grads)} gradients but forward took "
                f"{n} arguments (one gradient, or None, per argument)")
        return grads[:n]

    def _fit(self, g, i, arrays):
        """The gradient of argument ``i`` as the walk wants it (an array, or a tensor when
        the backward is recorded), summed back over broadcast dimensions to the argument's
        shape (torch's rule)."""
        if isinstance(g, Tensor):
            if arrays:
                g = g.array
        elif arrays and isinstance(g, (_ndarray, np.generic)):
            g = np.asarray(g)
        else:
            raise TypeError(f"{self.name()}.backward returned a {type(g).__name__} as the "
                            f"gradient of argument {i}; expected a Tensor or None")
        shape = self._shapes[i]
        if g.shape == shape:
            return g
        try:
            ok = np.broadcast_shapes(g.shape, shape) == g.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"{self.name()}.backward returned a gradient of shape "
                               f"{tuple(g.shape)} for argument {i} of shape {tuple(shape)}")
        return _sum_to_array(g, shape) if arrays else SumTo.apply(g, shape)

    def _output_grads(self, g, arrays):
        """The gradient of each output of a several-output function (zeros or None where none
        arrived)."""
        n = len(self._outputs[0])
        if g.__class__ is _Grads:
            grads = list(g)
        else:
            grads = [None] * n
            grads[self._diff[0]] = g
        if self._materialize:
            shapes, dtypes = self._outputs
            for i in range(n):
                if grads[i] is None:
                    zeros = np.zeros(shapes[i], dtype=dtypes[i] if dtypes[i].kind in "fc" else np.float32)
                    grads[i] = zeros if arrays else _wrap(zeros)
        return grads

    def release(self):
        if self._saved:
            self._saved = _FREED
            self._versions = ()     # (a saved output's array lives here)


class SumTo(Function):
    """Sum ``x`` down to ``shape``, the inverse of broadcasting ``shape`` up to ``x.shape``
    (what every broadcasting op's gradient needs, so it lives beside the engine)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.array.shape
        return _sum_to_array(x.array, shape)

    @staticmethod
    def backward(ctx, g):
        return BroadcastTo.apply(g, ctx.in_shape), None


class BroadcastTo(Function):
    """A read-only broadcast view of ``x`` with ``shape``; its gradient is :class:`SumTo`."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.array.shape
        return np.broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx, g):
        return SumTo.apply(g, ctx.in_shape), None


def _as_array(out):
    """The array of what a forward returned (a Tensor, an array or a NumPy scalar)."""
    return out.array if isinstance(out, Tensor) else _wrap(out).array


def _sum_to_array(a, shape):
    shape = tuple(shape)
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
    out = a.sum(axis=axes, keepdims=True)
    return out.reshape(shape) if lead else out


class _Grads(list):
    """The gradients of a several-output function's outputs, gathered by its ``_Output``
    nodes; adding two adds them output by output."""

    def __add__(self, other):
        return _Grads(a if b is None else b if a is None else a + b for a, b in zip(self, other))


class _Output(Node):
    """The ``grad_fn`` of output ``index`` of a function with several differentiable
    outputs: it hands its gradient to the function in its place."""

    def __init__(self, fn, index, n):
        self.next_edges = (fn,)
        self.fn, self.index, self.n = fn, index, n

    def _backward(self, g):
        grads = _Grads([None] * self.n)
        grads[self.index] = g
        return (grads,)

    def name(self):
        return self.fn.name()


class _DelayedError(Node):
    """The node of a gradient computed by a ``once_differentiable`` backward under
    ``create_graph``: differentiating it again raises."""

    def __init__(self, name, inputs):
        self.next_edges = [(t.grad_fn or t) if isinstance(t, Tensor) and t.requires_grad else None
                           for t in inputs]
        self.fn_name = name

    def _backward(self, g):
        raise RuntimeError(f"trying to differentiate twice a function that was marked with "
                           f"@once_differentiable ({self.fn_name}.backward)")


def once_differentiable(backward):
    """Decorator for a ``backward`` written on arrays or otherwise not differentiable: it runs
    without recording, and differentiating its result again raises a clear error."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        recording = state.enabled
        state.enabled = False
        try:
            result = backward(ctx, *grads)
        finally:
            state.enabled = recording
        if not recording or not any(isinstance(g, Tensor) and g.requires_grad for g in grads):
            return result
        single = not isinstance(result, (tuple, list))
        outs = tuple(_wrap(r.array, _DelayedError(ctx.name(), grads)) if isinstance(r, Tensor) else r
                     for r in ((result,) if single else result))
        return outs[0] if single else outs
    return wrapper
