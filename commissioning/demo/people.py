"""The demo's people: someone in every role, the administrator, their shared password and which executive
member holds which portfolio. Data only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from commissioning.models import Role, ServiceArea

from .organisations import COUNTY

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published in the help text: demo accounts only
ROLES_SINCE = dt.date(2022, 4, 1)  # before any demo history, so every role is held on every day it needs


@dataclass(frozen=True)
class PersonRow:
    username: str
    first_name: str
    last_name: str
    job_title: str
    organisation: str
    roles: tuple[str, ...]


PEOPLE = [
    PersonRow("officer", "Priya", "Shah", "Commissioning Officer", COUNTY, (Role.COMMISSIONING_OFFICER,)),
    PersonRow("officer2", "Tom", "Hughes", "Senior Commissioning Officer", COUNTY, (Role.COMMISSIONING_OFFICER,)),
    PersonRow("manager", "Helen", "Carter", "Head of Commissioning", COUNTY, (Role.COMMISSIONING_MANAGER,)),
    PersonRow("finance", "David", "Okafor", "Finance Business Partner", COUNTY, (Role.FINANCE,)),
    PersonRow("legal", "Sarah", "Whitfield", "Senior Solicitor, Contracts", COUNTY, (Role.LEGAL,)),
    PersonRow("procurement", "Gareth", "Lloyd", "Category Manager, Procurement", COUNTY, (Role.PROCUREMENT,)),
    PersonRow(
        "member",
        "Margaret",
        "Ellis",
        "Councillor, Executive Member for Adult Care, Health and Children's Services",
        COUNTY,
        (Role.EXECUTIVE_MEMBER,),
    ),
    PersonRow(
        "member2",
        "James",
        "Porter",
        "Councillor, Executive Member for Highways, Environment and Communities",
        COUNTY,
        (Role.EXECUTIVE_MEMBER,),
    ),
    PersonRow(
        "scrutiny", "Aisha", "Rahman", "Councillor, Overview and Scrutiny Committee", COUNTY, (Role.SCRUTINY_MEMBER,)
    ),
    PersonRow(
        "chair", "Robert", "Fenwick", "Councillor, Chair of Overview and Scrutiny", COUNTY, (Role.SCRUTINY_CHAIR,)
    ),
    PersonRow(
        "icb-signatory", "Fiona", "Grant", "Director of Strategic Commissioning", "MICB", (Role.PARTNER_SIGNATORY,)
    ),
    PersonRow("icb-viewer", "Liam", "Baker", "Contracts Analyst", "MICB", (Role.PARTNER_VIEWER,)),
    PersonRow("trust-signatory", "Karen", "Osei", "Director of Partnerships", "MCHT", (Role.PARTNER_SIGNATORY,)),
    PersonRow("trust-viewer", "Daniel", "Moss", "Business Intelligence Lead", "MCHT", (Role.PARTNER_VIEWER,)),
    PersonRow(
        "district-signatory", "Mark", "Bennett", "Head of Housing and Environment", "RDC", (Role.PARTNER_SIGNATORY,)
    ),
    PersonRow("district-viewer", "Emma", "Walsh", "Partnerships Officer", "RDC", (Role.PARTNER_VIEWER,)),
    PersonRow("vcs-signatory", "Joanne", "Price", "Chief Executive", "MVA", (Role.PARTNER_SIGNATORY,)),
    PersonRow("vcs-viewer", "Sam", "Clarke", "Policy and Engagement Officer", "MVA", (Role.PARTNER_VIEWER,)),
]
ADMIN = PersonRow("admin", "Site", "Administrator", "System administrator", "", ())

# Which executive member holds the portfolio a strategy's key decisions go to.
PORTFOLIO_HOLDER = {
    ServiceArea.ADULT_SOCIAL_CARE: "member",
    ServiceArea.CHILDREN_AND_FAMILIES: "member",
    ServiceArea.PUBLIC_HEALTH: "member",
    ServiceArea.MENTAL_HEALTH: "member",
}
OTHER_PORTFOLIO_HOLDER = "member2"
