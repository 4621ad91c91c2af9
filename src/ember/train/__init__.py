"""Training: ``Trainer``/``fit``, callbacks, history and anomaly detection."""
from .trainer import Trainer, fit  # noqa: F401
from .callbacks import Callback, EarlyStopping, ModelCheckpoint, SwitchOptimizer, LambdaCallback  # noqa: F401
from .history import History  # noqa: F401
from .anomaly import detect_anomaly, AnomalyError, check_loss  # noqa: F401
from .ensemble import Ensemble, SnapshotEnsemble, average_probabilities, fit_blend_weights, cyclic_cosine_lr  # noqa: F401
from .pseudo_label import fit_pseudo_labels  # noqa: F401
from .checkpoint import TrainingCheckpoint, training_state, restore_training_state, resume  # noqa: F401
