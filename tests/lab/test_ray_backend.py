"""``ember lab run all --backend ray``: claims run as Ray tasks and come back as the same
entries as the local runner's (a local 2-CPU Ray, started and shut down here)."""

import pytest


def test_run_all_on_ray_gives_the_local_verdicts():
    pytest.importorskip("ray")
    import ray
    from ember.lab.runner import run_all
    ids = ["cg-n-steps", "random-vs-grid"]
    try:
        on_ray = run_all(ids, fast=True, jobs=2, backend="ray")
    finally:
        ray.shutdown()
    local = run_all(ids, fast=True, jobs=1)
    for cid in ids:
        assert on_ray[cid]["verdict"] == local[cid]["verdict"] == "holds"
        assert on_ray[cid]["numbers"]["n" if cid == "cg-n-steps" else "seeds"] == \
            local[cid]["numbers"]["n" if cid == "cg-n-steps" else "seeds"]


def test_an_unknown_backend_is_a_clear_error():
    from ember.lab.runner import run_all
    with pytest.raises(ValueError, match="backend='spark'"):
        run_all(["cg-n-steps"], backend="spark")
