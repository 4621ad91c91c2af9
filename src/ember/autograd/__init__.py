"""The autograd engine: ``Tensor``, graph nodes, ``backward``/``grad``, grad mode and gradient checking."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled  # noqa: F401
from .tensor import Tensor  # noqa: F401
from .function import Node  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .gradcheck import numerical_grad, gradcheck, gradgradcheck, GradcheckError  # noqa: F401
from . import _methods

_methods.bind()
