"""Hypothesis profiles: `ci` is deterministic and thorough; `dev` is quick for the edit-test loop;
`mutate` is deterministic and quick, for `make mutate`."""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
# `make mutate` runs the tests once per mutant: fewer examples, the same ones every run (a mutant's
# verdict must not depend on luck), and no example database carried from one mutant to the next.
settings.register_profile("mutate", max_examples=15, derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def needs_dot() -> None:
    """Graphviz's `dot` program: a skip on a workstation without it, a failure in CI (which installs it)."""
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing; CI must install graphviz")
        pytest.skip("Graphviz's dot is not installed")
