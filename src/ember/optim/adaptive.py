"""Adaptive-learning-rate optimizers: Adagrad, Adadelta, RMSprop, Adam, AdamW, NAdam.

Each writes ``torch.optim``'s single-tensor update rule once, line by line (same
defaults, same state names, same order of operations), as a ``_rule`` on arrays that
:class:`~ember.optim.Optimizer` applies per parameter or to a group's concatenated small
parameters; state buffers are allocated once and the temporaries come from scratch pools.
"""
import math

import numpy as np

from .optimizer import Optimizer, _check_number


def _lerp_(a, b, w, tmp):
    """``a += w * (b - a)`` in place, computed as torch's ``lerp_`` does (from the nearer
    end: ``b - (1 - w) * (b - a)`` when ``w >= 0.5``)."""
    np.subtract(b, a, out=tmp)
    if w < 0.5:
        tmp *= w
        a += tmp
    else:
        tmp *= 1 - w
        np.subtract(b, tmp, out=a)


def _addcmul_(a, x, y, value, tmp):
    """``a += value * x * y`` in place."""
    np.multiply(x, y, out=tmp)
    if value != 1:
        tmp *= value
    a += tmp


def _check_betas(owner, betas, where):
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas={betas!r}{where} must be a pair (beta1, beta2)")
    for i, b in enumerate(betas):
        _check_number(owner, f"betas[{i}]", b, low=0, high=1, high_open=True, where=where)


class Adagrad(Optimizer):
    r"""AdaGrad: per-coordinate step sizes from the sum of squared gradients.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1}, \qquad
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\,\eta} \\
        s_t &= s_{t-1} + g_t^2 \qquad (s_0 = \text{initial\_accumulator\_value}) \\
        \theta_t &= \theta_{t-1} - \tilde\gamma_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}

    Args:
        lr (float): :math:`\gamma` (default 1e-2). lr_decay (float): :math:`\eta` (default 0).
        weight_decay (float): :math:`\lambda` (default 0).
        initial_accumulator_value (float): :math:`s_0` (default 0). eps (float): 1e-10.

    State: ``"step"`` (int), ``"sum"``; created when the optimizer is built, as in torch.

        >>> import ember, ember.optim
        >>> w = ember.tensor([3.0], requires_grad=True)
        >>> opt = ember.optim.Adagrad([w], lr=0.5)
        >>> (w * w).sum().backward(); opt.step()
        >>> round(w.item(), 4)       # first step moves by lr * g/|g| = 0.5
        2.5
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    self._init_state(p, state, group)
            self._fused_adopt(group)    # the state just made: small parameters share flat arrays

    def _validate(self, g, where):
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check_number("Adagrad", key, g[key], low=0, where=where)

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["sum"] = self._zeros_like(p.array, group["initial_accumulator_value"])

    def _state_names(self, group):
        return ("sum",)

    def _rule(self, g, s, group, tmp):
        clr = group["lr"] / (1 + (s["step"] - 1) * group["lr_decay"])
        acc, std = s["sum"], tmp(1)
        _addcmul_(acc, g, g, 1, std)
        np.sqrt(acc, out=std)
        std += group["eps"]
        np.divide(g, std, out=std)
        std *= -clr
        return std


class Adadelta(Optimizer):
    r"""AdaDelta: step sizes from the ratio of running RMS of updates and of gradients.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1-\rho) \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma \Delta_t

    Args: lr (1.0), rho (0.9), eps (1e-6), weight_decay (0).
    State: ``"step"``, ``"square_avg"`` (:math:`v`), ``"acc_delta"`` (:math:`u`).

        >>> import ember, ember.optim
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adadelta([w])
        >>> (w * w).sum().backward(); opt.step()
        >>> w.item() < 1.0
        True
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g, where):
        _check_number("Adadelta", "lr", g["lr"], low=0, where=where)
        _check_number("Adadelta", "rho", g["rho"], low=0, high=1, where=where)
        _check_number("Adadelta", "eps", g["eps"], low=0, where=where)
        _check_number("Adadelta", "weight_decay", g["weight_decay"], low=0, where=where)

    def _state_names(self, group):
        return ("square_avg", "acc_delta")

    def _rule(self, g, s, group, tmp):
        rho, eps = group["rho"], group["eps"]
        v, u = s["square_avg"], s["acc_delta"]
        std, delta = tmp(1), tmp(2)
        v *= rho
        _addcmul_(v, g, g, 1 - rho, std)
        np.add(v, eps, out=std)
        np.sqrt(std, out=std)
        np.add(u, eps, out=delta)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        u *= rho
        _addcmul_(u, delta, delta, 1 - rho, std)
        delta *= -group["lr"]
        return delta


class RMSprop(Optimizer):
    r"""RMSProp: divide the gradient by a running RMS of recent gradients.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1-\alpha) g_t \qquad \text{(centered only)}\\
        d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \ \text{(centered)} \quad\text{or}\quad
               \sqrt{v_t} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t / d_t, \quad \theta_t = \theta_{t-1} - \gamma b_t
               \qquad (\mu > 0;\ \text{else } \theta_t = \theta_{t-1} - \gamma g_t/d_t)

    Args: lr (1e-2), alpha (0.99), eps (1e-8), weight_decay (0), momentum (0),
    centered (False).
    State: ``"step"``, ``"square_avg"``, ``"momentum_buffer"`` (momentum > 0),
    ``"grad_avg"`` (centered).

        >>> import ember, ember.optim
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward(); opt.step()
        >>> round(w.item(), 4)       # 1 - 0.01 * 2 / sqrt(0.01 * 4) = 0.9
        0.9
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g, where):
        for key in ("lr", "eps", "momentum", "weight_decay", "alpha"):
            _check_number("RMSprop", key, g[key], low=0, where=where)

    def _state_names(self, group):
        return (("square_avg",) + (("momentum_buffer",) if group["momentum"] > 0 else ())
                + (("grad_avg",) if group["centered"] else ()))

    def _rule(self, g, s, group, tmp):
        alpha, lr, momentum = group["alpha"], group["lr"], group["momentum"]
        v, avg = s["square_avg"], tmp(1)
        v *= alpha
        _addcmul_(v, g, g, 1 - alpha, avg)
        if group["centered"]:
            ga = s["grad_avg"]
            _lerp_(ga, g, 1 - alpha, avg)
            np.multiply(ga, ga, out=avg)
            np.subtract(v, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(v, out=avg)
        avg += group["eps"]
        if momentum > 0:
            buf = s["momentum_buffer"]
            buf *= momentum
            np.divide(g, avg, out=avg)
            buf += avg
            np.multiply(buf, -lr, out=avg)
        else:
            np.divide(g, avg, out=avg)
            avg *= -lr
        return avg


class Adam(Optimizer):
    r"""Adam: bias-corrected running means of the gradient and its square.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1}
            \quad (\text{or } \theta_{t-1} \leftarrow (1-\gamma\lambda)\theta_{t-1}
            \text{ when decoupled, i.e. AdamW}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \ \text{(amsgrad)}\ \text{or}\ v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
                    \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args: lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), amsgrad (False);
    keyword only: maximize (False), decoupled_weight_decay (False).
    State: ``"step"``, ``"exp_avg"``, ``"exp_avg_sq"``, ``"max_exp_avg_sq"`` (amsgrad).

        >>> import ember, ember.optim
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = ember.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> w                          # the first Adam step moves each weight by ~lr
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    _name = "Adam"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, g, where):
        name = self._name
        _check_number(name, "lr", g["lr"], low=0, where=where)
        _check_number(name, "eps", g["eps"], low=0, where=where)
        _check_betas(name, g["betas"], where)
        _check_number(name, "weight_decay", g["weight_decay"], low=0, where=where)

    def _state_names(self, group):
        if group["amsgrad"]:
            return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        return ("exp_avg", "exp_avg_sq")

    def _rule(self, g, s, group, tmp):
        beta1, beta2 = group["betas"]
        step = s["step"]
        m, v, t = s["exp_avg"], s["exp_avg_sq"], tmp(1)
        _lerp_(m, g, 1 - beta1, t)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, t)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = group["lr"] / bias_correction1
        bias_correction2_sqrt = math.sqrt(bias_correction2)
        if group["amsgrad"]:
            vmax = s["max_exp_avg_sq"]
            np.maximum(vmax, v, out=vmax)
            v = vmax
        np.sqrt(v, out=t)
        t /= bias_correction2_sqrt
        t += group["eps"]
        np.divide(m, t, out=t)
        t *= -step_size
        return t


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): before the Adam step,
    :math:`\theta \leftarrow (1 - \gamma\lambda)\,\theta`, instead of adding
    :math:`\lambda\theta` to the gradient (where Adam's adaptive scaling would shrink it).

    Args: lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (**1e-2**),
    amsgrad (False); keyword only: maximize (False).

        >>> import ember, ember.optim
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = ember.zeros(1)    # no gradient: only the decay acts
        >>> opt.step()
        >>> round(w.item(), 4)         # 1 * (1 - 0.1 * 0.5)
        0.95
    """

    _name = "AdamW"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)


class NAdam(Optimizer):
    r"""NAdam: Adam with Nesterov momentum (Dozat), with torch's momentum-decay schedule.

    .. math::
        \mu_t &= \beta_1\left(1 - \tfrac12\, 0.96^{\,t\,\psi}\right), \qquad
        \mu_{t+1} = \beta_1\left(1 - \tfrac12\, 0.96^{\,(t+1)\psi}\right) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        \hat v_t = v_t / (1-\beta_2^t) \\
        \theta_t &= \theta_{t-1}
            - \gamma\,\frac{1-\mu_t}{1-\prod_{i\le t}\mu_i}\,\frac{g_t}{\sqrt{\hat v_t}+\epsilon}
            - \gamma\,\frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\,\frac{m_t}{\sqrt{\hat v_t}+\epsilon}

    with :math:`g_t \leftarrow g_t + \lambda\theta_{t-1}` (or decoupled decay).

    Args: lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0),
    momentum_decay :math:`\psi` (4e-3), decoupled_weight_decay (False); keyword: maximize.
    State: ``"step"``, ``"mu_product"`` (float), ``"exp_avg"``, ``"exp_avg_sq"``.

        >>> import ember, ember.optim
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> w.item() < 1.0
        True
    """

    _scalars = {"mu_product": 1.0}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, g, where):
        _check_number("NAdam", "lr", g["lr"], low=0, where=where)
        _check_number("NAdam", "eps", g["eps"], low=0, where=where)
        _check_betas("NAdam", g["betas"], where)
        _check_number("NAdam", "weight_decay", g["weight_decay"], low=0, where=where)
        _check_number("NAdam", "momentum_decay", g["momentum_decay"], low=0, where=where)

    def _state_names(self, group):
        return ("exp_avg", "exp_avg_sq")

    def _rule(self, g, s, group, tmp):
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        psi = group["momentum_decay"]
        step = s["step"]
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mu_product = s["mu_product"] = s["mu_product"] * mu
        mu_product_next = mu_product * mu_next
        m, v = s["exp_avg"], s["exp_avg_sq"]
        t, denom = tmp(1), tmp(2)
        _lerp_(m, g, 1 - beta1, t)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, t)
        np.divide(v, bias_correction2, out=denom)
        np.sqrt(denom, out=denom)
        denom += eps
        np.divide(g, denom, out=t)
        t *= -lr * (1.0 - mu) / (1.0 - mu_product)
        np.divide(m, denom, out=denom)
        denom *= (-lr * mu_next) / (1.0 - mu_product_next)
        return t, denom     # two additions to the parameter, in this order (as torch's)
