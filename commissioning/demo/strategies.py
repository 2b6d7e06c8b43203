"""The demo's 17 strategies: what each is (values in pounds). The scenario registered under a strategy's
reference (in `scenarios`) says where it has got to. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass

from commissioning.models import DeliveryChannel, PartnerKind, ServiceArea

K = 1_000  # values are in pounds: 180 * K is £180,000

CO = PartnerKind.CO_COMMISSIONER
POOLED = PartnerKind.POOLED_BUDGET_CONTRIBUTOR
CONSULTEE = PartnerKind.CONSULTEE


@dataclass(frozen=True)
class StrategyRow:
    reference: str
    title: str
    service_area: str
    annual_value: int
    years: int
    summary: str
    partners: tuple[tuple[str, str], ...] = ()
    capital_value: int = 0
    pooled_budget: bool = False
    lead: str = "officer"
    delivery_channel: str = DeliveryChannel.OUTSOURCING

    @property
    def total_contract_value(self) -> int:
        return self.annual_value * self.years


STRATEGIES = [
    StrategyRow(
        "MCC-ASC-001", "Adult carers support", ServiceArea.ADULT_SOCIAL_CARE, 180 * K, 3,
        "Information, advice, breaks and emotional support for unpaid carers, jointly commissioned with the ICB.",
        partners=(("MICB", CO), ("MVA", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-HWY-002", "Highways maintenance", ServiceArea.HIGHWAYS, 2_400 * K, 5,
        "Reactive and planned maintenance of 4,800 km of county roads, footways and drainage.",
        partners=(("RDC", CONSULTEE),), capital_value=3_000 * K, lead="officer2",
    ),
    StrategyRow(
        "MCC-MH-003", "Community mental health", ServiceArea.MENTAL_HEALTH, 700 * K, 3,
        "Community mental health support under a section 75 pooled budget with the ICB and the community trust.",
        partners=(("MICB", POOLED), ("MCHT", POOLED)), pooled_budget=True,
        delivery_channel=DeliveryChannel.PARTNERSHIP,
    ),
    StrategyRow(
        "MCC-COM-004", "Domestic abuse support", ServiceArea.COMMUNITIES, 120 * K, 3,
        "Safe accommodation and community outreach for victims of domestic abuse and their children.",
        partners=(("RDC", CO), ("MVA", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-ASC-005", "Home care", ServiceArea.ADULT_SOCIAL_CARE, 8_000 * K, 3,
        "Care and support at home for around 2,400 adults, funded partly through the Better Care Fund.",
        partners=(("MICB", POOLED),), pooled_budget=True,
    ),
    StrategyRow(
        "MCC-HOU-006", "Extra care housing", ServiceArea.HOUSING, 300 * K, 5,
        "Two extra care schemes with 24-hour on-site care, built with district and Homes England capital.",
        partners=(("RDC", CO),), capital_value=4_500 * K, lead="officer2",
        delivery_channel=DeliveryChannel.PARTNERSHIP,
    ),
    StrategyRow(
        "MCC-PH-007", "Public health nursing 0–19", ServiceArea.PUBLIC_HEALTH, 3_200 * K, 3,
        "Health visiting and school nursing for 140,000 children and young people.",
        partners=(("MICB", CONSULTEE), ("MCHT", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-PH-008", "Substance misuse treatment", ServiceArea.PUBLIC_HEALTH, 1_400 * K, 3,
        "Drug and alcohol treatment and recovery services for adults and young people.",
        partners=(("MICB", CONSULTEE), ("MCHT", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-HOU-009", "Homelessness prevention", ServiceArea.HOUSING, 150 * K, 3,
        "Early help to keep people in their homes, pooled with Riverside District Council's homelessness grant.",
        partners=(("RDC", POOLED),), pooled_budget=True,
    ),
    StrategyRow(
        "MCC-ENV-010", "Waste collection", ServiceArea.ENVIRONMENT, 3_600 * K, 5,
        "Kerbside collection and recycling, commissioned jointly with the district as collection authority.",
        partners=(("RDC", CO),), capital_value=2_500 * K, lead="officer2",
    ),
    StrategyRow(
        "MCC-COM-011", "Library services", ServiceArea.COMMUNITIES, 700 * K, 4,
        "Twelve libraries and a mobile service, with community-run libraries supported by volunteers.",
        partners=(("MVA", CONSULTEE),), lead="officer2", delivery_channel=DeliveryChannel.IN_HOUSE,
    ),
    StrategyRow(
        "MCC-ASC-012", "Learning disability day services", ServiceArea.ADULT_SOCIAL_CARE, 500 * K, 3,
        "Day opportunities, work skills and community activities for adults with learning disabilities.",
        partners=(("MCHT", CONSULTEE), ("MVA", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-ASC-013", "Reablement", ServiceArea.ADULT_SOCIAL_CARE, 140 * K, 3,
        "Short-term support to regain independence after a hospital stay, funded through the Better Care Fund.",
        partners=(("MICB", POOLED), ("MCHT", CONSULTEE)), pooled_budget=True,
        delivery_channel=DeliveryChannel.IN_HOUSE,
    ),
    StrategyRow(
        "MCC-CF-014", "Children's residential care", ServiceArea.CHILDREN_AND_FAMILIES, 2_500 * K, 3,
        "Residential placements for looked-after children, with joint health funding for complex needs.",
        partners=(("MICB", CO),),
    ),
    StrategyRow(
        "MCC-PH-015", "Sexual health services", ServiceArea.PUBLIC_HEALTH, 800 * K, 3,
        "Open-access contraception, testing and treatment for sexually transmitted infections.",
        partners=(("MICB", CO), ("MCHT", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-ASC-016", "Advocacy services", ServiceArea.ADULT_SOCIAL_CARE, 31_500, 3,
        "Statutory advocacy under the Care Act and the Mental Capacity Act, and general advocacy.",
        partners=(("MVA", CONSULTEE),), lead="officer2",
    ),
    StrategyRow(
        "MCC-ASC-017", "Telecare", ServiceArea.ADULT_SOCIAL_CARE, 28 * K, 3,
        "Analogue pendant alarms and monitoring, switched off at the digital phone-line switchover.",
        partners=(("MICB", CONSULTEE),),
    ),
]  # fmt: skip
