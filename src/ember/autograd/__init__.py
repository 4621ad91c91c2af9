"""The autograd engine: ``Tensor``, ``Function`` (how an op is written), the backward walk,
grad mode and gradient checking. Nothing here imports :mod:`ember.ops` or :mod:`ember.nn`:
they build on it (and bind the tensor methods and operators onto ``Tensor``)."""
from .grad_mode import (  # noqa: F401
    no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode, is_inference_mode_enabled,
)
from .tensor import Tensor  # noqa: F401
from .function import Function, Node, once_differentiable  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .gradcheck import numerical_grad, gradcheck, gradgradcheck, GradcheckError  # noqa: F401
from . import functional  # noqa: F401
