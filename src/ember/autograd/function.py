"""Graph nodes. A ``Node`` is made by a differentiable op: it knows where the gradient of
each input goes next (``next_edges``) and turns the gradient of its output into the
gradients of its inputs with ember ops, so that the backward pass can itself be recorded
(``create_graph=True``) and differentiated again.

An edge is ``None`` (the input needs no gradient), a leaf ``Tensor`` (accumulate into its
``.grad``) or the ``Node`` that made a non-leaf input. Pointing at nodes rather than at
tensors keeps the graph fixed even if a tensor is later changed in place.
"""
import numpy as np

from .grad_mode import state

_FREED = object()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or to use saved tensors after they "
    "were freed): the first backward() freed them. Pass retain_graph=True to the first "
    "backward() (or autograd.grad) if you need to go through the graph again.")


def _version_error(node, index):
    return RuntimeError(
        f"one of the tensors needed for gradient computation has been modified by an in-place "
        f"operation: input {index} saved by {node.name()} changed after it was saved. "
        f"Make a copy with .clone() before the in-place change, or do the change out of place.")


class Node:
    """Base class of graph nodes. Subclasses implement ``backward(grad) -> tuple``."""

    _hooks = None          # hooks on the gradient of this node's output (non-leaf tensor hooks)
    saved = ()
    _out = None

    def __init__(self, *inputs):
        edges = []      # a plain loop: cheaper than a comprehension for two or three inputs
        for t in inputs:
            edges.append((t.grad_fn or t) if t.__class__ is _Tensor and t.requires_grad else None)
        self.next_edges = edges

    # ---- saved tensors with version checks -------------------------------------------------
    def save(self, *tensors):
        """Keep inputs (tensors or Python numbers) for backward; an in-place change to a saved
        tensor is detected when backward unpacks it."""
        self.saved = tensors
        self._versions = [t._vc[0] if t.__class__ is _Tensor else None for t in tensors]

    def unpack(self):
        saved = self.saved
        if saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        for t, v in zip(saved, self._versions):
            if v is not None and t._vc[0] != v:
                index = next(i for i, (t, v) in enumerate(zip(saved, self._versions))
                             if v is not None and t._vc[0] != v)
                raise _version_error(self, index)
        return saved

    def save_output(self, out):
        """Keep the output's array (not the tensor, to avoid a reference cycle)."""
        self._out = (out.data, out._vc, out._vc[0])

    def output(self):
        """The output as a tensor; inside a recorded backward it is connected to this node."""
        out = self._out
        if out is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        data, vc, version = out
        if vc[0] != version:
            raise _version_error(self, "output")
        if state.enabled:
            return _wrap(data, self)
        return _wrap(data)

    def release(self):
        """Free what was saved for backward (called after backward unless retain_graph)."""
        if self.saved:
            self.saved = _FREED
        if self._out is not None:
            self._out = _FREED

    @classmethod
    def name(cls):
        return cls.__name__

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def register_hook(self, hook):
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def __repr__(self):
        return f"<{self.name()}>"


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _bind(tensor_class, wrap):
    global _Tensor, _wrap
    _Tensor, _wrap = tensor_class, wrap


_Tensor = None
_wrap = None
