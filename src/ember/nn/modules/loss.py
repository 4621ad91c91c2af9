"""Loss modules (``reduction`` = "mean" | "sum" | "none"), including three the notes name
that torch lacks: ``FocalLoss``, ``LargeMarginSoftmaxLoss`` (L-Softmax) and ``CenterLoss``."""
import math
import numbers

import numpy as np

from ... import creation, ops
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor, _wrap
from .. import functional as F
from ...ops.loss import _check_reduction, _reduce
from .. import init
from ..parameter import Parameter
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        _check_reduction(reduction, type(self).__name__) if reduction != "batchmean" else None
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """mean((x - y)^2)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class CrossEntropyLoss(_Loss):
    """Softmax-with-loss: fused log-softmax and negative log-likelihood; its gradient with
    respect to the logits is softmax(z) - onehot(y)."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        if weight is not None:
            self.register_buffer("weight", weight if isinstance(weight, Tensor) else creation.tensor(weight))
        else:
            self.weight = None
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_Loss):
    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class KLDivLoss(_Loss):
    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)


class MultiMarginLoss(_Loss):
    """The multi-class hinge (SVM) loss."""

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.p, self.margin, self.weight = p, margin, weight

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class FocalLoss(_Loss):
    """Focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_t)^gamma so that easy,
    well-classified examples contribute little. ``mode="sigmoid"`` takes logits and 0/1
    targets of the same shape (torchvision's ``sigmoid_focal_loss``); ``mode="softmax"``
    takes (N, C) logits and class indices, with ``alpha`` a per-class weight, one number
    weighting every class, or None."""

    def __init__(self, mode="sigmoid", alpha=0.25, gamma=2.0, reduction="mean"):
        super().__init__(reduction)
        if mode not in ("sigmoid", "softmax"):
            raise ValueError(f"FocalLoss: mode={mode!r} must be 'sigmoid' or 'softmax'")
        if gamma < 0:
            raise ValueError(f"FocalLoss: gamma={gamma} must be non-negative")
        self.mode, self.alpha, self.gamma = mode, alpha, gamma

    def forward(self, input, target):
        if self.mode == "sigmoid":
            alpha = -1 if self.alpha is None else self.alpha
            return F.sigmoid_focal_loss(input, target, alpha, self.gamma, self.reduction)
        alpha = self.alpha
        if alpha is not None and not isinstance(alpha, (Tensor, numbers.Real)):
            alpha = creation.tensor(alpha, dtype=input.dtype)
        return F.softmax_focal_loss(input, target, alpha, self.gamma, self.reduction)


def _cos_m_theta(cos, m):
    """cos(m theta) as a polynomial in cos(theta) (multiple-angle formula)."""
    sin2 = 1 - cos * cos
    out = None
    for n in range(m // 2 + 1):
        term = (cos ** (m - 2 * n)) * (sin2 ** n) * ((-1) ** n * math.comb(m, 2 * n))
        out = term if out is None else out + term
    return out


class LargeMarginSoftmaxLoss(Module):
    """L-Softmax (Liu et al. 2016): a classifier layer plus softmax loss in which the target
    logit ||W_y|| ||x|| cos(theta) is replaced by ||W_y|| ||x|| psi(theta),
    psi(theta) = (-1)^k cos(m theta) - 2k for theta in [k pi/m, (k+1) pi/m]. A margin
    m > 1 demands a larger angular separation between classes; m = 1 is plain softmax.
    ``beta`` blends in the plain logit, (beta * f + f_margin) / (1 + beta), to ease
    early training. ``logits(x)`` gives the plain scores for prediction.
    """

    def __init__(self, in_features, num_classes, margin=2, beta=0.0, reduction="mean", generator=None):
        super().__init__()
        if not isinstance(margin, int) or margin < 1:
            raise ValueError(f"LargeMarginSoftmaxLoss: margin={margin!r} must be an int >= 1")
        if beta < 0:
            raise ValueError(f"LargeMarginSoftmaxLoss: beta={beta} must be non-negative")
        _check_reduction(reduction, "LargeMarginSoftmaxLoss")
        self.in_features, self.num_classes, self.margin, self.beta = in_features, num_classes, margin, beta
        self.reduction = reduction
        self.weight = Parameter(creation.empty(num_classes, in_features))
        init.xavier_uniform_(self.weight, generator=generator)

    def logits(self, input):
        return input @ self.weight.T

    def forward(self, input, target):
        logits = self.logits(input)
        if self.margin == 1:
            return F.cross_entropy(logits, target, reduction=self.reduction)
        t = target.array if isinstance(target, Tensor) else np.asarray(target)
        if t.ndim != 1 or t.shape[0] != input.shape[0]:
            raise ValueError(f"LargeMarginSoftmaxLoss: target shape {tuple(t.shape)} must be ({input.shape[0]},)")
        if t.size and (t.min() < 0 or t.max() >= self.num_classes):
            raise IndexError(f"LargeMarginSoftmaxLoss: target classes must be in [0, {self.num_classes})")
        idx = np.arange(t.shape[0])
        f_y = logits[idx, t]
        norms = self.weight[t].norm(dim=1) * input.norm(dim=1)
        cos = (f_y / (norms + 1e-12)).clamp(-1.0, 1.0)
        m = self.margin
        theta = np.arccos(np.clip(cos.array, -1, 1))
        k = np.minimum(np.floor(theta * m / math.pi), m - 1)
        psi = _cos_m_theta(cos, m) * _wrap(((-1.0) ** k).astype(cos.array.dtype)) - _wrap((2 * k).astype(cos.array.dtype))
        f_margin = (f_y * self.beta + norms * psi) / (1 + self.beta)
        onehot = np.zeros(logits.shape, dtype=bool)
        onehot[idx, t] = True
        new_logits = ops.where(_wrap(onehot), f_margin.reshape(-1, 1), logits)
        return F.cross_entropy(new_logits, target, reduction=self.reduction)

    def extra_repr(self):
        return f"in_features={self.in_features}, num_classes={self.num_classes}, margin={self.margin}"


class CenterLoss(Module):
    """Center loss (Wen et al. 2016): L_C = 1/2 sum_i ||x_i - c_{y_i}||^2 (mean over the
    batch by default), used next to the softmax loss to pull features of a class together.
    The class centres are a buffer updated by their own rule with rate ``alpha`` in
    training mode: c_j <- c_j - alpha * sum_{i: y_i = j} (c_j - x_i) / (1 + n_j)."""

    def __init__(self, num_classes, feat_dim, alpha=0.5, reduction="mean", generator=None):
        super().__init__()
        if not 0 < alpha <= 1:
            raise ValueError(f"CenterLoss: alpha={alpha} must be in (0, 1]")
        _check_reduction(reduction, "CenterLoss")
        self.num_classes, self.feat_dim, self.alpha, self.reduction = num_classes, feat_dim, alpha, reduction
        self.register_buffer("centers", creation.randn(num_classes, feat_dim, generator=generator))

    def forward(self, features, labels):
        if features.ndim != 2 or features.shape[1] != self.feat_dim:
            raise ValueError(f"CenterLoss: features must have shape (N, {self.feat_dim}), got {tuple(features.shape)}")
        y = labels.array if isinstance(labels, Tensor) else np.asarray(labels)
        if y.shape != (features.shape[0],):
            raise ValueError(f"CenterLoss: labels shape {tuple(y.shape)} must be ({features.shape[0]},)")
        if y.size and (y.min() < 0 or y.max() >= self.num_classes):
            raise IndexError(f"CenterLoss: labels must be in [0, {self.num_classes})")
        c = _wrap(self.centers.array[y].astype(features.array.dtype))
        diff = features - c
        loss = (diff * diff).sum(1) * 0.5
        if self.training:
            with no_grad():
                x = features.array
                delta = np.zeros_like(self.centers.array)
                np.add.at(delta, y, self.centers.array[y] - x)
                counts = np.bincount(y, minlength=self.num_classes)[:, None]
                self.centers.array -= self.alpha * delta / (1 + counts)
        return _reduce(loss, self.reduction)

    def extra_repr(self):
        return f"num_classes={self.num_classes}, feat_dim={self.feat_dim}, alpha={self.alpha}"
