"""The examples in the metrics docstrings run and give the values they show."""
import doctest
import importlib

import pytest

MODULES = ["ember.metrics", "ember.metrics._ranking", "ember.metrics._classification",
           "ember.metrics.information", "ember.metrics.norms"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
