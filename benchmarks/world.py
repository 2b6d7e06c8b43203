"""One small commissioning world, built through the real services: the one the tests, the drills and the benchmarks
share (`tests/factories.py` re-exports it).

`build_world()` makes a county council that leads (with key-decision thresholds), an integrated care board that
co-commissions and a district council that pools budget, and one person in every role: officer, officer2,
manager, finance, legal, procurement, member (executive), scrutiny, chair, icb_signatory, district_signatory and
outsider (a partner viewer at the ICB). Names are fixed by username (no random names: a page can be checked for
them, and they need no escaping), every password is the same and hashed once (production's hasher is slow on
purpose), and e-mail addresses are `<username>@<email_domain>`.

`make_strategy`, `complete_evidence`, `signer_of` and `pass_gate` take a strategy through the services as an
officer and the seat holders would. Nothing here is a test: it runs in drills' processes with the production
settings too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.hashers import make_password

from commissioning import services
from commissioning.models import (
    EvidenceStatus,
    Organisation,
    OrganisationKind,
    PartnerKind,
    Role,
    RoleAssignment,
    ServiceArea,
    Strategy,
    User,
)

PASSWORD = "correct horse battery staple"  # noqa: S105 - the published password of test and drill accounts
EMAIL_DOMAIN = "example.org"
ROLES_SINCE = dt.date(2020, 1, 1)

# The world's people and their names. Anyone else gets their username as a first name and a surname from SURNAMES.
NAMES = {
    "officer": ("Priya", "Shah"),
    "officer2": ("Tom", "Hughes"),
    "manager": ("Helen", "Carter"),
    "finance": ("David", "Okafor"),
    "legal": ("Sarah", "Whitfield"),
    "procurement": ("Gareth", "Lloyd"),
    "member": ("Margaret", "Ellis"),
    "scrutiny": ("James", "Porter"),
    "chair": ("Aisha", "Rahman"),
    "icb_signatory": ("Robert", "Fenwick"),
    "district_signatory": ("Fiona", "Grant"),
    "outsider": ("Liam", "Baker"),
}
SURNAMES = ("Osei", "Moss", "Bennett", "Walsh", "Price", "Clarke", "Patel", "Evans", "Murphy", "Nowak", "Khan")

_hashes: dict[tuple[str, str], str] = {}


def hashed(password: str) -> str:
    """The password hashed once per process and hasher: every account of a world shares it."""
    key = (password, settings.PASSWORD_HASHERS[0])
    if key not in _hashes:
        _hashes[key] = make_password(password)
    return _hashes[key]


def name_of(username: str) -> tuple[str, str]:
    """(first name, last name), the same for the same username every time."""
    if username in NAMES:
        return NAMES[username]
    digest = hashlib.sha256(username.encode()).digest()
    return username.replace("_", " ").replace("-", " ").title()[:150], SURNAMES[digest[0] % len(SURNAMES)]


def unsaved_person(username: str, *, password: str, email_domain: str = EMAIL_DOMAIN, **fields) -> User:
    """A person not yet saved (for bulk_create), named by `name_of`; `password` is already hashed."""
    first, last = name_of(username)
    values = {"first_name": first, "last_name": last, "email": f"{username}@{email_domain}"} | fields
    return User(username=username, password=password, **values)


def person(
    username: str,
    organisation: Organisation,
    *roles: str,
    password: str = PASSWORD,
    email_domain: str = EMAIL_DOMAIN,
) -> User:
    """The person called `username` (made once: asking again returns them), holding `roles` at `organisation`."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = unsaved_person(username, password=hashed(password), email_domain=email_domain)
        user.save()
    for role in roles:
        RoleAssignment.objects.create(person=user, organisation=organisation, role=role, starts_on=ROLES_SINCE)
    return user


def build_world(*, password: str = PASSWORD, email_domain: str = EMAIL_DOMAIN) -> SimpleNamespace:
    """Three organisations and a person in every role (see the module docstring). `w.person(username, organisation,
    *roles)` adds someone with the same password and e-mail domain."""
    county = Organisation.objects.create(
        name="Midshire County Council",
        code="MCC",
        kind=OrganisationKind.COUNTY_COUNCIL,
        key_decision_revenue_threshold=Decimal("500000"),
        key_decision_capital_threshold=Decimal("1000000"),
    )
    icb = Organisation.objects.create(name="Midshire Integrated Care Board", code="ICB", kind=OrganisationKind.ICB)
    district = Organisation.objects.create(
        name="Riverside District Council", code="RDC", kind=OrganisationKind.DISTRICT_COUNCIL
    )

    def add(username: str, organisation: Organisation, *roles: str) -> User:
        return person(username, organisation, *roles, password=password, email_domain=email_domain)

    w = SimpleNamespace(county=county, icb=icb, district=district, person=add)
    w.officer = add("officer", county, Role.COMMISSIONING_OFFICER)
    w.officer2 = add("officer2", county, Role.COMMISSIONING_OFFICER)
    w.manager = add("manager", county, Role.COMMISSIONING_MANAGER)
    w.finance = add("finance", county, Role.FINANCE)
    w.legal = add("legal", county, Role.LEGAL)
    w.procurement = add("procurement", county, Role.PROCUREMENT)
    w.member = add("member", county, Role.EXECUTIVE_MEMBER)
    w.scrutiny = add("scrutiny", county, Role.SCRUTINY_MEMBER)
    w.chair = add("chair", county, Role.SCRUTINY_CHAIR)
    w.icb_signatory = add("icb_signatory", icb, Role.PARTNER_SIGNATORY)
    w.district_signatory = add("district_signatory", district, Role.PARTNER_SIGNATORY)
    w.outsider = add("outsider", icb, Role.PARTNER_VIEWER)
    county.escalation_contact = w.manager
    county.save()
    return w


def make_strategy(w, *, value="50000", reference=None, pooled=False, partners=None, capital="0", **extra) -> Strategy:
    """A strategy in Analyse led by the county (annual and total contract value `value`), the ICB co-commissioning
    and, when `pooled`, the district pooling budget; or with `partners` (a list of `services.PartnerSpec`)."""
    reference = reference or f"MCC-{Strategy.objects.count() + 1:03d}"
    if partners is None:
        partners = [services.PartnerSpec(w.icb.pk, PartnerKind.CO_COMMISSIONER)]
        if pooled:
            partners.append(services.PartnerSpec(w.district.pk, PartnerKind.POOLED_BUDGET_CONTRIBUTOR))
    return services.strategy_create(
        actor=w.officer,
        reference=reference,
        title=extra.pop("title", "Adult carers support"),
        service_area=ServiceArea.ADULT_SOCIAL_CARE,
        lead_organisation=w.county,
        lead_officer=w.officer,
        annual_value=Decimal(value),
        total_contract_value=Decimal(value),
        capital_value=Decimal(capital),
        pooled_budget=pooled,
        partners=partners,
        **extra,
    )


def complete_evidence(strategy: Strategy, actor) -> None:
    """Complete the current stage's evidence, and make the Plan's delivery-channel and the Review's recommendation
    decisions, so that the gate can be submitted."""
    strategy.refresh_from_db()
    for item in strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage):
        services.evidence_update(
            actor=actor, evidence_id=item.pk, status=EvidenceStatus.COMPLETE, content=f"{item.title}: done."
        )
    if strategy.stage == "plan":
        services.strategy_update(actor=actor, strategy_id=strategy.pk, delivery_channel="outsourcing")
    if strategy.stage == "review" and not strategy.recommendation:
        services.strategy_update(actor=actor, strategy_id=strategy.pk, recommendation="recommission")


def signer_of(w, seat) -> User:
    """Who in the world signs this seat (never the submitting officer)."""
    return {
        Role.COMMISSIONING_OFFICER: w.officer2,
        Role.COMMISSIONING_MANAGER: w.manager,
        Role.FINANCE: w.finance,
        Role.LEGAL: w.legal,
        Role.PROCUREMENT: w.procurement,
        Role.EXECUTIVE_MEMBER: w.member,
        Role.PARTNER_SIGNATORY: w.icb_signatory if seat.organisation_id == w.icb.pk else w.district_signatory,
    }[seat.role]


def pass_gate(w, strategy: Strategy) -> None:
    """Complete the evidence, submit the strategy's gate and approve every seat, so that it passes (not for a key
    decision: that needs a forward-plan notice and waits for its decision date and call-in window)."""
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    for seat in gate.current_seats().order_by("pk"):
        services.seat_decide(actor=signer_of(w, seat), seat_id=seat.pk, outcome="approve")
