"""Shared pieces of the lab tests: the test session picks matplotlib's backend (as the lab's
runner does; importing a claims file never does), and ``run_fast`` runs one claim in fast mode."""
import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def run_fast():
    """``run_fast(claim_id)``: the claim's fast-mode Result (seed 0, not recorded), checked to
    have a criterion, numbers and non-empty figures (closed afterwards)."""
    import matplotlib.pyplot as plt
    from ember.lab.runner import run_claim

    def run(claim_id):
        r = run_claim(claim_id, seed=0, fast=True, record=False)
        assert r.criterion and r.numbers
        assert r.figures, f"{claim_id}: no figure"
        for fig in r.figures.values():
            assert fig.axes, f"{claim_id}: empty figure"
            plt.close(fig)
        return r
    return run
