"""The lab's core: a claim is a question from the notes, our paraphrase of the notes'
answer, and an experiment that measures whether it holds.

    @claim(id="softmax-ce-gradient", topic="gradients", concepts=("loss.ce",),
           question="...", statement="...", source="002 Q5", method="...")
    def softmax_ce_gradient(seed: int, fast: bool) -> Result: ...

A claim lives in ``ember/lab/claims/<topic>.py`` (one file per topic, helpers from
``ember/lab/claims/_common.py`` only) and its function is named after its id, dashes
as underscores. It returns a :class:`Result`: the verdict (``holds``/``fails``/``inconclusive``)
decided from the measured numbers against the stated ``criterion``, the numbers, and
matplotlib figures. ``fast=True`` must finish in seconds (the test suite runs it);
``fast=False`` is the full experiment for the report.
"""
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

VERDICTS = ("holds", "fails", "inconclusive")


@dataclass
class Result:
    verdict: str
    criterion: str
    numbers: dict
    figures: dict = field(default_factory=dict)     # name -> matplotlib Figure
    notes: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"Result: verdict={self.verdict!r} must be one of {VERDICTS}")


@dataclass
class Claim:
    id: str
    topic: str
    concepts: tuple
    question: str
    statement: str
    source: str
    method: str
    run: Callable = None

    def __call__(self, seed=0, fast=False):
        result = self.run(seed=seed, fast=fast)
        if not isinstance(result, Result):
            raise TypeError(f"claim {self.id}: run() must return a lab Result, got {type(result).__name__}")
        return result


REGISTRY = {}


def claim(id, topic, concepts, question, statement, source, method):
    """Register ``fn(seed, fast) -> Result`` as the claim ``id``; ``fn`` is named after the
    id (``"dropout-overfitting"`` -> ``dropout_overfitting``)."""
    def deco(fn):
        if id in REGISTRY:
            raise ValueError(f"lab: claim id {id!r} is registered twice")
        if id != id.lower() or " " in id or "_" in id:
            raise ValueError(f"lab: claim id {id!r} must be kebab-case")
        name = id.replace("-", "_")
        if getattr(fn, "__name__", None) != name:
            raise ValueError(f"lab: the function of claim {id!r} must be named {name!r}, "
                             f"not {getattr(fn, '__name__', fn)!r}")
        REGISTRY[id] = Claim(id, topic, tuple(concepts), question, statement, source, method, fn)
        return fn
    return deco


def verdict(ok, inconclusive=False):
    """'holds' if ok, 'fails' if not, 'inconclusive' when the evidence cannot decide."""
    if inconclusive:
        return "inconclusive"
    return "holds" if ok else "fails"


def load_all():
    """Import every topic module of ``ember.lab.claims`` (one file per topic; ``_common`` is
    their helper module) and return the registry."""
    from . import claims
    for mod in pkgutil.iter_modules(claims.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{claims.__name__}.{mod.name}")
    return REGISTRY


def get(claim_id):
    reg = load_all()
    if claim_id not in reg:
        raise KeyError(f"unknown claim {claim_id!r}; known claims: {', '.join(sorted(reg))}")
    return reg[claim_id]
