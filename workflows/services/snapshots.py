"""Snapshots: the one serialisation of what a gate agrees to, and its SHA-256 hash."""

from __future__ import annotations

import hashlib
import json


def canonical_json(content: dict) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, dates and decimals as strings."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
