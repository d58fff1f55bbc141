"""Appending to the transparency log and reading it back with proofs.

``append`` is the only writer. It runs inside the caller's transaction (the service that
publishes, corrects or changes a status), so an entry exists exactly when the change does.
Every append signs a new tree head.
"""

import base64
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ledger import merkle, signing
from ledger.canonical import canonical
from ledger.models import LogEntry, LogState, TreeHead

ENTRY_VERSION = 1


class LogDamaged(Exception):
    """Stored entries are missing or do not hash as recorded: the log cannot answer."""


def document(*, subject: str, payload: dict) -> bytes:
    """The exact bytes an entry holds: canonical JSON of the payload with version and subject."""
    return canonical({"v": ENTRY_VERSION, "subject": subject, **payload})


def append(*, subject: str, scope: str, payload: dict) -> LogEntry:
    """Append one entry (canonical JSON of ``payload`` plus its subject) and sign a new head.

    An entry whose subject is already logged is not logged again; the existing one is returned.
    """
    data = document(subject=subject, payload=payload)
    with transaction.atomic():
        state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
        existing = LogEntry.objects.filter(subject=subject).first()
        if existing is not None:
            return existing
        leaf = merkle.leaf_hash(data)
        frontier = [(size, bytes.fromhex(h)) for size, h in state.frontier]
        frontier = merkle.frontier_append(frontier, leaf)
        entry = LogEntry.objects.create(
            index=state.size,
            subject=subject,
            scope=scope,
            payload=data.decode("utf-8"),
            leaf_hash=leaf.hex(),
            logged_at=timezone.now(),
        )
        state.size += 1
        state.frontier = [[size, h.hex()] for size, h in frontier]
        state.save()
        _sign_head(tree_size=state.size, root=merkle.frontier_root(frontier))
    return entry


def _sign_head(*, tree_size: int, root: bytes) -> TreeHead:
    timestamp_ms = int(time.time() * 1000)
    message = signing.tree_head_message(timestamp_ms=timestamp_ms, tree_size=tree_size, root=root)
    return TreeHead.objects.create(
        tree_size=tree_size,
        root_hash=root.hex(),
        timestamp_ms=timestamp_ms,
        signature=base64.b64encode(signing.sign(message)).decode(),
        key_id=signing.key_id(),
    )


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    tree_size: int
    root: bytes
    timestamp_ms: int
    signature: str
    stored: TreeHead | None = None

    def as_json(self) -> dict:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root.hex(),
            "timestamp": self.timestamp_ms,
            "tree_head_signature": self.signature,
            "signature_algorithm": "Ed25519",
            "public_key": base64.b64encode(signing.public_key_bytes()).decode(),
            "key_id": signing.key_id(),
            "signed_message_hex": signing.tree_head_message(
                timestamp_ms=self.timestamp_ms, tree_size=self.tree_size, root=self.root
            ).hex(),
        }


def size() -> int:
    state = LogState.objects.filter(pk=1).first()
    return state.size if state else 0


def head(tree_size: int | None = None) -> Head | None:
    """The latest signed head, or the one of ``tree_size``; None when there is no such head.

    An empty log has no stored head: its head is signed when asked (it writes nothing).
    """
    if tree_size is None:
        stored = TreeHead.objects.order_by("-tree_size").first()
    else:
        stored = TreeHead.objects.filter(tree_size=tree_size).first()
    if stored is not None:
        return Head(
            tree_size=stored.tree_size,
            root=bytes.fromhex(stored.root_hash),
            timestamp_ms=stored.timestamp_ms,
            signature=stored.signature,
            stored=stored,
        )
    if tree_size not in (None, 0):
        return None
    timestamp_ms = int(time.time() * 1000)
    message = signing.tree_head_message(
        timestamp_ms=timestamp_ms, tree_size=0, root=merkle.EMPTY_ROOT
    )
    return Head(
        tree_size=0,
        root=merkle.EMPTY_ROOT,
        timestamp_ms=timestamp_ms,
        signature=base64.b64encode(signing.sign(message)).decode(),
    )


def leaf_hashes(tree_size: int) -> list[bytes]:
    """The first ``tree_size`` leaf hashes, each checked against its stored entry."""
    rows = list(
        LogEntry.objects.filter(index__lt=tree_size)
        .order_by("index")
        .values_list("index", "leaf_hash")
    )
    if len(rows) != tree_size or any(index != i for i, (index, _) in enumerate(rows)):
        raise LogDamaged("entries are missing")
    return [bytes.fromhex(h) for _, h in rows]


def inclusion(*, index: int, tree_size: int) -> dict:
    leaves = leaf_hashes(tree_size)
    return {
        "leaf_index": index,
        "tree_size": tree_size,
        "leaf_hash": leaves[index].hex(),
        "audit_path": [h.hex() for h in merkle.inclusion_proof(index, leaves)],
    }


def consistency(*, first: int, second: int) -> dict:
    leaves = leaf_hashes(second)
    proof = merkle.consistency_proof(first, leaves) if first else []
    return {"first": first, "second": second, "consistency": [h.hex() for h in proof]}


def entry_json(entry: LogEntry) -> dict:
    return {
        "index": entry.index,
        "entry": entry.payload,
        "leaf_hash": entry.leaf_hash,
        "logged_at": entry.logged_at.isoformat(),
    }
