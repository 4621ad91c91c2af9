"""One BLAS thread for a block of small products, without rescanning the loaded libraries.

``threadpoolctl.threadpool_limits`` walks every loaded shared library on each call (about
3 ms); an SVC with 21 class pairs, or a k-NN query in blocks, paid that per call.  One
``ThreadpoolController`` made at first use and reused makes entering the limit ~25 us.
(A BLAS loaded after the first call is not seen; the NumPy and SciPy ones are loaded first.)
"""
from threadpoolctl import ThreadpoolController

_controller = None


def blas_threads(n=1):
    """Context manager limiting the BLAS libraries to ``n`` threads."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=n, user_api="blas")
