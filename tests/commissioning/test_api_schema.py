"""The API against its own OpenAPI schema: schemathesis generates requests for every operation and checks that
no response is a server error and every response conforms to the schema (statuses, headers, bodies)."""

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from knox.models import AuthToken
from schemathesis.specs.openapi.checks import positive_data_acceptance

from commissioning import services
from tests.factories import build_world, complete_evidence, make_strategy


@pytest.fixture
def partner_token(live_server):
    """A partner that is party to strategies in several states, with a seat waiting for it."""
    world = build_world()
    make_strategy(world, reference="MCC-A")
    submitted = make_strategy(world, reference="MCC-B", pooled=True)
    complete_evidence(submitted, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=submitted.pk)
    _, secret = AuthToken.objects.create(user=world.icb_signatory)
    return secret


def test_every_operation_conforms_to_the_schema_and_never_errs(live_server, partner_token):
    headers = {"Authorization": f"Token {partner_token}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json", headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            # A request valid by the schema may still be refused by a business rule (not your seat, already
            # decided), so "valid data must be accepted" is not checked; every other default check is.
            case.call_and_validate(
                base_url=live_server.url, headers=headers, excluded_checks=[positive_data_acceptance]
            )

        check()


def test_the_schema_validates_with_warnings_as_failures(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
