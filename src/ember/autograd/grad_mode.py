"""Grad mode: whether ops record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

A single process-wide flag (ember runs its parallel work in processes, not threads), read
on every op, so it is a plain attribute.
"""
import functools


class _State:
    enabled = True


state = _State()


def is_grad_enabled():
    """True when ops record the graph for backward."""
    return state.enabled


class set_grad_enabled:
    """Context manager (and function) that turns graph recording on or off.

        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> with ember.set_grad_enabled(False):
        ...     (x * 2).requires_grad
        False
    """

    def __init__(self, mode):
        self.prev = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.enabled = self.prev
        return False


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        state.enabled = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Inside ``with no_grad():`` (or a function decorated by it) no graph is recorded.

        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> with ember.no_grad():
        ...     y = x * 2
        >>> y.requires_grad, y.grad_fn
        (False, None)
    """
    mode = False


class enable_grad(_GradModeContext):
    """Turns graph recording back on inside a ``no_grad`` block."""
    mode = True


class inference_mode(_GradModeContext):
    """torch's ``inference_mode(mode=True)``: in ember the same as ``no_grad`` (torch also
    skips version counting there; ember's costs nothing to keep)."""

    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(not self.mode):
                return func(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled():
    return not state.enabled
