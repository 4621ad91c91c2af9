"""The lab's registry and its layout rules: one claims file per topic, one test file per
claims file, claim functions named after their ids, helpers only from ``_common``."""
import ast
import pkgutil
from pathlib import Path

import pytest

from ember.lab import claims, core
from ember.lab.core import load_all


def test_one_claims_file_per_topic_with_functions_named_after_their_ids():
    reg = {cid: c for cid, c in load_all().items() if c.run.__module__.startswith("ember.lab.claims.")}
    decorated = sum(p.read_text().count("\n@claim(") for p in Path(claims.__file__).parent.glob("*.py"))
    assert len(reg) == decorated >= 25          # every @claim of the claims files is registered, once
    for cid, c in reg.items():
        assert c.run.__module__ == f"ember.lab.claims.{c.topic}", cid
        assert c.run.__name__ == cid.replace("-", "_"), cid
    files = {m.name for m in pkgutil.iter_modules(claims.__path__) if not m.name.startswith("_")}
    assert files == {c.topic for c in reg.values()}
    here = Path(__file__).parent
    assert all((here / f"test_{topic}.py").is_file() for topic in files)


def test_claims_files_import_helpers_only_from_common():
    folder = Path(claims.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                if mod.startswith(".") or mod.startswith("ember.lab.claims"):
                    assert mod in (".", "._common", "ember.lab.claims._common"), f"{path.name} imports {mod}"
                    assert mod != "." or all(a.name == "_common" for a in node.names), path.name


def test_claim_function_must_be_named_after_its_id():
    def run(seed, fast):
        return None
    with pytest.raises(ValueError, match="must be named 'lab_test_naming'"):
        core.claim(id="lab-test-naming", topic="t", concepts=(), question="q", statement="s", source="x",
                   method="m")(run)
    assert "lab-test-naming" not in core.REGISTRY
