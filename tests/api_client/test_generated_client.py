"""A partner's client generated from the schema the live server serves (openapi-python-client), driving a short
partner journey against that server over HTTP: the strategies it may see, a 304 on its ETag, the events feed, a
decision with If-Match and Idempotency-Key and its replay, a figure for a measure, and a webhook subscription.

Only the generated package's functions and models are used (httpx underneath): what a partner's developer gets
from `/api/v1/schema/` must be enough for the journey, and every response must parse into the generated models.
The generator must report no warning (a warning means an operation or model it could not generate: a schema
defect). The client is generated once for the module; each test builds its own world on the live server.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from types import ModuleType, SimpleNamespace

import httpx
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from commissioning import services
from commissioning.models import PartnerKind, PerformanceFigure, Strategy, WebhookSubscription
from commissioning.services import measures
from tests.factories import build_world, complete_evidence, make_strategy, pass_gate
from workflows.models import Decision

GENERATOR_CONFIG = "post_hooks: []\n"  # no ruff or black run on the output: nothing outside the generator itself
TOKEN = re.compile(r"^(cce_\S+)$", re.MULTILINE)


class GeneratedClient:
    """The generated package, imported under its own name: `op("seats", "seats_decide")` is an operation's module
    (with `sync_detailed`), `models.X` a model, `authenticated(token)` a client for the live server."""

    def __init__(self, package: str, base_url: str) -> None:
        self.package = package
        self.base_url = base_url
        self.models = importlib.import_module(f"{package}.models")
        self.client_module = importlib.import_module(f"{package}.client")

    def op(self, tag: str, operation: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.api.{tag}.{operation}")

    def authenticated(self, token: str):
        return self.client_module.AuthenticatedClient(
            base_url=self.base_url,
            token=token,
            prefix="Token",
            raise_on_unexpected_status=True,  # a status the schema does not list is an error, not a None
            timeout=httpx.Timeout(30.0),
        )


@pytest.fixture(scope="module")
def api(tmp_path_factory, django_db_setup, django_db_blocker, live_server) -> Iterator[GeneratedClient]:
    """The client generated from the schema the live server serves (fetched anonymously, as a partner would)."""
    root = tmp_path_factory.mktemp("generated_api_client")
    with django_db_blocker.unblock():  # the server checks its connection at each request's start; it reads nothing
        served = httpx.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=120)
    assert served.status_code == 200, served.text[:500]
    schema = root / "schema.json"
    schema.write_bytes(served.content)
    config = root / "openapi-python-client.yaml"
    config.write_text(GENERATOR_CONFIG)
    package = f"cce_partner_client_{uuid.uuid4().hex[:12]}"
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(schema),
        "--output-path",
        str(root / package),
        "--meta",
        "none",
        "--config",
        str(config),
        "--fail-on-warning",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    output = f"{result.stdout}\n{result.stderr}".strip()
    assert result.returncode == 0, f"openapi-python-client failed:\n{output}"
    said = [line for line in output.splitlines() if line.strip() and not line.startswith("Generating ")]
    assert not said, f"openapi-python-client reported problems with the schema:\n{output}"
    assert (root / package / "api" / "seats" / "seats_decide.py").is_file(), output
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield GeneratedClient(package, live_server.url)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
            del sys.modules[name]


def issued_token(*args: str) -> str:
    """A token issued as the README says: `manage.py api_token ICB`, or `--person USERNAME` for a signatory."""
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    found = TOKEN.search(out.getvalue())
    assert found, out.getvalue()
    return found.group(1)


@pytest.fixture
def partner(live_server):
    """The ICB as a partner: co-commissioner of MCC-A (its gate submitted, the ICB's signatory's seat waiting) and of
    MCC-M (in Do, with a measure); not party to MCC-X. Its service account's token (the partner's system) and its
    signatory's personal token, both issued with `manage.py api_token`."""
    cache.clear()  # the test process's own cache (locmem): nothing kept from another test's database
    w = build_world()
    submitted = make_strategy(w, reference="MCC-A", pooled=True)
    complete_evidence(submitted, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=submitted.pk)
    make_strategy(w, reference="MCC-X", partners=[services.PartnerSpec(w.district.pk, PartnerKind.CONSULTEE)])
    measured = make_strategy(w, reference="MCC-M")
    measures.measure_create(
        actor=w.officer,
        strategy_id=measured.pk,
        code="carers-supported",
        name="Carers supported",
        unit="people",
        period="year",
        target=Decimal(100),
    )
    for _ in range(2):  # Analyse, then Plan: its gates passed, and on to the next stage
        pass_gate(w, measured)
        services.strategy_advance(actor=w.officer, strategy_id=measured.pk)
    assert Strategy.objects.get(pk=measured.pk).stage == "do"
    return SimpleNamespace(
        world=w,
        gate=gate,
        system_token=issued_token("ICB"),
        signatory_token=issued_token("--person", "icb_signatory"),
    )


def test_a_partner_journey_with_the_generated_client(api, partner):
    models = api.models
    with api.authenticated(partner.system_token) as system, api.authenticated(partner.signatory_token) as signatory:
        # The strategies the ICB may see, and not another partnership's.
        listed = api.op("strategies", "strategies_list").sync_detailed(client=system)
        assert listed.status_code == 200, listed.content
        assert isinstance(listed.parsed, models.PaginatedStrategyList)
        assert sorted(s.reference for s in listed.parsed.results) == ["MCC-A", "MCC-M"]
        assert "MCC-X" not in listed.content.decode()
        mcc_a = next(s for s in listed.parsed.results if s.reference == "MCC-A")
        assert mcc_a.current_gate.state == models.GateStateEnum.SUBMITTED
        assert mcc_a.current_gate.version == partner.gate.version
        etag = listed.headers["ETag"]

        # Polling again with the ETag: nothing changed, 304 with no body.
        unchanged = api.op("strategies", "strategies_list").sync_detailed(client=system, if_none_match=etag)
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.parsed is None
        assert unchanged.headers["ETag"] == etag

        # The events feed, from the start: the partnership's strategies only.
        events = api.op("events", "events_list").sync_detailed(client=system, after=0)
        assert events.status_code == 200, events.content
        assert isinstance(events.parsed, models.EventPage)
        assert events.parsed.results and not events.parsed.more
        assert {e.strategy for e in events.parsed.results} <= {"MCC-A", "MCC-M"}
        assert ("MCC-A", "submit") in {(e.strategy, e.transition) for e in events.parsed.results}
        after = events.parsed.next_after
        assert after == events.parsed.results[-1].id

        # The signatory's seat on MCC-A, decided with If-Match (the gate's version) and an Idempotency-Key.
        queue = api.op("seats", "seats_awaiting").sync_detailed(client=signatory)
        assert queue.status_code == 200, queue.content
        [seat] = queue.parsed
        assert isinstance(seat, models.AwaitingSeat)
        assert (seat.strategy, seat.gate_version) == ("MCC-A", partner.gate.version)
        decide = api.op("seats", "seats_decide")
        body = models.DecisionInputRequest(outcome=models.DecisionOutcomeEnum.APPROVE, reasons="Agreed by the board")
        key = str(uuid.uuid4())
        decided = decide.sync_detailed(
            seat.id, client=signatory, body=body, if_match=f'"{seat.gate_version}"', idempotency_key=key
        )
        assert decided.status_code == 201, decided.content
        assert isinstance(decided.parsed, models.DecisionResult)
        assert decided.parsed.decision.outcome == models.DecisionOutcomeEnum.APPROVE
        assert decided.parsed.decision.snapshot_hash == seat.snapshot_hash
        assert decided.parsed.decision.decided_by == "Robert Fenwick"
        assert decided.parsed.gate_version == seat.gate_version + 1
        assert decided.headers["ETag"] == f'"gate-{seat.gate}-v{seat.gate_version + 1}"'

        # A retry with the same key (say the answer was lost): the same answer, and nothing decided twice.
        replayed = decide.sync_detailed(
            seat.id, client=signatory, body=body, if_match=f'"{seat.gate_version}"', idempotency_key=key
        )
        assert replayed.status_code == 201
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.content == decided.content
        assert replayed.parsed == decided.parsed
        assert Decision.objects.filter(seat_id=seat.id).count() == 1

        # The change shows: the old ETag no longer holds, and the feed has the decision after what was read.
        changed = api.op("strategies", "strategies_list").sync_detailed(client=system, if_none_match=etag)
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        newer = api.op("events", "events_list").sync_detailed(client=system, after=after)
        assert newer.status_code == 200
        assert all(e.id > after for e in newer.parsed.results)
        assert ("MCC-A", "decide") in {(e.strategy, e.transition) for e in newer.parsed.results}

        # A figure for the measure of MCC-M, in Do.
        listed_measures = api.op("measures", "strategies_measures_list").sync_detailed("MCC-M", client=system)
        assert listed_measures.status_code == 200, listed_measures.content
        [measure] = listed_measures.parsed
        assert isinstance(measure, models.Measure)
        assert (measure.code, measure.period_format, measure.figures) == ("carers-supported", "YYYY", [])
        year = str(timezone.localdate().year)
        figure = api.op("measures", "strategies_measures_figures_create").sync_detailed(
            "MCC-M",
            measure.code,
            client=system,
            body=models.FigureCreateRequest(period=year, value=132.5, note="Provisional"),
        )
        assert figure.status_code == 201, figure.content
        assert isinstance(figure.parsed, models.Figure)
        assert (figure.parsed.period, Decimal(figure.parsed.value), figure.parsed.on_target) == (
            year,
            Decimal("132.5"),
            True,
        )
        assert figure.parsed.organisation.code == "ICB"
        again = api.op("measures", "strategies_measures_list").sync_detailed("MCC-M", client=system)
        assert [f.id for f in again.parsed[0].figures] == [figure.parsed.id]

        # A webhook subscription to a receiver on 127.0.0.1 (the test settings allow http and private addresses).
        created = api.op("webhooks", "webhooks_create").sync_detailed(
            client=system,
            body=models.WebhookCreateRequest(
                url="http://127.0.0.1:8765/hooks/commissioning", event_types=[models.EventTypesEnum.DECIDE]
            ),
        )
        assert created.status_code == 201, created.content
        assert isinstance(created.parsed, models.WebhookCreated)
        assert created.parsed.secret
        assert created.parsed.event_types == [models.EventTypesEnum.DECIDE]
        hooks = api.op("webhooks", "webhooks_list").sync_detailed(client=system)
        assert hooks.status_code == 200, hooks.content
        assert isinstance(hooks.parsed, models.PaginatedWebhookList)
        [hook] = hooks.parsed.results
        assert (hook.id, hook.url, hook.organisation.code) == (
            created.parsed.id,
            "http://127.0.0.1:8765/hooks/commissioning",
            "ICB",
        )
        assert "secret" not in hook.additional_properties
        assert created.parsed.secret not in hooks.content.decode()


@pytest.mark.parametrize("case", ["decision", "figure", "webhook"])
def test_a_wrong_type_is_refused_with_a_problem_the_generated_model_parses(api, partner, case):
    """A partner's bug (a number where text belongs, text for a boolean) sent through the generated models: a 400
    whose problem+json parses into the generated Problem, naming the field in `invalid_params` and `errors`."""
    models = api.models
    with api.authenticated(partner.system_token) as system, api.authenticated(partner.signatory_token) as signatory:
        if case == "decision":
            [seat] = api.op("seats", "seats_awaiting").sync_detailed(client=signatory).parsed
            response = api.op("seats", "seats_decide").sync_detailed(
                seat.id,
                client=signatory,
                body=models.DecisionInputRequest(outcome=models.DecisionOutcomeEnum.REJECT, reasons=12345),
                if_match=f'"{seat.gate_version}"',
                idempotency_key=str(uuid.uuid4()),
            )
            field, unchanged = "reasons", lambda: not Decision.objects.filter(seat_id=seat.id).exists()
        elif case == "figure":
            response = api.op("measures", "strategies_measures_figures_create").sync_detailed(
                "MCC-M", "carers-supported", client=system, body=models.FigureCreateRequest(period=2026, value=10)
            )
            field, unchanged = "period", lambda: not PerformanceFigure.objects.exists()
        else:
            response = api.op("webhooks", "webhooks_create").sync_detailed(
                client=system, body=models.WebhookCreateRequest(url="http://127.0.0.1:8765/h", active="yes")
            )
            field, unchanged = "active", lambda: not WebhookSubscription.objects.exists()
    assert response.status_code == 400, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.parsed
    assert isinstance(problem, models.Problem)
    assert (problem.status, problem.code) == (400, "invalid_input")
    assert all(isinstance(param, models.ProblemInvalidParamsItem) for param in problem.invalid_params)
    assert [param.name for param in problem.invalid_params] == [field]
    assert set(problem.errors.additional_properties) == {field}
    assert problem.invalid_params[0].reason == problem.errors[field]
    assert unchanged()
