"""The backward pass: an iterative walk of the graph in reverse topological order.

``backward`` accumulates into leaves' ``.grad``; ``grad`` returns the gradients of chosen
inputs without touching ``.grad``. Both run with grad mode off unless ``create_graph``,
in which case the backward computation is recorded like any other and can be
differentiated again (second and higher derivatives).
"""
import numpy as np

from .function import Node
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
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but output {i} "
                    f"has shape {tuple(out.shape)}; pass gradient= (backward) or grad_outputs= "
                    f"(autograd.grad) with a tensor of that shape, e.g. ember.ones_like(out)")
            d = out.data
            g = _wrap(np.array(1, dtype=d.dtype) if d.ndim == 0 and type(d) is np.ndarray
                      else np.ones_like(d))
        elif not isinstance(g, Tensor):
            g = _wrap(np.asarray(g, dtype=out.data.dtype))
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"mismatch in shape: grad_output {i} has shape {tuple(g.shape)} but output {i} "
                f"has shape {tuple(out.shape)}")
        grads.append(g)
    return grads


def _run(outputs, grad_outputs, retain_graph, create_graph, targets=None):
    """Propagate gradients from ``outputs``. With ``targets`` (tensors), return their
    gradients (and leave ``.grad`` alone); otherwise accumulate into leaves' ``.grad``."""
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                f"nothing to differentiate. Did you create it under no_grad, or forget "
                f"requires_grad=True on the inputs?")
    grads = _root_grads(outputs, grad_outputs)
    if targets is None and not create_graph:
        prev = state.enabled
        state.enabled = False
        try:
            _accumulate(outputs, grads, retain_graph)
        finally:
            state.enabled = prev
        return None

    capture = None
    if targets is not None:
        capture = {}
        for t in targets:
            capture[id(t.grad_fn) if t.grad_fn is not None else id(t)] = None

    prev = state.enabled
    state.enabled = bool(create_graph)
    try:
        buffers = {}        # node -> gradient of its output (summed over consumers)
        owned = set()       # ids of buffer arrays we allocated ourselves (safe to add into)
        given = set()       # ids of arrays already stored in some leaf's .grad in this pass

        def deliver_leaf(leaf, g):
            if leaf._hooks:
                for hook in leaf._hooks:
                    r = hook(g)
                    if r is not None:
                        g = r
            if capture is not None:
                key = id(leaf)
                if key in capture:
                    prev_g = capture[key]
                    capture[key] = g if prev_g is None else prev_g + g
                return
            if not create_graph:
                # a leaf's .grad must be its own writable array (users zero_() it in place)
                arr = g.data
                owner = id(arr if arr.base is None else arr.base)
                if owner in given or not arr.flags.writeable:
                    g = _wrap(arr.copy())
                    owner = id(g.data)
                given.add(owner)
                if g.grad_fn is not None:
                    g = g.detach()
            if leaf.grad is None:
                leaf.grad = g
            elif create_graph:
                leaf.grad = leaf.grad + g
            else:
                leaf.grad = _wrap(leaf.grad.data + g.data)

        for g in grads:   # never hand the caller's own gradient array to a leaf
            given.add(id(g.data if g.data.base is None else g.data.base))
        roots = []
        for out, g in zip(outputs, grads):
            if out.grad_fn is None:
                deliver_leaf(out, _wrap(g.data.copy()) if not create_graph else g)
                continue
            node = out.grad_fn
            if node in buffers:
                buffers[node] = buffers[node] + g
                owned.add(id(buffers[node].data))
            else:
                buffers[node] = g
                roots.append(node)

        deps, needed = _dependencies(roots, capture)
        ready = [n for n in roots if deps.get(n, 0) == 0]
        while ready:
            node = ready.pop()
            g = buffers.pop(node, None)
            if g is not None and node._hooks:
                for hook in node._hooks:
                    r = hook(g)
                    if r is not None:
                        g = r
            if capture is not None and id(node) in capture and g is not None:
                prev_g = capture[id(node)]
                capture[id(node)] = g if prev_g is None else prev_g + g
            if g is None:           # nothing arrived: pass "no gradient" down
                in_grads = (None,) * len(node.next_edges)
            else:
                in_grads = node.backward(g)
                if not retain_graph:
                    node.release()
            for edge, gi in zip(node.next_edges, in_grads):
                if edge is None:
                    continue
                if edge.__class__ is Tensor:
                    if gi is not None:
                        deliver_leaf(edge, gi)
                    continue
                if needed is not None and edge not in needed:
                    continue
                if gi is not None:
                    cur = buffers.get(edge)
                    if cur is None:
                        buffers[edge] = gi
                    elif not create_graph and id(cur.data) in owned:
                        cur.data += gi.data
                    else:
                        s = cur + gi
                        buffers[edge] = s
                        owned.add(id(s.data))
                left = deps[edge] - 1
                deps[edge] = left
                if left == 0:
                    ready.append(edge)
    finally:
        state.enabled = prev
    return capture


def _accumulate(outputs, grads, retain_graph):
    """``_run`` for the common case, ``backward()`` without ``create_graph`` or
    ``inputs``: the same walk in the same order, with the leaf delivery inlined and, per
    node, one record ``[consumers still to send a gradient, gradient so far]`` instead of
    separate dependency and buffer dicts."""
    owned = set()       # ids of buffer arrays we allocated ourselves (safe to add into)
    given = set()       # ids of arrays already stored in some leaf's .grad in this pass
    for g in grads:     # never hand the caller's own gradient array to a leaf
        arr = g.data
        given.add(id(arr if arr.base is None else arr.base))
    records = {}
    roots = []
    for out, g in zip(outputs, grads):
        node = out.grad_fn
        if node is None:
            _deliver(out, _wrap(g.data.copy()), given)
            continue
        rec = records.get(node)
        if rec is not None:
            rec[1] = rec[1] + g
            owned.add(id(rec[1].data))
        else:
            records[node] = [0, g]
            roots.append(node)

    # count, for every node reachable from the roots, the consumers that will send it a
    # gradient (as _dependencies does)
    stack = list(roots)
    while stack:
        for e in stack.pop().next_edges:
            if e is not None and e.__class__ is not Tensor:
                rec = records.get(e)
                if rec is None:
                    records[e] = [1, None]
                    stack.append(e)
                else:
                    rec[0] += 1

    ready = [n for n in roots if records[n][0] == 0]
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
                for hook in node._hooks:
                    r = hook(g)
                    if r is not None:
                        g = r
            in_grads = node.backward(g)
            if not retain_graph:
                node.release()
        for edge, gi in zip(edges, in_grads):
            if edge is None:
                continue
            if edge.__class__ is Tensor:
                if gi is not None:
                    _deliver(edge, gi, given)
                continue
            rec = records[edge]
            if gi is not None:
                cur = rec[1]
                if cur is None:
                    rec[1] = gi
                elif id(cur.data) in owned:
                    cur.data += gi.data
                else:
                    s = cur + gi
                    rec[1] = s
                    owned.add(id(s.data))
            left = rec[0] - 1
            rec[0] = left
            if left == 0:
                ready.append(edge)


def _deliver(leaf, g, given):
    """Accumulate ``g`` into ``leaf.grad`` (no graph recorded): after the leaf's hooks, a
    leaf's ``.grad`` must be its own writable array (users zero_() it in place)."""
    if leaf._hooks:
        for hook in leaf._hooks:
            r = hook(g)
            if r is not None:
                g = r
    arr = g.data
    base = arr.base
    owner = id(arr if base is None else base)
    if owner in given or not arr.flags.writeable:
        g = _wrap(arr.copy())
        owner = id(g.data)
    given.add(owner)
    if g.grad_fn is not None:
        g = g.detach()
    if leaf.grad is None:
        leaf.grad = g
    else:
        leaf.grad = _wrap(leaf.grad.data + g.data)


def _dependencies(roots, capture):
    """Count, for every node reachable from the roots, how many consumers will send it a
    gradient. With ``capture`` (autograd.grad), keep only nodes that lead to a target."""
    if capture is None:
        deps = {}
        seen = set(roots)
        stack = list(roots)
        while stack:
            for e in stack.pop().next_edges:
                if e is not None and e.__class__ is not Tensor:
                    deps[e] = deps.get(e, 0) + 1
                    if e not in seen:
                        seen.add(e)
                        stack.append(e)
        return deps, None

    children = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        kids = [e for e in node.next_edges if e is not None and e.__class__ is not Tensor]
        children[node] = kids
        for k in kids:
            if k not in seen:
                seen.add(k)
                stack.append(k)
    # a node is needed if it is a target or leads to a target leaf or a needed node;
    # resolved with an iterative post-order walk
    needed = set()
    leads = {}
    for start in roots:
        if start in leads:
            continue
        stack = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                ok = id(node) in capture or any(
                    e is not None and (id(e) in capture if e.__class__ is Tensor else leads.get(e, False))
                    for e in node.next_edges)
                leads[node] = ok
                if ok:
                    needed.add(node)
                continue
            if node in leads:
                continue
            stack.append((node, True))
            for k in children[node]:
                if k not in leads:
                    stack.append((k, False))
    deps = {}
    for node, kids in children.items():
        if node not in needed:
            continue
        for k in kids:
            if k in needed:
                deps[k] = deps.get(k, 0) + 1
    return deps, needed


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    ``retain_graph`` defaults to ``create_graph``: without it the saved tensors are freed
    and a second backward through the same graph raises.
    """
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"backward: got {len(grads)} gradients for {len(outputs)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        result = _run(outputs, grads, retain_graph, create_graph, targets=inputs)
        for t in inputs:
            g = result[id(t.grad_fn) if t.grad_fn is not None else id(t)]
            if g is not None:
                if not create_graph:
                    g = g.detach()
                t.grad = g if t.grad is None else t.grad + g
        return
    _run(outputs, grads, retain_graph, create_graph)


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
    single = isinstance(inputs, Tensor)
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
    result = _run(outputs, grads, retain_graph, create_graph, targets=inputs)
    out = []
    for i, t in enumerate(inputs):
        g = result[id(t.grad_fn) if t.grad_fn is not None else id(t)]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: inputs[{i}] was not used to compute the outputs; pass allow_unused=True "
                f"to get None for it")
        if g is not None and not create_graph and g.grad_fn is not None:
            g = g.detach()
        out.append(g)
    return tuple(out)
