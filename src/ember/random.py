"""Random numbers: ``Generator`` (a seeded stream every random function accepts) and the
default generator behind ``manual_seed``.

    >>> import ember
    >>> g = ember.Generator().manual_seed(0)
    >>> a = ember.randn(3, generator=g)
    >>> b = ember.randn(3, generator=g.manual_seed(0))
    >>> bool((a == b).all())
    True
"""
import numpy as np


class Generator:
    """A reproducible random stream (NumPy's PCG64 underneath)."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63))).initial_seed()

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self

    @property
    def numpy(self):
        """The underlying ``numpy.random.Generator``."""
        return self._rng

    def __repr__(self):
        return f"ember.Generator(seed={self._seed})"


default_generator = Generator().manual_seed(0)


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def rng(generator=None):
    """The NumPy generator behind ``generator`` (or the default one)."""
    if generator is None:
        return default_generator._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be an ember.Generator, got {type(generator).__name__}")
