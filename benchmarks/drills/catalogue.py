"""The drills, in the order they run, and choosing some of them (`--only`)."""

from __future__ import annotations

from collections.abc import Callable

from .context import Context
from .postgres_restart import drill_postgres_restart
from .races import drill_races
from .redis_outage import drill_redis_outage
from .results import DrillResult
from .schemathesis import drill_schemathesis
from .worker_kill import drill_worker_kill

DRILLS = ("races", "redis-outage", "worker-kill", "postgres-restart", "schemathesis")


DRILL_FUNCTIONS: dict[str, Callable[[Context, DrillResult], None]] = {
    "races": drill_races,
    "redis-outage": drill_redis_outage,
    "worker-kill": drill_worker_kill,
    "postgres-restart": drill_postgres_restart,
    "schemathesis": drill_schemathesis,
}


def select(only: str | None) -> list[str]:
    if not only:
        return list(DRILLS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in DRILLS]
    if unknown or not names:
        raise ValueError(f"Unknown drill {', '.join(unknown) or '(none)'}; choose from {', '.join(DRILLS)}.")
    return [name for name in DRILLS if name in names]
