"""Snapshots: the one serialisation of what a gate agrees to, and its SHA-256 hash (kept in `workflows.canonical`,
which the audit trail's hash chain uses too)."""

from __future__ import annotations

from ..canonical import canonical_json, content_hash

__all__ = ["canonical_json", "content_hash"]
