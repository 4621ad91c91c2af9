"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and L2 weight
decay, exactly as ``torch.optim.SGD``."""
import numpy as np

from .optimizer import Optimizer, _check_number


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), PyTorch's update rule.

    With gradient :math:`g_t` of parameter :math:`\theta_{t-1}`:

    .. math::
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1}                      && \text{(weight decay)}\\
        b_t &= \begin{cases} g_t & t = 1 \\ \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1\end{cases}
             && \text{(momentum } \mu \text{, dampening } \tau)\\
        g_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\ b_t & \text{otherwise}\end{cases}\\
        \theta_t &= \theta_{t-1} - \gamma\, g_t

    (the momentum lines apply only when :math:`\mu \ne 0`). Note this is torch's form of
    momentum, where the learning rate multiplies the buffer, not Sutskever's
    :math:`v = \mu v + \gamma g`; they agree for a constant learning rate.

    Args:
        params: iterable of tensors or of param-group dicts.
        lr (float): learning rate :math:`\gamma` (default 1e-3).
        momentum (float): momentum factor :math:`\mu` (default 0).
        dampening (float): dampening :math:`\tau` for momentum (default 0).
        weight_decay (float): L2 penalty :math:`\lambda` (default 0); adds
            :math:`\lambda\theta` to the gradient, the gradient of
            :math:`\frac{\lambda}{2}\lVert\theta\rVert^2`.
        nesterov (bool): Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize (bool): maximise the objective instead (keyword only).

    State per parameter: ``"momentum_buffer"`` (only when momentum != 0).

        >>> import ember, ember.optim
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> round(w.item(), 4)      # 1 - 0.1*2 = 0.8; b = 0.9*2 + 1.6 = 3.4; 0.8 - 0.34
        0.46
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g, where):
        _check_number("SGD", "lr", g["lr"], low=0, where=where)
        _check_number("SGD", "momentum", g["momentum"], low=0, where=where)
        _check_number("SGD", "dampening", g["dampening"], where=where)
        _check_number("SGD", "weight_decay", g["weight_decay"], low=0, where=where)
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ValueError(f"SGD: nesterov=True{where} requires momentum > 0 and dampening=0, "
                             f"got momentum={g['momentum']}, dampening={g['dampening']}")

    #: torch's SGD keeps no step count: the momentum buffer is made by the first update
    _counts_steps = False

    def _state_names(self, group):
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _rule(self, g, s, group, tmp):
        lr, momentum = group["lr"], group["momentum"]
        t = tmp(1)
        if momentum != 0:
            b = s["momentum_buffer"]
            if s["first"]:      # the buffer starts as a copy of the gradient
                b[...] = g
            else:
                b *= momentum
                damp = group["dampening"]
                if damp == 0:
                    b += g
                else:
                    np.multiply(g, 1 - damp, out=t)
                    b += t
            if group["nesterov"]:
                np.multiply(b, momentum, out=t)
                np.add(g, t, out=t)
                g = t
            else:
                g = b
        np.multiply(g, -lr, out=t)
        return t
