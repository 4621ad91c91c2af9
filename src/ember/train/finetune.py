"""Fine-tuning a pretrained network: freeze and unfreeze parameters by name pattern,
replace the classifier head, per-group learning rates, and batch norm kept in eval mode
while its layer is frozen (a frozen BN layer that still updated its running statistics on
the new data would shift the features the frozen layers after it were trained on).

The notes' four cases (small/large new data set x similar/different to the pretraining
data): small and similar -> freeze everything but a new head; large and similar -> fine-tune
all with a small learning rate; small and different -> freeze only the early (generic)
layers; large and different -> fine-tune all or train from scratch.

    >>> import ember
    >>> from ember.train import finetune
    >>> m = ember.models.resnet20(num_classes=10)
    >>> finetune.replace_head(m, 5)
    'fc'
    >>> frozen = finetune.freeze(m, ["conv1.*", "bn1.*", "layer1.*"])
    >>> groups = finetune.param_groups(m, {"fc.*": 1e-2}, default_lr=1e-3)
    >>> [len(g["params"]) for g in groups], [g["lr"] for g in groups]
    ([2, 36], [0.01, 0.001])
"""
import fnmatch

from .. import nn

_BN_TYPES = (nn.BatchNorm1d, nn.BatchNorm2d)


def _patterns(patterns, where):
    if isinstance(patterns, str):
        patterns = [patterns]
    patterns = list(patterns)
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise ValueError(f"{where}: patterns={patterns!r} must be a non-empty string or list of strings")
    return patterns


def _matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _keep_eval(module, inputs):
    module.__dict__["training"] = False


def _sync_batchnorm(model):
    """Hold every batch-norm layer whose parameters are all frozen in eval mode (a forward
    pre-hook, so ``model.train()`` cannot switch it back); release the others."""
    for m in model.modules():
        if not isinstance(m, _BN_TYPES):
            continue
        params = [p for p in (m.weight, m.bias) if p is not None]
        frozen = bool(params) and not any(p.requires_grad for p in params)
        handle = m.__dict__.get("_finetune_eval_hook")
        if frozen and handle is None:
            m.__dict__["_finetune_eval_hook"] = m.register_forward_pre_hook(_keep_eval)
            m.__dict__["training"] = False
        elif not frozen and handle is not None:
            handle.remove()
            del m.__dict__["_finetune_eval_hook"]


def freeze(model, patterns="*", bn_eval=True):
    """Stop the gradient of every parameter whose name matches one of the glob
    ``patterns`` (``"layer1.*"``, ``"features.0.*"``); with ``bn_eval`` the batch-norm layers
    so frozen stay in eval mode (running statistics fixed). Returns the frozen names; a
    pattern that matches nothing raises ``ValueError`` (a typo would otherwise silently
    fine-tune everything)."""
    patterns = _patterns(patterns, "freeze")
    names = [n for n, _ in model.named_parameters()]
    unused = [p for p in patterns if not any(fnmatch.fnmatchcase(n, p) for n in names)]
    if unused:
        raise ValueError(f"freeze: pattern(s) {unused} match no parameter; names look like {names[:4]}")
    frozen = []
    for n, p in model.named_parameters():
        if _matches(n, patterns):
            p.requires_grad_(False)
            p.grad = None
            frozen.append(n)
    if bn_eval:
        _sync_batchnorm(model)
    return frozen


def unfreeze(model, patterns="*"):
    """Let the matching parameters learn again (and their batch norms follow ``train()``)."""
    patterns = _patterns(patterns, "unfreeze")
    names = [n for n, p in model.named_parameters() if _matches(n, patterns)]
    for n, p in model.named_parameters():
        if n in names:
            p.requires_grad_(True)
    _sync_batchnorm(model)
    return names


def trainable_parameters(model):
    return [p for p in model.parameters() if p.requires_grad]


def find_head(model):
    """The dotted name of the classifier: the last ``Linear`` (or, for networks that end in
    a 1x1 convolution such as DPN, that convolution) among the model's modules."""
    head = None
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear) or (isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)):
            head = name
    if head is None:
        raise ValueError(f"find_head: {type(model).__name__} has no Linear layer to replace")
    return head


def replace_head(model, num_classes, name=None):
    """Replace the classifier (``name``, default :func:`find_head`) by a freshly initialised
    layer with ``num_classes`` outputs and the same inputs; returns its name."""
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"replace_head: num_classes={num_classes!r} must be a positive int")
    name = name or find_head(model)
    parent_name, _, leaf = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    old = getattr(parent, leaf) if not leaf.isdigit() else parent[int(leaf)]
    if isinstance(old, nn.Linear):
        new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    elif isinstance(old, nn.Conv2d):
        new = nn.Conv2d(old.in_channels, num_classes, 1, bias=old.bias is not None)
    else:
        raise ValueError(f"replace_head: {name!r} is a {type(old).__name__}, expected Linear or a 1x1 Conv2d")
    setattr(parent, leaf, new) if not leaf.isdigit() else parent.add_module(leaf, new)
    return name


def param_groups(model, lrs, default_lr=None):
    """Optimizer parameter groups by name pattern: ``lrs`` maps glob pattern -> learning
    rate (the first matching pattern wins, in order); the rest go in a group with
    ``default_lr`` (left out if None). Frozen parameters are left out.

    >>> # opt = ember.optim.SGD(param_groups(m, {"fc.*": 1e-2}, 1e-4), lr=1e-4, momentum=0.9)
    """
    groups = {pat: [] for pat in lrs}
    rest = []
    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue
        pat = next((q for q in lrs if fnmatch.fnmatchcase(n, q)), None)
        (groups[pat] if pat is not None else rest).append(p)
    out = [{"params": ps, "lr": lrs[pat]} for pat, ps in groups.items() if ps]
    if rest and default_lr is not None:
        out.append({"params": rest, "lr": default_lr})
    if not out:
        raise ValueError(f"param_groups: no trainable parameter matches {list(lrs)}")
    return out


def load_pretrained(model, state_dict, skip_mismatched=True):
    """Load a pretrained state dict (or a checkpoint written by ``ember train``, whose
    ``"model"`` entry is used), dropping the keys whose shapes differ from the model's (the
    old head) when ``skip_mismatched``. Returns ``(loaded, skipped)`` key lists; keys the
    model lacks, or lacks in the file, raise as ``load_state_dict`` does."""
    if isinstance(state_dict, dict) and isinstance(state_dict.get("model"), dict):
        state_dict = state_dict["model"]
    own = model.state_dict()
    skipped = [k for k, v in state_dict.items() if k in own and tuple(v.shape) != tuple(own[k].shape)]
    if not skip_mismatched:
        skipped = []
    kept = {k: v for k, v in state_dict.items() if k not in skipped}
    missing, unexpected = model.load_state_dict(kept, strict=False)
    missing = [k for k in missing if k not in skipped]
    if missing or unexpected:
        raise RuntimeError(f"load_pretrained: checkpoint does not fit {type(model).__name__}: missing keys "
                           f"{missing}, unexpected keys {unexpected}")
    return [k for k in kept], skipped


def finetune_from_args(model, checkpoint, freeze_patterns=None):
    """What ``ember train --finetune CHECKPOINT --freeze 'layer1.*,bn1.*'`` does to the new
    model before training: load the checkpoint's weights (a head of another size is left
    freshly initialised) and freeze the comma-separated patterns. Returns a summary line."""
    from ..serialization import load
    try:
        state = load(checkpoint)
    except (OSError, ValueError) as e:
        raise SystemExit(f"ember: cannot load --finetune checkpoint: {e}")
    try:
        loaded, skipped = load_pretrained(model, state)
    except RuntimeError as e:
        raise SystemExit(f"ember: --finetune {checkpoint}: {e}")
    frozen = []
    if freeze_patterns:
        try:
            frozen = freeze(model, [p.strip() for p in freeze_patterns.split(",") if p.strip()])
        except ValueError as e:
            raise SystemExit(f"ember: --freeze: {e}")
    n_frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return (f"fine-tuning from {checkpoint}: {len(loaded)} tensors loaded, {len(skipped)} re-initialised "
            f"({', '.join(skipped) or 'none'}), {len(frozen)} parameters frozen ({n_frozen:,} values)")
