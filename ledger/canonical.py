"""Canonical JSON: one byte string per entry, so anyone can recompute its hash.

Keys sorted, no whitespace, UTF-8, no floats (numbers are whole). For the values entries hold
(strings, whole numbers, booleans, null, lists and objects) this is the JSON Canonicalization
Scheme of RFC 8785.
"""

import json
from datetime import UTC, datetime


def canonical(value) -> bytes:
    _refuse_floats(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def instant(at: datetime) -> str:
    """A moment as entries write it: UTC, microseconds, a trailing Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _refuse_floats(value) -> None:
    if isinstance(value, float):
        raise TypeError("Log entries hold no floats: write numbers as whole numbers or strings.")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
