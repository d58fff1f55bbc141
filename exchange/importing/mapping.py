"""The mapping file: how another tracker's columns and values become our native columns.

A mapping is a JSON object (documented in docs/import.md)::

    {
      "name": "CIR Russia-Ukraine Monitor",
      "fields": {
        "external_id": {"column": "entry", "prefix": "cir:"},
        "title": {"column": "title", "template": "{event_group} in {town/city}"},
        "oblast": {"column": "province", "values": {"Donetsk Oblast": "donetsk"}},
        "category": {"column": "event_group", "patterns": [["^Civilian Casualty", "..."]],
                     "otherwise": "other"},
        "date_precision": {"constant": "day"},
        "summary": "brief description"
      },
      "latest_date": "2022-11-25"
    }

Without a mapping file the file is read in the native format: every native column maps to the
column of the same name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from cases.models import Incident

# Our columns, in the order docs/import.md lists them.
NATIVE_COLUMNS: tuple[str, ...] = (
    "external_id",
    *Incident.DESCRIPTIVE_FIELDS,
    "source_urls",
    "sources_graphic",
    "claim",
    "claimant",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("external_id", "title", "occurred_from", "category")

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SPEC_KEYS = {
    "column",
    "template",
    "constant",
    "values",
    "patterns",
    "otherwise",
    "default",
    "prefix",
}
_TOP_KEYS = {"name", "description", "fields", "latest_date", "date_formats", "non_url_text"}


class MappingError(ValueError):
    """The mapping file itself is wrong (not a row of the data)."""


def _key(value: str) -> str:
    """Value-map keys match case-insensitively and ignore runs of whitespace."""
    return " ".join(value.split()).casefold()


@dataclass(frozen=True)
class FieldSpec:
    """How one native column is filled from a row of the foreign file."""

    column: str = ""
    template: str = ""
    constant: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    otherwise: str | None = None
    default: str = ""
    prefix: str = ""

    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.template)

    def origin(self) -> str:
        """The name an error report gives this cell: the file's column where there is one."""
        return self.column or ", ".join(self.placeholders())

    def render(self, row: dict[str, str]) -> str:
        """This field's native value for ``row`` (a dict of the file's columns)."""
        if self.constant is not None:
            raw = self.constant
        else:
            raw = (row.get(self.column) or "").strip() if self.column else ""
            if not raw and self.template:
                raw = render_template(self.template, row)
        if raw:
            raw = self._translate(raw)
        if not raw:
            raw = self.default
        return f"{self.prefix}{raw}" if raw and self.prefix else raw

    def _translate(self, raw: str) -> str:
        if not (self.values or self.patterns or self.otherwise is not None):
            return raw
        key = _key(raw)
        if key in self.values:
            return self.values[key]
        for pattern, value in self.patterns:
            if pattern.search(raw):
                return value
        return self.otherwise if self.otherwise is not None else raw


def render_template(template: str, row: dict[str, str]) -> str:
    """Fill ``{column}`` placeholders; a line whose placeholders are all empty is dropped."""
    lines = []
    for line in template.splitlines():
        names = _PLACEHOLDER.findall(line)
        values = {name: (row.get(name) or "").strip() for name in names}
        if names and not any(values.values()):
            continue
        lines.append(_PLACEHOLDER.sub(lambda m, values=values: values[m.group(1)], line))
    return "\n".join(lines).strip()


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file. ``Mapping.native()`` is the identity mapping."""

    name: str
    fields: dict[str, FieldSpec]
    latest_date: dt.date | None = None
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    # "error": a word in the URL cell that is not a URL makes the row invalid;
    # "ignore": it is dropped with a warning (for trackers that write notes in that cell).
    non_url_text: str = "error"

    @classmethod
    def native(cls) -> Mapping:
        return cls(name="native", fields={name: FieldSpec(column=name) for name in NATIVE_COLUMNS})

    def apply(self, row: dict[str, str], header: set[str]) -> tuple[dict[str, str], set[str]]:
        """The row in native columns, and which native fields the file supplies."""
        values: dict[str, str] = {}
        present: set[str] = set()
        for name, spec in self.fields.items():
            supplied = (
                spec.constant is not None
                or spec.column in header
                or any(p in header for p in spec.placeholders())
            )
            if supplied:
                present.add(name)
                values[name] = spec.render(row)
            elif spec.default:
                present.add(name)
                values[name] = spec.default
        return values, present


def _spec(name: str, raw: Any) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(column=raw)
    if not isinstance(raw, dict):
        raise MappingError(f"fields.{name}: give a column name or an object.")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise MappingError(f"fields.{name}: unknown key(s) {', '.join(sorted(unknown))}.")
    for key in ("column", "template", "constant", "otherwise", "default", "prefix"):
        if key in raw and not isinstance(raw[key], str):
            raise MappingError(f"fields.{name}.{key}: must be a string.")
    values = raw.get("values", {})
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise MappingError(f"fields.{name}.values: must map strings to strings.")
    patterns = []
    for item in raw.get("patterns", []):
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            raise MappingError(f"fields.{name}.patterns: each entry is [regex, value].")
        try:
            patterns.append((re.compile(item[0], re.IGNORECASE), item[1]))
        except re.error as error:
            raise MappingError(f"fields.{name}.patterns: bad regex {item[0]!r}: {error}.") from None
    spec = FieldSpec(
        column=raw.get("column", ""),
        template=raw.get("template", ""),
        constant=raw.get("constant"),
        values={_key(k): v for k, v in values.items()},
        patterns=tuple(patterns),
        otherwise=raw.get("otherwise"),
        default=raw.get("default", ""),
        prefix=raw.get("prefix", ""),
    )
    if not (spec.column or spec.template or spec.constant is not None or spec.default):
        raise MappingError(f"fields.{name}: say where the value comes from (column, template, …).")
    return spec


def parse_mapping(data: Any) -> Mapping:
    """Check and parse a decoded mapping file; raises MappingError saying what is wrong."""
    if not isinstance(data, dict):
        raise MappingError("A mapping file is a JSON object.")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise MappingError(f"Unknown key(s) {', '.join(sorted(unknown))}.")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise MappingError("'fields' must map our column names to their source.")
    bad = set(raw_fields) - set(NATIVE_COLUMNS)
    if bad:
        raise MappingError(
            f"fields: {', '.join(sorted(bad))} not native column(s); "
            f"use {', '.join(NATIVE_COLUMNS)}."
        )
    latest = None
    if data.get("latest_date"):
        try:
            latest = dt.date.fromisoformat(data["latest_date"])
        except (TypeError, ValueError):
            raise MappingError("latest_date: use YYYY-MM-DD.") from None
    formats = data.get("date_formats", ["%Y-%m-%d"])
    if not (isinstance(formats, list) and formats and all(isinstance(f, str) for f in formats)):
        raise MappingError("date_formats: a list of strptime formats.")
    non_url = data.get("non_url_text", "error")
    if non_url not in ("error", "ignore"):
        raise MappingError("non_url_text: 'error' or 'ignore'.")
    return Mapping(
        name=str(data.get("name") or "mapping"),
        fields={name: _spec(name, raw) for name, raw in raw_fields.items()},
        latest_date=latest,
        date_formats=tuple(formats),
        non_url_text=non_url,
    )


def load_mapping(text: str | bytes) -> Mapping:
    """Parse the text of a mapping file."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise MappingError(f"Not valid JSON: {error}") from None
    return parse_mapping(data)


def shipped_mappings_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "mappings"


def shipped_mappings() -> dict[str, Path]:
    """The mappings that ship with the project, by file stem (e.g. ``cir_monitor``)."""
    folder = shipped_mappings_dir()
    return {path.stem: path for path in sorted(folder.glob("*.json"))} if folder.is_dir() else {}
