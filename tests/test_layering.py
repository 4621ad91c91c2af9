"""The shape of the package: imports run one way (autograd <- ops <- nn <- the rest),
``import ember`` lists only what exists, and no source file is oversized."""
import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ember

SRC = Path(ember.__file__).resolve().parent

# what each layer must not import (at module level or inside functions)
FORBIDDEN = {
    "autograd": ("ember.ops", "ember.nn", "ember.optim", "ember.train", "ember.models", "ember.text", "ember.lab"),
    "ops": ("ember.nn", "ember.optim", "ember.train", "ember.models", "ember.text", "ember.lab"),
    "nn": ("ember.optim", "ember.train", "ember.models", "ember.text", "ember.lab", "ember.cli"),
}


def _package(path):
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(("ember",) + (parts[:-1] if parts[-1] != "__init__" else parts[:-1]))


def _imports(source, package):
    """Absolute names of the ember modules imported by ``source`` (a file of ``package``)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.append(mod)
            names += [f"{mod}.{a.name}" for a in node.names]
    return [n for n in names if n == "ember" or n.startswith("ember.")]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_run_one_way(layer):
    bad = []
    for path in sorted((SRC / layer).rglob("*.py")):
        for name in _imports(path.read_text(), _package(path)):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(SRC)} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_check_sees_a_violation():
    # relative imports resolve against the file's package, also inside functions
    assert "ember.ops.math" in _imports("def f():\n    from ..ops import math\n", "ember.autograd")
    assert "ember.nn" in _imports("from .. import nn\n", "ember.ops")
    assert _package(SRC / "autograd" / "engine.py") == "ember.autograd"
    assert _package(SRC / "nn" / "modules" / "__init__.py") == "ember.nn.modules"


def test_importing_autograd_alone_does_not_load_ops_or_nn():
    code = ("import sys, importlib.util, types\n"
            "spec = importlib.util.find_spec('ember')\n"
            "pkg = types.ModuleType('ember'); pkg.__path__ = list(spec.submodule_search_locations)\n"
            "sys.modules['ember'] = pkg\n"
            "import ember.autograd\n"
            "print(sorted(m for m in sys.modules if m.startswith('ember.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "ember.autograd.engine" in out and "ember.ops" not in out and "ember.nn" not in out


def test_ember_lists_only_subpackages_that_exist():
    for name in ember._SUBMODULES:
        importlib.import_module(f"ember.{name}")
    with pytest.raises(AttributeError, match="has no attribute 'tuner'; its sub-packages are nn, optim"):
        ember.tuner


def test_no_source_file_is_oversized():
    big = [f"{p.relative_to(SRC)}: {n} lines" for p in sorted(SRC.rglob("*.py"))
           if (n := len(p.read_text().splitlines())) > 650]
    assert not big, "\n".join(big)
