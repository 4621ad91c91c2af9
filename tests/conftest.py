import os

# One BLAS thread in the test process: the suite's matrices are small, and on a 2-core
# machine shared with other work, two BLAS threads made small products up to 25x slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

_limits = threadpool_limits(1)
try:
    import torch  # noqa: E402
    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass

settings.register_profile("ember", deadline=None, max_examples=20, derandomize=True,
                          print_blob=True)
settings.load_profile("ember")


@pytest.fixture
def torch_float32_default():
    """torch with the default dtype a fresh torch has (float32), for tests that compare with
    what torch does by default: the parity harness sets float64 for the modules it serves."""
    import torch
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    yield
    torch.set_default_dtype(old)
