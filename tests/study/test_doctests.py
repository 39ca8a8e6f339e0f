"""The examples in the study modules' docstrings run and print what they promise."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["stats", "grid", "sweep"])
def test_docstring_examples(name):
    # import_module: ``rollingball.study.sweep`` the attribute is the function of that name
    module = importlib.import_module(f"rollingball.study.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
