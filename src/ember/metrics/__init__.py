"""Metrics with scikit-learn's names: classification curves and scores, information measures, norms.

    >>> from ember.metrics import roc_auc_score, entropy, l2_norm
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
"""
from ember.metrics._classification import (
    UndefinedMetricWarning, accuracy_score, confusion_matrix, f1_score, fbeta_score, log_loss,
    precision_recall_fscore_support, precision_score, recall_score,
)
from ember.metrics._ranking import (
    auc, average_precision_score, precision_recall_curve, roc_auc_score, roc_curve, roc_curve_fast,
)
from ember.metrics.information import (
    conditional_entropy, cross_entropy, entropy, joint_entropy, kl_divergence, mutual_information,
)
from ember.metrics.norms import condition_number, l0_norm, l1_norm, l2_norm

__all__ = [
    "UndefinedMetricWarning", "accuracy_score", "auc", "average_precision_score",
    "condition_number", "conditional_entropy", "confusion_matrix", "cross_entropy", "entropy",
    "f1_score", "fbeta_score", "joint_entropy", "kl_divergence", "l0_norm", "l1_norm", "l2_norm",
    "log_loss", "mutual_information", "precision_recall_curve", "precision_recall_fscore_support",
    "precision_score", "recall_score", "roc_auc_score", "roc_curve", "roc_curve_fast",
]
