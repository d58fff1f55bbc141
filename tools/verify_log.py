#!/usr/bin/env python3
"""Check a case tracker's public transparency log without trusting the site.

    python verify_log.py https://tracker.example.org/ --state my-state.json
    python verify_log.py https://tracker.example.org/ --save log.json   # also keep a copy
    python verify_log.py --log log.json --state my-state.json           # offline, from a copy

It checks that the latest tree head is signed by the site's Ed25519 key (pinned in the state
file on first use, or given with --public-key), recomputes every entry's leaf hash and the tree's
root, checks the site's inclusion proof of every entry (online), checks that the tree is
consistent with the last head this state file accepted (the site's consistency proof, and the
old root recomputed from the entries), and compares each public incident's history today with
what was logged: a history row rewritten, deleted or never logged fails.

Needs Python 3.10+ and the ``cryptography`` package; nothing from the tracker. Exit status: 0 all
checks hold, 1 a check failed, 2 the site or file could not be read.
"""

import argparse
import base64
import hashlib
import json
import struct
import sys
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAGE = 1000
INCIDENT_KINDS = ("claim_status", "publication", "correction")


# --- RFC 6962 / 9162 -----------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def verify_inclusion(index, tree_size, leaf, proof, root) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, proof, first_root, second_root) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second:
        return first == 0 and not proof
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def tree_head_message(timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """RFC 6962 TreeHeadSignature: v1, tree_hash, uint64 timestamp, uint64 size, root."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


# --- reading the site ---------------------------------------------------------------------------


class Unreadable(Exception):
    pass


class Site:
    """The site over HTTP. ``get(path)`` returns (status, parsed JSON or None)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/"

    def get(self, path: str):
        try:
            with urllib.request.urlopen(self.base + path.lstrip("/"), timeout=60) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            try:
                return error.code, json.load(error)
            except ValueError:
                return error.code, None
        except (OSError, ValueError) as error:
            raise Unreadable(f"{path}: {error}") from error

    def need(self, path: str):
        status, body = self.get(path)
        if status != 200:
            raise Unreadable(f"{path}: HTTP {status} {body}")
        return body


def download(site: Site) -> dict:
    head = site.need("transparency/tree-head.json")
    entries = []
    while len(entries) < head["tree_size"]:
        page = site.need(f"transparency/entries.json?start={len(entries)}&end={head['tree_size']}")[
            "entries"
        ]
        if not page:
            break
        entries += page
    incidents = sorted(
        {
            json.loads(e["entry"]).get("incident")
            for e in entries
            if json.loads(e["entry"]).get("kind") in INCIDENT_KINDS
            and json.loads(e["entry"]).get("incident") is not None
        }
    )
    histories = {}
    for pk in incidents:
        status, body = site.get(f"transparency/incidents/{pk}/history.json")
        if status == 200:
            histories[str(pk)] = body
        elif status != 404:
            raise Unreadable(f"history of incident {pk}: HTTP {status}")
    return {"tree_head": head, "entries": entries, "histories": histories}


# --- the checks ---------------------------------------------------------------------------------


class Report:
    def __init__(self, out):
        self.out, self.failures = out, 0

    def ok(self, message):
        print(f"ok    {message}", file=self.out)

    def fail(self, message):
        self.failures += 1
        print(f"FAIL  {message}", file=self.out)


def check(log: dict, *, state: dict, public_key: bytes | None, site: Site | None, out) -> dict:
    """Run every check; return the new state (meaningful only when nothing failed)."""
    report = Report(out)
    head = log["tree_head"]
    size, root = head["tree_size"], bytes.fromhex(head["root_hash"])

    # 1. the signature, by the pinned key
    served_key = base64.b64decode(head["public_key"])
    pinned = public_key or (
        base64.b64decode(state["public_key"]) if "public_key" in state else None
    )
    if pinned is None:
        pinned = served_key
        report.ok(f"key pinned on first use: {hashlib.sha256(pinned).hexdigest()}")
    elif pinned != served_key:
        report.fail("the site now serves a different public key than the one pinned")
    try:
        Ed25519PublicKey.from_public_bytes(pinned).verify(
            base64.b64decode(head["tree_head_signature"]),
            tree_head_message(head["timestamp"], size, root),
        )
        report.ok(f"tree head of {size} entries is signed by the pinned key")
    except (InvalidSignature, ValueError):
        report.fail("the tree head's signature does not verify")

    # 2. every entry: canonical, and together they make the signed root
    entries = log["entries"]
    leaves = []
    for i, item in enumerate(entries):
        data = item["entry"].encode()
        if item.get("index") != i:
            report.fail(f"entry {i}: the site numbered it {item.get('index')}")
        if canonical(json.loads(data)) != data:
            report.fail(f"entry {i}: not canonical JSON")
        leaf = leaf_hash(data)
        if item.get("leaf_hash") not in (None, leaf.hex()):
            report.fail(f"entry {i}: the site's leaf hash is not the entry's")
        leaves.append(leaf)
    if len(leaves) != size:
        report.fail(f"the site served {len(leaves)} entries for a tree of {size}")
    elif root_of(leaves) != root:
        report.fail("the entries do not make the signed root: the log was altered")
    else:
        report.ok(f"all {size} entries recomputed: they make the signed root")

    # 3. the site's inclusion proofs (online)
    if site is not None and len(leaves) == size:
        bad = 0
        for i, leaf in enumerate(leaves):
            proof = site.need(f"transparency/proof/inclusion.json?index={i}&tree_size={size}")
            path = [bytes.fromhex(h) for h in proof["audit_path"]]
            if not verify_inclusion(i, size, leaf, path, root):
                bad += 1
                report.fail(f"entry {i}: the site's inclusion proof does not verify")
        if not bad:
            report.ok(f"every entry is included: {size} inclusion proofs verify")

    # 4. consistent with the last head accepted
    if "tree_size" in state:
        old_size, old_root = state["tree_size"], bytes.fromhex(state["root_hash"])
        if size < old_size:
            report.fail(f"the log shrank from {old_size} to {size} entries")
        else:
            if len(leaves) >= old_size and root_of(leaves[:old_size]) != old_root:
                report.fail(
                    f"the first {old_size} entries no longer make the root accepted last time: "
                    "history was rewritten"
                )
            if site is not None and old_size:
                proof = site.need(
                    f"transparency/proof/consistency.json?first={old_size}&second={size}"
                )
                path = [bytes.fromhex(h) for h in proof["consistency"]]
                if verify_consistency(old_size, size, path, old_root, root):
                    report.ok(f"consistent with the head of {old_size} entries seen last time")
                else:
                    report.fail(f"the site's consistency proof from {old_size} does not verify")
            elif report.failures == 0:
                report.ok(f"the first {old_size} entries still make the root seen last time")

    # 5. public incidents' history today against the log
    by_index = {i: item["entry"] for i, item in enumerate(entries)}
    logged_by_incident = {}
    for item in entries:
        payload = json.loads(item["entry"])
        if payload.get("kind") in INCIDENT_KINDS and payload.get("incident") is not None:
            logged_by_incident.setdefault(str(payload["incident"]), []).append(payload["subject"])
    compared = 0
    for pk, history in sorted(log.get("histories", {}).items()):
        compared += 1
        shown = set()
        for item in history["entries"]:
            shown.add(item["subject"])
            index = item["log_index"]
            if index is None:
                report.fail(f"incident {pk}: {item['subject']} is in its history but not logged")
            elif by_index.get(index) != item["entry"]:
                report.fail(
                    f"incident {pk}: {item['subject']} was rewritten after it was logged "
                    f"(log entry {index})"
                )
        for subject in logged_by_incident.get(pk, []):
            if subject not in shown:
                report.fail(f"incident {pk}: logged {subject} is gone from its history")
    not_public = len(set(logged_by_incident) - set(log.get("histories", {})))
    if compared and report.failures == 0:
        report.ok(
            f"history of {compared} public incidents matches the log"
            + (f" ({not_public} logged incidents are not public now)" if not_public else "")
        )

    print(
        "RESULT: " + ("all checks hold" if not report.failures else f"{report.failures} FAILED"),
        file=out,
    )
    return {
        "failures": report.failures,
        "public_key": base64.b64encode(pinned).decode(),
        "tree_size": size,
        "root_hash": root.hex(),
    }


def main(argv=None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", help="the site's address, e.g. https://example.org/")
    parser.add_argument("--log", help="verify a copy saved with --save instead of the site")
    parser.add_argument("--save", help="also save what was downloaded to this file")
    parser.add_argument("--state", help="keeps the pinned key and the last accepted tree head")
    parser.add_argument("--public-key", help="the site's Ed25519 public key, base64 (32 bytes)")
    options = parser.parse_args(argv)
    if bool(options.site) == bool(options.log):
        parser.error("give the site's address or --log FILE")
    state = {}
    if options.state:
        try:
            with open(options.state) as kept:
                state = json.load(kept)
        except FileNotFoundError:
            pass
    site = Site(options.site) if options.site else None
    try:
        if site is not None:
            log = download(site)
        else:
            with open(options.log) as kept:
                log = json.load(kept)
        if options.save:
            with open(options.save, "w") as saved:
                json.dump(log, saved, indent=1)
        key = base64.b64decode(options.public_key) if options.public_key else None
        result = check(log, state=state, public_key=key, site=site, out=out)
    except (Unreadable, OSError, KeyError, ValueError) as error:
        print(f"ERROR could not read the log: {error}", file=out)
        return 2
    if result.pop("failures"):
        return 1
    if options.state:
        with open(options.state, "w") as kept:
            json.dump(result, kept, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
