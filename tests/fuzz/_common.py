"""What every fuzz test asserts: a call into ember either returns or raises a clear error --
a ValueError, TypeError or RuntimeError (or IndexError for an index or dim out of range,
as torch raises), raised by ember itself (not from inside NumPy or Python) with a message
naming the op or the argument -- and never hangs."""
import os
import signal
import threading
import traceback
from contextlib import contextmanager

import ember

CLEAR = (ValueError, TypeError, RuntimeError, IndexError)
EMBER_SRC = os.path.dirname(os.path.abspath(ember.__file__))
HANG_SECONDS = 120    # generous: a first call may JIT-compile (numba) on a busy machine


class Hang(Exception):
    pass


@contextmanager
def _no_hang(seconds=HANG_SECONDS):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def call(fn, *args, names=(), allow=(), **kwargs):
    """``fn(*args, **kwargs)``, or None if it raised a clear error (see the module docstring);
    anything else fails the test. ``names``: words one of which the message must contain
    (the op and the arguments that may be wrong); ``allow``: packages (e.g. "sklearn") whose
    own argument checks count as clear errors."""
    try:
        with _no_hang():
            return fn(*args, **kwargs)
    except Hang:
        raise AssertionError(f"{getattr(fn, '__name__', fn)} hung")
    except CLEAR as e:
        frames = traceback.extract_tb(e.__traceback__)
        where = frames[-1].filename if frames else ""
        msg = str(e)
        trusted = [EMBER_SRC] + [os.path.dirname(__import__(p).__file__) for p in allow]
        assert any(os.path.abspath(where).startswith(t) for t in trusted), (
            f"{type(e).__name__} raised from {where}:{frames[-1].lineno if frames else '?'}, not by ember: {msg}")
        if names:
            assert any(n.lower() in msg.lower() for n in names), (
                f"{type(e).__name__} message names none of {names}: {msg}")
        return None
