"""The one canonical serialisation that the engine hashes, and its SHA-256: what a gate's snapshot freezes and what
each audit event of the tamper-evident trail holds are both hashed with these.

A leaf module (it imports nothing of the project), so that the audit trail, which `workflows.transitions` writes, can
use it without importing the services; `workflows.services.snapshots` re-exports both functions."""

from __future__ import annotations

import hashlib
import json


def canonical_json(content: dict) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, dates and decimals as strings."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
