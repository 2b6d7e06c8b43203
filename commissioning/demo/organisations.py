"""The demo's organisations: a fictional county council and its partners, and who each escalates overdue
sign-offs to. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass

from commissioning.models import OrganisationKind

COUNTY = "MCC"


@dataclass(frozen=True)
class OrganisationRow:
    code: str
    name: str
    kind: str


ORGANISATIONS = [
    OrganisationRow(COUNTY, "Midshire County Council", OrganisationKind.COUNTY_COUNCIL),
    OrganisationRow("MICB", "Midshire Integrated Care Board", OrganisationKind.ICB),
    OrganisationRow("MCHT", "Midshire Community Health NHS Trust", OrganisationKind.NHS_TRUST),
    OrganisationRow("RDC", "Riverside District Council", OrganisationKind.DISTRICT_COUNCIL),
    OrganisationRow("MVA", "Midshire Voluntary Action", OrganisationKind.VOLUNTARY_SECTOR),
]

# Who each organisation's overdue sign-offs are escalated to (usernames in `people`).
ESCALATION_CONTACTS = {
    COUNTY: "manager",
    "MICB": "icb-signatory",
    "MCHT": "trust-signatory",
    "RDC": "district-signatory",
    "MVA": "vcs-signatory",
}
