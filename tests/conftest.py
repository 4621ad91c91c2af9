import os

# Same BLAS thread count everywhere; 2 cores in CI.
os.environ.setdefault("OMP_NUM_THREADS", "2")

from hypothesis import settings  # noqa: E402

settings.register_profile("ember", deadline=None, max_examples=20, derandomize=True,
                          print_blob=True)
settings.load_profile("ember")
