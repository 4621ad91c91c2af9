"""``detect_anomaly``: stop at the first NaN/inf or gradient blow-up and say where.

The notes ask "how do you know gradients exploded?": the loss swings or becomes NaN, the
gradient norm grows quickly, weights become NaN. Inside ``detect_anomaly(model)``:

* a forward hook on every leaf module raises as soon as a module's output is not finite,
  naming that module (the first one in forward order);
* a hook on every parameter raises as soon as its gradient is not finite, or its norm
  exceeds ``max_grad_norm``, naming the parameter (the first one reached by backward,
  i.e. the one closest to the output where the problem appeared).

    >>> import ember
    >>> net = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU(), ember.nn.Linear(2, 1))
    >>> with ember.train.detect_anomaly(net):
    ...     net(ember.ones(1, 2)).sum().backward()
"""
import numpy as np


class AnomalyError(RuntimeError):
    """Raised by ``detect_anomaly`` with the name of the module or parameter at fault."""

    def __init__(self, message, where=None, kind=None):
        super().__init__(message)
        self.where, self.kind = where, kind


def _finite(t):
    return bool(np.isfinite(t.array).all())


class detect_anomaly:
    def __init__(self, model, max_grad_norm=1e6, check_forward=True):
        self.model, self.max_grad_norm, self.check_forward = model, max_grad_norm, check_forward
        self._handles = []

    def __enter__(self):
        if self.check_forward:
            for name, mod in self.model.named_modules():
                if next(mod.children(), None) is None:      # leaf modules
                    self._handles.append(mod.register_forward_hook(self._forward_hook(name or type(mod).__name__)))
        for name, p in self.model.named_parameters():
            if p.requires_grad:
                self._handles.append(p.register_hook(self._grad_hook(name)))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles = []
        return False

    def _forward_hook(self, name):
        def hook(module, inputs, output):
            outs = output if isinstance(output, (tuple, list)) else (output,)
            for o in outs:
                if hasattr(o, "array") and o.array.dtype.kind == "f" and not _finite(o):
                    bad = "NaN" if np.isnan(o.array).any() else "inf"
                    raise AnomalyError(f"forward: {bad} first appeared in the output of module '{name}' "
                                       f"({type(module).__name__})", where=name, kind="forward")
        return hook

    def _grad_hook(self, name):
        def hook(grad):
            if not _finite(grad):
                bad = "NaN" if np.isnan(grad.array).any() else "inf"
                raise AnomalyError(f"backward: {bad} gradient first appeared in parameter '{name}'",
                                   where=name, kind="nonfinite_grad")
            norm = float(np.sqrt((grad.array.astype(np.float64) ** 2).sum()))
            if norm > self.max_grad_norm:
                raise AnomalyError(f"backward: gradient norm {norm:.3g} of parameter '{name}' exceeds "
                                   f"max_grad_norm={self.max_grad_norm:g} (exploding gradients)",
                                   where=name, kind="grad_norm")
        return hook


def check_loss(loss, step=None):
    """Raise ``AnomalyError`` if the loss is NaN or infinite."""
    v = float(loss.array) if hasattr(loss, "array") else float(loss)
    if not np.isfinite(v):
        at = f" at step {step}" if step is not None else ""
        raise AnomalyError(f"loss is {v}{at}: training diverged", where="loss", kind="loss")
