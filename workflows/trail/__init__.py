"""The tamper-evident audit trail: every audit event is chained by SHA-256 hashes to the event before it on its
subject's chain, in the transaction that writes it.

- `hashing`: what is hashed (an event's content, its link to the one before, a record of decision's text), and
  `Sealer`, which chains events in memory for writers that number them themselves (a migration, the benchmark data)
- `append`: appending one event to its chain (`workflows.transitions.audit` calls it)
- `verify`: walking every chain in id order, in batches, and reporting the first break (`manage.py verify_audit`)
- `proofs`: what is published: every chain's head and their root, and a record of decision's proof
"""

from .hashing import GENERAL_CHAIN, GENESIS, chain_key, event_content, link_hash, record_hash
from .proofs import Entry, decision_entry, published_heads, record_proof, trail_root
from .verify import Break, Report, verify_trail

__all__ = [
    "GENERAL_CHAIN",
    "GENESIS",
    "Break",
    "Entry",
    "Report",
    "chain_key",
    "decision_entry",
    "event_content",
    "link_hash",
    "published_heads",
    "record_hash",
    "record_proof",
    "trail_root",
    "verify_trail",
]
