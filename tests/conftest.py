"""Test set-up shared by every app.

Tests marked `postgresql` run only against PostgreSQL. Set REQUIRE_MARKERS (CI does: "postgresql") to turn a
skip of such a test into a failure of the run, so CI cannot go green without really running them.
"""

import os

import pytest
from django.db import connection

from tests.oidc.fixtures import oidc_providers  # noqa: F401 (the test OpenID Connect providers, started once a run)

REQUIRED_MARKERS = {m for m in os.environ.get("REQUIRE_MARKERS", "").split(",") if m}
_skipped_required: list[str] = []


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_logreport(report):
    if report.skipped and REQUIRED_MARKERS.intersection(report.keywords):
        _skipped_required.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped_required:
        print(
            f"\n{len(_skipped_required)} test(s) marked {sorted(REQUIRED_MARKERS)} were skipped, which is not allowed:"
        )
        for nodeid in _skipped_required:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def api_responses_conform():
    """Every API response a test provokes must be one the OpenAPI schema describes (tests/contract.py)."""
    from tests import contract

    contract.violations.clear()
    yield
    found, contract.violations[:] = list(contract.violations), []
    assert not found, "API responses the OpenAPI schema does not describe:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def default_policies(request):
    """Transactional tests flush the tables, data migrations included: put the default policies back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker and marker.kwargs.get("transaction")
    if transactional or {"live_server", "transactional_db"} & set(request.fixturenames):
        from django.apps import apps

        from commissioning import defaults

        request.getfixturevalue("transactional_db")
        defaults.load(apps)


@pytest.fixture
def world(db):
    """A county council leading, an ICB co-commissioning, a district council pooling budget, and their people."""
    from tests.factories import build_world

    return build_world()
