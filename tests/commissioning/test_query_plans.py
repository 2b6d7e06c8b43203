"""The hot reads have an index to use, checked with PostgreSQL's EXPLAIN: the member's queue reads seats by role and
organisation (not every pending seat), the events feed reads from the caller's cursor along the primary key, and
the visible strategies are found from the caller's organisations through the lead and partner indexes.

Sequential scans are switched off for the EXPLAIN, so each plan shows an index if one serves the filter at all; on
tables this small the planner would otherwise rightly prefer to read them whole."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from commissioning import selectors, services
from commissioning.models import Strategy
from commissioning.selectors import polling
from tests.factories import complete_evidence, make_strategy

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]


def plan(sql: str, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def queryset_plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return plan(sql, params)


@pytest.fixture
def submitted(world):
    for n in range(30):
        strategy = make_strategy(world, reference=f"MCC-{n}", value="600000" if n % 3 else "50000")
        complete_evidence(strategy, world.officer)
        if n % 3:
            services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Urgent")
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics, as autovacuum keeps them on a live database
    return world


def test_the_member_queue_reads_seats_by_role_and_organisation(submitted):
    text = queryset_plan(selectors.seats_awaiting(submitted.finance))
    assert "workflows_s_role_82405d_idx" in text, text  # Seat's index on (role, organisation, state)
    assert "Seq Scan on workflows_seat" not in text, text


def test_the_events_feed_reads_from_the_cursor_along_the_primary_key(submitted):
    clause, params = polling._visible_clause(submitted.icb_signatory, "e.subject_id")
    sql = polling._sql()["events"] + clause + " ORDER BY e.id LIMIT %s"
    strategy_type = ContentType.objects.get_for_model(Strategy).pk
    text = plan(sql, [strategy_type, 10**9, *params, 100])
    assert "workflows_auditevent_pkey" in text, text
    assert "Seq Scan on workflows_auditevent" not in text, text


def test_visible_strategies_are_found_through_the_lead_and_partner_indexes(submitted):
    clause, params = polling._visible_clause(submitted.icb_signatory, "s.id")
    text = plan(polling._sql()["strategy_version"] + clause, ["MCC-1", *params])
    assert "commissioning_strategypartner_organisation_id" in text, text
    assert "Seq Scan on commissioning_strategy" not in text, text
    assert "commissioning_roleassignment_person_id" in text or "role_assignment_unique" in text, text
