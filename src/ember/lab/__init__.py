"""The lab: every claim of the notes as an experiment with a measured verdict.

    ember lab list
    ember lab run vanishing-gradients --fast
    ember lab report --out lab-report
"""
from .core import Claim, Result, claim, verdict, load_all, get, REGISTRY, VERDICTS  # noqa: F401
