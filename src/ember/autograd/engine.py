"""The backward pass: an iterative walk of the graph in reverse topological order.

``backward`` accumulates into leaves' ``.grad``; ``grad`` returns the gradients of chosen
inputs without touching ``.grad``. Both run with grad mode off unless ``create_graph``,
in which case the backward computation is recorded like any other and can be
differentiated again (second and higher derivatives).

The walk keeps one record per node, ``[consumers still to send a gradient, the gradient
summed so far, whether the walk allocated that gradient]``: a node runs once all its
consumers have reported, and a gradient the walk allocated itself may be added into in
place. Without ``create_graph`` the gradients travel between nodes as plain arrays (no
tensor is made for an intermediate gradient); leaves, hooks and nodes whose backward is
written for tensors get them as tensors.
"""
import numpy as np

from .function import _Grads
from .grad_mode import state
from .tensor import Tensor, _wrap


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _root_grads(outputs, grad_outputs):
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                f"nothing to differentiate. Did you create it under no_grad, or forget "
                f"requires_grad=True on the inputs?")
        if g is None:
            if out.array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but output {i} "
                    f"has shape {tuple(out.shape)}; pass gradient= (backward) or grad_outputs= "
                    f"(autograd.grad) with a tensor of that shape, e.g. ember.ones_like(out)")
            d = out.array
            g = _wrap(np.array(1, dtype=d.dtype) if d.ndim == 0 and type(d) is np.ndarray
                      else np.ones_like(d))
        elif not isinstance(g, Tensor):
            try:
                g = _wrap(np.asarray(g, dtype=out.array.dtype))
            except (TypeError, ValueError):
                raise TypeError(f"backward: gradient {i} must be a tensor (or array) shaped like the "
                                f"output, got {type(g).__name__} {g!r:.40}") from None
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"mismatch in shape: grad_output {i} has shape {tuple(g.shape)} but output {i} "
                f"has shape {tuple(out.shape)}")
        if g.array.dtype != out.array.dtype:        # torch casts (an int gradient= must not
            if g.requires_grad:                     # leave an int .grad)
                g = g.to(out.array.dtype)
            else:
                g = _wrap(g.array.astype(out.array.dtype))
        grads.append(g)
    return grads


def _key(t):
    return t.grad_fn if t.grad_fn is not None else t


def _walk(outputs, grads, retain_graph, create_graph, capture=None):
    """Propagate ``grads`` from ``outputs``. With ``capture`` (a dict whose keys are the
    target tensors' nodes, or the tensors themselves for leaves), collect the targets'
    gradients there and leave ``.grad`` alone; otherwise accumulate into the leaves."""
    arrays = not create_graph
    given = set()       # arrays already handed to some leaf's .grad (or the caller's own)
    for g in grads:
        arr = g.array
        given.add(id(arr if arr.base is None else arr.base))

    def to_leaf(leaf, g):
        if g.dtype != leaf.array.dtype:     # a gradient has its tensor's dtype (torch casts too)
            g = g.astype(leaf.array.dtype) if arrays else g.to(leaf.array.dtype)
        if leaf._hooks:
            g = _run_hooks(leaf._hooks, g, arrays)
        if capture is not None:
            if leaf in capture:
                prev = capture[leaf]
                capture[leaf] = g if prev is None else prev + g
        elif arrays:
            _deliver(leaf, g, given)
        else:
            leaf.grad = g if leaf.grad is None else leaf.grad + g

    records = {}
    roots = []
    for out, g in zip(outputs, grads):
        if arrays:
            g = g.array
        node = out.grad_fn
        if node is None:
            to_leaf(out, g.copy() if arrays else g)
            continue
        rec = records.get(node)
        if rec is None:
            records[node] = [0, g, False]
            roots.append(node)
        else:
            rec[1] = np.asarray(rec[1] + g) if arrays else rec[1] + g
            rec[2] = arrays
    _count_consumers(roots, records, capture)

    ready = [n for n in roots if n in records and records[n][0] == 0]
    while ready:
        node = ready.pop()
        rec = records[node]
        g = rec[1]
        rec[1] = None
        edges = node.next_edges
        if g is None:           # nothing arrived: pass "no gradient" down
            in_grads = (None,) * len(edges)
        else:
            if node._hooks:
                g = _run_hooks(node._hooks, g, arrays)
            if capture is not None and node in capture:
                prev = capture[node]
                capture[node] = g if prev is None else prev + g
            in_grads = node._backward(g)
            if not retain_graph:
                node.release()
        for edge, gi in zip(edges, in_grads):
            if edge is None:
                continue
            if isinstance(edge, Tensor):
                if gi is not None:
                    to_leaf(edge, gi)
                continue
            rec = records.get(edge)
            if rec is None:     # autograd.grad: leads to no target
                continue
            if gi is not None:
                cur = rec[1]
                if cur is None:
                    rec[1] = gi
                elif rec[2]:
                    np.add(cur, gi, out=cur)
                else:
                    s = cur + gi
                    if arrays and s.__class__ is not _Grads:
                        s = np.asarray(s)       # (0-d arrays add up to NumPy scalars)
                        rec[2] = True
                    rec[1] = s
            left = rec[0] - 1
            rec[0] = left
            if left == 0:
                ready.append(edge)


def _run_hooks(hooks, g, arrays):
    """Hooks see tensors; a returned tensor replaces the gradient."""
    t = _wrap(g) if arrays else g
    for hook in hooks:
        r = hook(t)
        if r is not None:
            t = r
    return t.array if arrays else t


def _count_consumers(roots, records, capture):
    """Add a record for every node reachable from the roots, counting the consumers that
    will send it a gradient. With ``capture`` (autograd.grad), only nodes that lead to a
    target get a record."""
    if capture is None:
        stack = list(roots)
        while stack:
            for e in stack.pop().next_edges:
                if e is not None and not isinstance(e, Tensor):
                    rec = records.get(e)
                    if rec is None:
                        records[e] = [1, None, False]
                        stack.append(e)
                    else:
                        rec[0] += 1
        return
    children = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        kids = [e for e in node.next_edges if e is not None and not isinstance(e, Tensor)]
        children[node] = kids
        stack.extend(k for k in kids if k not in children)
    # a node is needed if it is a target or leads to a target (leaf or node): an iterative
    # post-order walk
    leads = {}
    for start in roots:
        stack = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                leads[node] = node in capture or any(
                    e is not None and (e in capture if isinstance(e, Tensor) else leads.get(e, False))
                    for e in node.next_edges)
            elif node not in leads:
                stack.append((node, True))
                stack.extend((k, False) for k in children[node] if k not in leads)
    for node in roots:
        if not leads[node]:
            del records[node]
    for node, kids in children.items():
        if leads[node]:
            for k in kids:
                if leads[k]:
                    rec = records.get(k)
                    if rec is None:
                        records[k] = [1, None, False]
                    else:
                        rec[0] += 1


def _deliver(leaf, arr, given):
    """Accumulate the array ``arr`` into ``leaf.grad`` (no graph recorded). A leaf's ``.grad``
    must be its own writable array (users zero_() it in place): an array already handed
    out, or a read-only view, is copied."""
    base = arr.base
    owner = id(arr if base is None else base)
    if owner in given or not arr.flags.writeable:
        arr = arr.copy()
        owner = id(arr)
    given.add(owner)
    if leaf.grad is None:
        leaf.grad = _wrap(arr)
    else:
        leaf.grad = _wrap(leaf.grad.array + arr)


def _run(outputs, grad_outputs, retain_graph, create_graph, capture=None):
    grads = _root_grads(outputs, grad_outputs)
    prev = state.enabled
    state.enabled = bool(create_graph)
    try:
        _walk(outputs, grads, retain_graph, create_graph, capture)
    finally:
        state.enabled = prev


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (only of
    ``inputs``, if given).

    ``retain_graph`` defaults to ``create_graph``: without it the saved tensors are freed
    and a second backward through the same graph raises.
    """
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"backward: got {len(grads)} gradients for {len(outputs)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        _run(outputs, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    capture = dict.fromkeys(_key(t) for t in inputs)
    _run(outputs, grads, retain_graph, create_graph, capture)
    for t in inputs:
        g = capture[_key(t)]
        if g is not None:
            if not create_graph:
                g = _wrap(np.array(g))
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (``.grad`` is not
    touched). With ``create_graph=True`` the result is itself differentiable.

        >>> import ember
        >>> x = ember.tensor(3.0, requires_grad=True)
        >>> (dx,) = ember.autograd.grad(x ** 3, x, create_graph=True)
        >>> (d2x,) = ember.autograd.grad(dx, x)
        >>> dx.item(), d2x.item()
        (27.0, 18.0)
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad: got {len(grads)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: inputs[{i}] does not require grad, so it has no gradient; "
                f"create it with requires_grad=True (or call .requires_grad_())")
    if retain_graph is None:
        retain_graph = create_graph
    capture = dict.fromkeys(_key(t) for t in inputs)
    _run(outputs, grads, retain_graph, create_graph, capture)
    out = []
    for i, t in enumerate(inputs):
        g = capture[_key(t)]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: inputs[{i}] was not used to compute the outputs; pass allow_unused=True "
                f"to get None for it")
        if g is not None and not create_graph:
            g = _wrap(np.array(g))
        out.append(g)
    return tuple(out)


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see :func:`ember.autograd.backward`)."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


Tensor.backward = _tensor_backward
