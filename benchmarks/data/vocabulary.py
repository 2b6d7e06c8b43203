"""The benchmark world's words and proportions: organisations by region, people per organisation, service areas and
strategy titles, how strategies are spread over stages, cycles and gate states, and the reasons people give."""

from __future__ import annotations

from commissioning.models import OrganisationKind, Role, ServiceArea, Stage
from workflows.models import GateState

K = OrganisationKind
KIND_TEMPLATE = [  # one region of twenty, in the order a small database takes them
    K.COUNTY_COUNCIL, K.ICB, K.DISTRICT_COUNCIL, K.NHS_TRUST, K.VOLUNTARY_SECTOR, K.PROVIDER, K.DISTRICT_COUNCIL,
    K.VOLUNTARY_SECTOR, K.PUBLIC_HEALTH, K.DISTRICT_COUNCIL, K.NHS_TRUST, K.VOLUNTARY_SECTOR, K.PROVIDER,
    K.DISTRICT_COUNCIL, K.VOLUNTARY_SECTOR, K.PROVIDER, K.VOLUNTARY_SECTOR, K.PROVIDER, K.VOLUNTARY_SECTOR,
    K.VOLUNTARY_SECTOR,
]  # fmt: skip
KIND_CODES = {
    K.COUNTY_COUNCIL: "CC",
    K.DISTRICT_COUNCIL: "DC",
    K.ICB: "ICB",
    K.NHS_TRUST: "NT",
    K.PUBLIC_HEALTH: "PH",
    K.VOLUNTARY_SECTOR: "VS",
    K.PROVIDER: "PR",
}
ORGANISATION_NAMES = {
    K.COUNTY_COUNCIL: ["{r} County Council"],
    K.DISTRICT_COUNCIL: [
        "{r} North District Council",
        "{r} South District Council",
        "{r} East District Council",
        "{r} West District Council",
    ],
    K.ICB: ["{r} Integrated Care Board"],
    K.NHS_TRUST: ["{r} Community Health NHS Trust", "{r} Hospitals NHS Foundation Trust"],
    K.PUBLIC_HEALTH: ["{r} Public Health Partnership"],
    K.VOLUNTARY_SECTOR: [
        "{r} Voluntary Action",
        "{r} Carers Network",
        "Age Concern {r}",
        "{r} Mind",
        "{r} Citizens Advice",
        "{r} Community Foundation",
        "{r} Youth Trust",
    ],
    K.PROVIDER: ["{r} Care Services Ltd", "{r} Homecare Ltd", "{r} Supported Living CIC", "{r} Facilities Ltd"],
}
REGION_NAMES = [
    "Benchshire", "Northmere", "Eastwold", "Westvale", "Southdown", "Highmoor", "Lowfield", "Brackenshire",
    "Ashvale", "Kestrelshire", "Thornbury", "Marshland", "Fenwold", "Oakhurst", "Rivermead", "Stonebridge",
    "Greywater", "Hollowdale", "Ravensmoor", "Silverdale",
]  # fmt: skip
LEAD_KINDS = (K.COUNTY_COUNCIL, K.DISTRICT_COUNCIL)

# People per organisation: role -> how many hold it. Every organisation has a partner signatory (a council can be
# a pooled-budget contributor to another's strategy).
COUNCIL_PEOPLE = {
    Role.COMMISSIONING_OFFICER: 6,
    Role.COMMISSIONING_MANAGER: 2,
    Role.FINANCE: 2,
    Role.LEGAL: 1,
    Role.PROCUREMENT: 1,
    Role.EXECUTIVE_MEMBER: 4,
    Role.SCRUTINY_MEMBER: 3,
    Role.SCRUTINY_CHAIR: 1,
    Role.PARTNER_SIGNATORY: 1,
}
DISTRICT_PEOPLE = COUNCIL_PEOPLE | {
    Role.COMMISSIONING_OFFICER: 2,
    Role.COMMISSIONING_MANAGER: 1,
    Role.FINANCE: 1,
    Role.EXECUTIVE_MEMBER: 2,
    Role.SCRUTINY_MEMBER: 1,
}
BENCH_COUNCIL_PEOPLE = COUNCIL_PEOPLE | {Role.COMMISSIONING_OFFICER: 10, Role.EXECUTIVE_MEMBER: 6}
PARTNER_PEOPLE = {Role.PARTNER_SIGNATORY: 2, Role.PARTNER_VIEWER: 1}
ICB_PEOPLE = {Role.PARTNER_SIGNATORY: 3, Role.PARTNER_VIEWER: 2}
ROLE_USERNAMES = {
    Role.COMMISSIONING_OFFICER: "officer",
    Role.COMMISSIONING_MANAGER: "manager",
    Role.FINANCE: "finance",
    Role.LEGAL: "legal",
    Role.PROCUREMENT: "procurement",
    Role.EXECUTIVE_MEMBER: "member",
    Role.SCRUTINY_MEMBER: "scrutiny",
    Role.SCRUTINY_CHAIR: "chair",
    Role.PARTNER_SIGNATORY: "signatory",
    Role.PARTNER_VIEWER: "viewer",
}
JOB_TITLES = {
    Role.COMMISSIONING_OFFICER: "Commissioning Officer",
    Role.COMMISSIONING_MANAGER: "Head of Commissioning",
    Role.FINANCE: "Finance Business Partner",
    Role.LEGAL: "Senior Solicitor, Contracts",
    Role.PROCUREMENT: "Category Manager, Procurement",
    Role.EXECUTIVE_MEMBER: "Councillor, Executive Member",
    Role.SCRUTINY_MEMBER: "Councillor, Overview and Scrutiny Committee",
    Role.SCRUTINY_CHAIR: "Councillor, Chair of Overview and Scrutiny",
    Role.PARTNER_SIGNATORY: "Director of Partnerships",
    Role.PARTNER_VIEWER: "Contracts Analyst",
}
FIRST_NAMES = [
    "Priya", "Tom", "Helen", "David", "Sarah", "Gareth", "Margaret", "James", "Aisha", "Robert", "Fiona", "Liam",
    "Karen", "Daniel", "Mark", "Emma", "Joanne", "Sam", "Olivia", "Mohammed", "Grace", "Owen", "Ruth", "Imran",
    "Chloe", "Peter", "Hannah", "Sean", "Bethan", "Marcus",
]  # fmt: skip
LAST_NAMES = [
    "Shah", "Hughes", "Carter", "Okafor", "Whitfield", "Lloyd", "Ellis", "Porter", "Rahman", "Fenwick", "Grant",
    "Baker", "Osei", "Moss", "Bennett", "Walsh", "Price", "Clarke", "Patel", "Evans", "Murphy", "Nowak", "Khan",
    "Taylor", "Jones", "Williams", "Ahmed", "Reid", "Campbell", "Morgan",
]  # fmt: skip

A = ServiceArea
HEALTH_AREAS = {A.ADULT_SOCIAL_CARE, A.CHILDREN_AND_FAMILIES, A.PUBLIC_HEALTH, A.MENTAL_HEALTH}
AREA_CODES = {
    A.ADULT_SOCIAL_CARE: "ASC",
    A.CHILDREN_AND_FAMILIES: "CF",
    A.PUBLIC_HEALTH: "PH",
    A.MENTAL_HEALTH: "MH",
    A.HOUSING: "HOU",
    A.HIGHWAYS: "HWY",
    A.ENVIRONMENT: "ENV",
    A.COMMUNITIES: "COM",
    A.CORPORATE: "CORP",
}
COUNTY_AREAS = {
    A.ADULT_SOCIAL_CARE: 22,
    A.CHILDREN_AND_FAMILIES: 14,
    A.PUBLIC_HEALTH: 10,
    A.MENTAL_HEALTH: 8,
    A.HOUSING: 6,
    A.HIGHWAYS: 12,
    A.ENVIRONMENT: 10,
    A.COMMUNITIES: 10,
    A.CORPORATE: 8,
}
DISTRICT_AREAS = {A.HOUSING: 35, A.ENVIRONMENT: 35, A.COMMUNITIES: 20, A.CORPORATE: 10}
TITLES = {
    A.ADULT_SOCIAL_CARE: [
        "Home care", "Adult carers support", "Reablement", "Extra care housing support",
        "Learning disability day services", "Residential and nursing care", "Advocacy services",
        "Telecare and assistive technology", "Direct payments support", "Supported living", "Shared lives",
        "Community equipment",
    ],
    A.CHILDREN_AND_FAMILIES: [
        "Children's residential care", "Foster care", "Short breaks for disabled children", "Family support",
        "Youth services", "Special educational needs transport", "Family hubs", "Care leavers accommodation",
    ],
    A.PUBLIC_HEALTH: [
        "Public health nursing 0–19", "Substance misuse treatment", "Sexual health services", "Stop smoking services",
        "NHS health checks", "Weight management", "Falls prevention",
    ],
    A.MENTAL_HEALTH: [
        "Community mental health", "Crisis support", "Suicide prevention", "Perinatal mental health",
        "Mental health supported housing", "Talking therapies",
    ],
    A.HOUSING: [
        "Homelessness prevention", "Domestic abuse safe accommodation", "Disabled facilities grants",
        "Housing related support", "Temporary accommodation", "Rough sleeping outreach",
    ],
    A.HIGHWAYS: [
        "Highways maintenance", "Street lighting", "Winter gritting", "Home to school transport",
        "Bus service support", "Bridges and structures",
    ],
    A.ENVIRONMENT: [
        "Waste collection", "Waste disposal", "Household recycling centres", "Grounds maintenance",
        "Flood risk management", "Street cleansing",
    ],
    A.COMMUNITIES: [
        "Library services", "Domestic abuse support", "Community safety", "Leisure centres",
        "Voluntary sector infrastructure", "Welfare advice",
    ],
    A.CORPORATE: [
        "ICT managed services", "Facilities management", "Payroll services", "Insurance", "Legal services framework",
        "Energy supply",
    ],
}  # fmt: skip

STAGE_WEIGHTS = {Stage.ANALYSE: 28, Stage.PLAN: 22, Stage.DO: 32, Stage.REVIEW: 12, Stage.CLOSED: 6}
CYCLE_WEIGHTS = {1: 80, 2: 15, 3: 5}
G = GateState
GATE_STATE_WEIGHTS = {
    G.OPEN: 42, G.SUBMITTED: 33, G.PASSED: 7, G.CALL_IN: 4, G.CALLED_IN: 1, G.REJECTED: 8, G.WITHDRAWN: 5,
}  # fmt: skip
DO_GATE_STATE_WEIGHTS = {  # Do lasts long: its gate (award or implementation) is mostly still open
    G.OPEN: 60, G.SUBMITTED: 22, G.PASSED: 6, G.CALL_IN: 3, G.CALLED_IN: 1, G.REJECTED: 5, G.WITHDRAWN: 3,
}  # fmt: skip
RESUBMITTED_SHARE = 0.08  # gates with an earlier, rejected round
WORK_DAYS = {Stage.ANALYSE: (30, 120), Stage.PLAN: (30, 100), Stage.DO: (60, 330), Stage.REVIEW: (20, 80)}
ADVANCE_NAMES = {
    (Stage.ANALYSE, Stage.PLAN): "begin_plan",
    (Stage.PLAN, Stage.DO): "begin_do",
    (Stage.DO, Stage.REVIEW): "begin_review",
    (Stage.REVIEW, Stage.ANALYSE): "recommission",
    (Stage.REVIEW, Stage.CLOSED): "decommission",
}
REJECTION_REASONS = [
    "The budget does not show how the pooled contributions are split; please add the section 75 schedule.",
    "The needs assessment predates the latest census data; refresh it before this is agreed.",
    "The risk register has no mitigation for provider failure.",
    "The procurement route does not meet the Procurement Act 2023 notice requirements.",
    "The outcomes framework has no service-user level measures.",
]
CONDITIONS = [
    "Report mobilisation progress to the commissioning board within three months.",
    "Agree the data-sharing agreement with partners before contract start.",
    "Add a break clause at the end of year two.",
    "Publish the equality impact assessment alongside the decision.",
]
WITHDRAW_REASONS = [
    "Withdrawn to add the revised financial envelope.",
    "Withdrawn while the market engagement is repeated.",
    "Withdrawn at the partner's request to align with their board cycle.",
]
CALL_IN_REASONS = [
    "The consultation with service users was too short.",
    "The decision does not consider the impact on rural communities.",
]
UPDATED_FIELDS = ["summary", "annual_value", "total_contract_value", "next_review_date", "title"]

EMPTY: dict = {}  # shared by every audit row without data; never changed
