"""What the benchmark data is to hold at a scale (`Targets`), what a run returns (`BenchData`), and the well-known
accounts a benchmark signs in as."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - published: benchmark accounts only
DEFAULT_SEED = 2026
USER_PREFIX = "bench-"
MEMBER_USERNAME = "bench-member"
OFFICER_USERNAME = "bench-officer"
PARTNER_USERNAME = "bench-partner"

# At scale 1. The member's queue is a floor: strategies of the benchmark council are put forward until it is met.
PER_SCALE = {"organisations": 200, "strategies": 5_000, "seats": 50_000, "audit_events": 500_000, "member_queue": 250}
MIN_ORGANISATIONS = 6  # a county council, an ICB, a district council, a trust, a voluntary body and a provider
MIN_STRATEGIES = 10
REGION_SIZE = 20
ROLES_SINCE = dt.date(2015, 4, 1)  # before any benchmark history


class BenchDataError(Exception):
    """The database is not one the generator can fill, or the targets cannot be met."""


@dataclass(frozen=True)
class Targets:
    """How many rows of the headline tables to write, and the least number of seats waiting for `bench-member`."""

    organisations: int
    strategies: int
    seats: int
    audit_events: int
    member_queue: int

    @classmethod
    def for_scale(cls, scale: float) -> Targets:
        """Scale 1: 200 / 5,000 / 50,000 / 500,000; 0.1: 20 / 500 / 5,000 / 50,000. Tiny scales keep a floor
        (6 organisations, 10 strategies, 10 seats and 100 events per strategy)."""
        if not (isinstance(scale, int | float) and math.isfinite(scale) and 0 < scale <= 100):
            raise BenchDataError(f"The scale must be a number above 0 and at most 100, not {scale!r}.")
        strategies = max(MIN_STRATEGIES, round(PER_SCALE["strategies"] * scale))
        return cls(
            organisations=max(MIN_ORGANISATIONS, round(PER_SCALE["organisations"] * scale)),
            strategies=strategies,
            seats=max(round(PER_SCALE["seats"] * scale), 10 * strategies),
            audit_events=max(round(PER_SCALE["audit_events"] * scale), 100 * strategies),
            member_queue=max(3, round(PER_SCALE["member_queue"] * scale)),
        )


@dataclass
class BenchData:
    """What was generated, and the well-known actors and secrets a benchmark needs."""

    scale: float | None
    seed: int
    database_vendor: str
    database_name: str
    generated_at: str
    password: str
    member_username: str
    member_password: str
    member_id: int
    officer_username: str
    officer_password: str
    officer_id: int
    partner_username: str
    partner_password: str
    partner_organisation_id: int
    partner_organisation_code: str
    partner_organisation_name: str
    partner_service_account: str
    api_token: str
    council_organisation_id: int
    council_organisation_code: str
    council_organisation_name: str
    actors: dict[str, str]  # every well-known username (same password) and what they hold
    member_waiting_seats: int
    officer_led_strategies: int
    partner_visible_strategies: int
    imported_strategies: int
    targets: dict[str, int]
    counts: dict[str, int]
    seconds: dict[str, float]

    def as_dict(self) -> dict:
        return asdict(self)
