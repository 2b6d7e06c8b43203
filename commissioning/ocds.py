"""A strategy's procurement as an Open Contracting Data Standard (OCDS 1.1) release package: a plain function of plain
values (`Procurement`, gathered by `selectors.procurement`), publishing only what the product really knows.

One contracting process (one `ocid`, `<OCDS_OCID_PREFIX>-<reference>-<cycle>`) per cycle whose Plan gate agreed the
"right source" decision outsourcing / procurement and which went on into Do. Its releases, as the data allows:

- `<ocid>-planning` (tag `planning`), when the Plan gate passed: `planning.budget`, the total contract value the
  Plan gate agreed; `planning.rationale` and `tender.description`, the strategy's summary; `tender.status` planned.
- `<ocid>-tender` (`tender`), when the Do stage's "procurement route" evidence was completed: `tender.status`
  active, and that evidence's link as a `procurementPlan` document if it has one.
- `<ocid>-award` (`award`), when the Do gate passed (it agrees the award): `awards[0]` active, with its date, the
  total contract value the Do gate agreed and the award record's link (`awardNotice`); `tender.status` complete.
- `<ocid>-contract` (`contract`), at the same moment: `contracts[0]` active, `period.startDate`, the value, the
  mobilisation plan's link (`projectPlan`) and the contract-management plan's (`contractAnnexe`).
- `<ocid>-contract-termination` (`contractTermination`), when the strategy left that cycle (recommissioned into the
  next, or decommissioned): `contracts[0].status` terminated, with `period.endDate`.

Parties: the lead organisation (`buyer`, `procuringEntity`), pooled-budget contributors (`funder`), co-commissioners
(`interestedParty`), by their codes here (no registered identifier scheme is held). Not known, so never published:
the supplier (the award record is free text), the procurement method, tender and contract end dates, items.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

OCDS_VERSION = "1.1"


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    url: str
    document_type: str
    published: dt.datetime | None = None


@dataclass(frozen=True)
class ProcurementCycle:
    """One cycle's contracting process, as the gates and the Do stage's evidence record it."""

    cycle: int
    planned_at: dt.datetime
    planned_value: Decimal
    tender_at: dt.datetime | None = None
    tender_documents: tuple[Document, ...] = ()
    awarded_at: dt.datetime | None = None
    awarded_value: Decimal | None = None
    award_documents: tuple[Document, ...] = ()
    contract_documents: tuple[Document, ...] = ()
    ended_at: dt.datetime | None = None


@dataclass(frozen=True)
class Procurement:
    reference: str
    title: str
    description: str
    buyer: Party
    parties: tuple[Party, ...]
    updated_at: dt.datetime
    cycles: tuple[ProcurementCycle, ...] = field(default_factory=tuple)


def ocid(prefix: str, reference: str, cycle: int) -> str:
    return f"{prefix}-{reference}-{cycle}"


def _value(amount: Decimal) -> dict:
    return {"amount": float(amount), "currency": "GBP"}


def _documents(documents: tuple[Document, ...]) -> list[dict]:
    result = []
    for document in documents:
        item = {"id": document.id, "documentType": document.document_type, "title": document.title, "url": document.url}
        if document.published:
            item["datePublished"] = document.published.isoformat()
        result.append(item)
    return result


def _when(moment: dt.datetime) -> str:
    return moment.isoformat()


def _releases(procurement: Procurement, process: ProcurementCycle, prefix: str) -> list[dict]:
    the_ocid = ocid(prefix, procurement.reference, process.cycle)
    common = {
        "ocid": the_ocid,
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": procurement.buyer.id, "name": procurement.buyer.name},
        "parties": [{"id": p.id, "name": p.name, "roles": list(p.roles)} for p in procurement.parties],
    }
    tender = {
        "id": f"{the_ocid}-tender",
        "title": procurement.title,
        "description": procurement.description or procurement.title,
        "status": "planned",
        "mainProcurementCategory": "services",
        "value": _value(process.planned_value),
        "procuringEntity": {"id": procurement.buyer.id, "name": procurement.buyer.name},
    }
    planning = {
        "rationale": procurement.description or procurement.title,
        "budget": {
            "description": "The total contract value agreed at the Plan gate",
            "amount": _value(process.planned_value),
        },
    }
    releases = [
        {
            **common,
            "id": f"{the_ocid}-planning",
            "date": _when(process.planned_at),
            "tag": ["planning"],
            "planning": planning,
            "tender": tender,
        }
    ]
    if process.tender_at is not None:
        tender = {**tender, "status": "active"}
        if process.tender_documents:
            tender["documents"] = _documents(process.tender_documents)
        releases.append(
            {
                **common,
                "id": f"{the_ocid}-tender",
                "date": _when(process.tender_at),
                "tag": ["tender"],
                "tender": tender,
            }
        )
    if process.awarded_at is None:
        return releases
    value = _value(process.awarded_value if process.awarded_value is not None else process.planned_value)
    award = {
        "id": f"{the_ocid}-award",
        "title": procurement.title,
        "status": "active",
        "date": _when(process.awarded_at),
        "value": value,
    }
    if process.award_documents:
        award["documents"] = _documents(process.award_documents)
    contract = {
        "id": f"{the_ocid}-contract",
        "awardID": award["id"],
        "title": procurement.title,
        "status": "active",
        "period": {"startDate": _when(process.awarded_at)},
        "value": value,
    }
    if process.contract_documents:
        contract["documents"] = _documents(process.contract_documents)
    tender = {**tender, "status": "complete"}
    awarded = {**common, "date": _when(process.awarded_at), "tender": tender}
    releases.append({**awarded, "id": f"{the_ocid}-award", "tag": ["award"], "awards": [award]})
    releases.append({**awarded, "id": f"{the_ocid}-contract", "tag": ["contract"], "contracts": [contract]})
    if process.ended_at is not None:
        ended = {
            **contract,
            "status": "terminated",
            "period": {**contract["period"], "endDate": _when(process.ended_at)},
        }
        releases.append(
            {
                **common,
                "id": f"{the_ocid}-contract-termination",
                "date": _when(process.ended_at),
                "tag": ["contractTermination"],
                "contracts": [ended],
            }
        )
    return releases


def release_package(procurement: Procurement, *, prefix: str, uri: str, licence: str, publication_policy: str) -> dict:
    """The OCDS 1.1 release package of every contracting process of `procurement`, releases oldest first (OCDS asks
    for date order). `uri` is the package's own address."""
    releases = [release for process in procurement.cycles for release in _releases(procurement, process, prefix)]
    releases.sort(key=lambda release: (release["date"], release["ocid"]))
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _when(procurement.updated_at),
        "publisher": {"name": procurement.buyer.name},
        "license": licence,
        "publicationPolicy": publication_policy,
        "releases": releases,
    }
