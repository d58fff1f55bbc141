"""Rows in native columns → typed incident values, or errors naming the row and column."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from cases.models import Category, DatePrecision, Incident, LocationPrecision, Oblast
from cases.oblasts import oblast_at, oblast_from_name
from core.text import check_text
from exchange.importing.mapping import Mapping
from exchange.importing.reader import RowError, SourceRow

_TRUE = {"1", "yes", "true", "y", "graphic"}
# What a file writes for "no date known": the incident gets date precision "unknown", no date.
UNKNOWN_DATE_WORDS = {"unknown", "date unknown", "невідомо", "дата невідома", "неизвестно"}
_FALSE = {"0", "no", "false", "n", ""}
_URL_SPLIT = re.compile(r"[\s|]+")
# Two URLs pasted together without a space: "https://a/1https://a/1". A URL that contains
# another one (a Wayback link: ".../web/20220301000000/https://twitter.com/...") is not two:
# we split only where the second scheme follows a character a URL's path cannot end its own
# segment with before another URL (never after / = ? & # : % *).
_GLUED = re.compile(r"(?<=[^\s/=?&#:%*])(?=https?://)", re.IGNORECASE)
# Punctuation of the sentence around a URL, not part of it.
_TRAILING = ",.;:!?'\"”’»"
_LEADING = "(<«“‘\"'"
_BRACKETS = {")": "(", "]": "[", "}": "{", ">": "<"}
# Web archives' addresses of an archived page: <archive>/<timestamp>/<original URL>.
_ARCHIVED = re.compile(
    r"^https?://(?:web\.archive\.org/web|(?:www\.)?archive\.(?:today|ph|is|li|vn|fo|md))"
    r"/\d{4,14}[a-z_]*\*?/(?P<original>(?:https?://)?\S+)$",
    re.IGNORECASE,
)
_validate_url = URLValidator(schemes=["http", "https"])
_SIX_PLACES = Decimal("0.000001")


@dataclass
class ParsedRow:
    """A valid row: what the incident, its sources and its claim should look like."""

    number: int
    external_id: str
    fields: dict[str, Any]  # only the incident fields the file supplies
    urls: list[str] = field(default_factory=list)
    archives: dict[str, str] = field(default_factory=dict)  # URL -> its archived copy's URL
    graphic: bool = False
    claim: str = ""
    claimant: str = ""


def _choice(enum, raw: str) -> str:
    """A choice's value from its value or its label, case-insensitively."""
    key = " ".join(raw.split()).casefold()
    for value, label in enum.choices:
        if key in (value.casefold(), str(label).casefold()):
            return value
    raise ValueError


def _partial_date(raw: str, formats: tuple[str, ...]) -> tuple[dt.date, str | None]:
    """A date, and the precision its form implies (``2022-03`` → month, ``2022`` → year)."""
    for fmt in formats:
        try:
            return dt.datetime.strptime(raw, fmt).date(), None  # noqa: DTZ007 (a date, no time)
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}-\d{2}", raw):
        return dt.date(int(raw[:4]), int(raw[5:]), 1), DatePrecision.MONTH
    if re.fullmatch(r"\d{4}", raw):
        return dt.date(int(raw), 1, 1), DatePrecision.YEAR
    raise ValueError


def split_urls(cell: str) -> list[str]:
    """The URLs in a cell: whitespace- or ``|``-separated, glued pairs pulled apart, each
    without the punctuation of the sentence around it (see ``strip_punctuation``)."""
    parts = (part for token in _URL_SPLIT.split(cell) for part in _GLUED.split(token))
    return [url for url in map(strip_punctuation, parts) if url]


def strip_punctuation(token: str) -> str:
    """``token`` without the sentence's punctuation around it: trailing ``, . ; : ! ?`` and
    quotes, a closing bracket that closes nothing in the URL (``…/Kherson_(city)`` keeps its
    own), leading brackets and quotes."""
    token = token.lstrip(_LEADING)
    while token:
        last = token[-1]
        if (
            last in _TRAILING
            or last in _BRACKETS
            and token.count(last) > token.count(_BRACKETS[last])
        ):
            token = token[:-1]
        else:
            break
    return token


def archived_original(url: str) -> str | None:
    """The original URL inside a web archive's address (Wayback Machine, archive.today and its
    mirrors), or None if ``url`` is not an archived copy."""
    match = _ARCHIVED.match(url)
    if match is None:
        return None
    original = match.group("original")
    if not re.match(r"^https?://", original, re.IGNORECASE):
        original = f"https://{original}"
    return original


class _Row:
    """Collects one row's values and errors."""

    def __init__(self, source: SourceRow, mapping: Mapping, latest: dt.date):
        self.source = source
        self.mapping = mapping
        self.latest = latest
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.fields: dict[str, Any] = {}
        self.unknown_date = False

    def error(self, name: str, message: str) -> None:
        self.errors.append(
            RowError(self.source.number, self.source.origins.get(name, name), message)
        )

    def raw(self, name: str) -> str:
        return (self.source.values.get(name) or "").strip()

    def publishable(self, name: str, value: str) -> bool:
        """False, with the error on the cell, if the text has a character no output can carry."""
        try:
            check_text(value)
        except ValidationError as error:
            for message in error.messages:
                self.error(name, message)
            return False
        return True

    def text(self, name: str, *, max_length: int | None = None, required: bool = False) -> None:
        if name not in self.source.present:
            return
        value = self.raw(name)
        if required and not value:
            self.error(name, "a value is required")
        elif max_length and len(value) > max_length:
            self.error(name, f"at most {max_length} characters (this has {len(value)})")
        elif self.publishable(name, value):
            self.fields[name] = value

    def choice(self, name: str, enum, what: str, *, required: bool = False) -> None:
        if name not in self.source.present:
            return
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, "a value is required")
            elif name == "oblast":
                self.fields[name] = ""
            return
        try:
            self.fields[name] = _choice(enum, value)
        except ValueError:
            known = oblast_from_name(value) if name == "oblast" else None
            if known is None:
                self.error(name, f"unknown {what} {value!r}")
            else:
                self.fields[name] = known

    def date(self, name: str, *, required: bool = False) -> None:
        if name not in self.source.present:
            if required:
                self.error(name, "a value is required")
            return
        value = self.raw(name)
        precision = self.raw("date_precision").casefold()
        if name == "occurred_from" and (
            value.casefold() in UNKNOWN_DATE_WORDS
            or (not value and precision in UNKNOWN_DATE_WORDS)
        ):
            self.fields[name] = None
            self.unknown_date = True
            return
        if not value:
            if required:
                self.error(name, "a date is required (or 'unknown' when no source gives one)")
            else:
                self.fields[name] = None
            return
        try:
            parsed, implied = _partial_date(value, self.mapping.date_formats)
        except ValueError:
            self.error(name, f"not a date: {value!r} (use YYYY-MM-DD)")
            return
        if parsed > self.latest:
            self.error(name, f"{parsed} is after {self.latest}; a typo in the year?")
            return
        self.fields[name] = parsed
        if implied and name == "occurred_from" and not self.raw("date_precision"):
            self.fields["date_precision"] = implied

    def coordinate(self, name: str, limit: int) -> None:
        if name not in self.source.present:
            return
        value = self.raw(name)
        if not value:
            self.fields[name] = None
            return
        try:
            number = Decimal(value.replace(",", "."))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.error(name, f"not a number: {value!r}")
            return
        if not -limit <= number <= limit:
            self.error(name, f"{value} is out of range (-{limit} to {limit})")
            return
        self.fields[name] = number.quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)

    def count(self, name: str) -> None:
        if name not in self.source.present:
            return
        value = self.raw(name)
        if not value:
            self.fields[name] = None
        elif value.isdigit() and int(value) < 2**31:
            self.fields[name] = int(value)
        else:
            self.error(name, f"not a whole number of people: {value!r}")


def _check_row(row: _Row) -> None:
    """The incident's own rules (the database constraints), reported against the file's cells."""
    f = row.fields
    if row.unknown_date:
        if f.get("occurred_to"):
            row.error("occurred_to", "an end date with an unknown start date")
        f["date_precision"] = DatePrecision.UNKNOWN
    elif f.get("date_precision") == DatePrecision.UNKNOWN:
        row.error("date_precision", "'unknown' with a date: leave the date empty or say unknown")
    if f.get("occurred_to") and f.get("occurred_from") and f["occurred_to"] < f["occurred_from"]:
        row.error("occurred_to", "the end date is before the start date")
    out_of_range = {e.column for e in row.errors} & {
        row.source.origins.get(n, n) for n in ("latitude", "longitude")
    }
    if (
        not out_of_range
        and ("latitude" in f or "longitude" in f)
        and (f.get("latitude") is None) != (f.get("longitude") is None)
    ):
        missing = "latitude" if f.get("latitude") is None else "longitude"
        row.error(missing, "give both latitude and longitude, or neither")
    if f.get("victims_max") is not None:
        if f.get("victims_min") is None:
            row.error("victims_min", "a maximum number of victims needs a minimum")
        elif f["victims_max"] < f["victims_min"]:
            row.error("victims_max", "the maximum is below the minimum")
    if row.errors:
        return
    _derive_oblast(row)
    # Field-level rules the model knows and we did not repeat above (lengths, validators).
    incident = Incident(**f)
    try:
        incident.clean_fields(exclude=[n.name for n in Incident._meta.fields if n.name not in f])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                row.error(name, message)


def _derive_oblast(row: _Row) -> None:
    """No oblast in the file but coordinates: the oblast at those coordinates, marked derived."""
    f = row.fields
    if f.get("oblast") or f.get("latitude") is None:
        if f.get("oblast"):
            f["oblast_derived"] = False
        return
    derived = oblast_at(f["latitude"], f["longitude"])
    if derived:
        f["oblast"] = derived
        f["oblast_derived"] = True


def validate_rows(
    rows: list[SourceRow], mapping: Mapping
) -> tuple[list[ParsedRow], list[RowError], list[RowError]]:
    """Parse every row. Returns the valid rows, the errors and the warnings.

    A row is valid when none of its cells has an error and its external id appears in no other
    row of the file (with duplicates we cannot know which row the id belongs to, so none of them
    is imported).
    """
    latest = mapping.latest_date or timezone.localdate()
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    warnings: list[RowError] = []
    numbers_by_id: dict[str, list[int]] = defaultdict(list)
    for source in rows:
        row = _Row(source, mapping, latest)
        row.text("external_id", max_length=100, required=True)
        row.text("title", max_length=300, required=True)
        row.text("summary")
        row.text("description")
        row.date("occurred_from", required=True)
        row.date("occurred_to")
        row.choice("date_precision", DatePrecision, "date precision")
        row.text("place_name", max_length=200)
        row.choice("oblast", Oblast, "oblast")
        row.text("country", max_length=100)
        if not row.fields.get("country", "x"):
            del row.fields["country"]  # empty: the model's default (Ukraine) on create
        row.coordinate("latitude", 90)
        row.coordinate("longitude", 180)
        row.choice("location_precision", LocationPrecision, "location precision")
        row.choice("category", Category, "category", required=True)
        row.text("perpetrator", max_length=300)
        row.count("victims_min")
        row.count("victims_max")
        for name in ("date_precision", "location_precision"):
            if row.fields.get(name, "x") == "":
                del row.fields[name]
        _check_row(row)
        urls, archives = _urls(row)
        graphic = _flag(row, "sources_graphic")
        claimant = row.raw("claimant")
        if len(claimant) > 300:
            row.error("claimant", "at most 300 characters")
        row.publishable("claimant", claimant)
        row.publishable("claim", row.raw("claim"))
        external_id = row.fields.pop("external_id", "")
        if external_id:
            numbers_by_id[external_id].append(source.number)
        errors.extend(row.errors)
        warnings.extend(row.warnings)
        if not row.errors:
            parsed.append(
                ParsedRow(
                    number=source.number,
                    external_id=external_id,
                    fields=row.fields,
                    urls=urls,
                    archives=archives,
                    graphic=graphic,
                    claim=row.raw("claim"),
                    claimant=claimant,
                )
            )
    duplicated = {eid: numbers for eid, numbers in numbers_by_id.items() if len(numbers) > 1}
    if duplicated:
        column = rows[0].origins.get("external_id", "external_id")
        for eid, numbers in duplicated.items():
            for number in numbers:
                others = ", ".join(str(n) for n in numbers if n != number)
                errors.append(
                    RowError(
                        number, column, f"duplicate id {eid!r} in the file (also row {others})"
                    )
                )
        parsed = [row for row in parsed if row.external_id not in duplicated]
    errors.sort(key=lambda e: e.row)
    warnings.sort(key=lambda e: e.row)
    return parsed, errors, warnings


def _valid_url(token: str) -> str | None:
    candidate = token
    if "://" not in candidate and re.match(r"^[\w-]+(\.[\w-]+)+/", candidate):
        candidate = f"https://{candidate}"  # "t.me/channel/1": a URL without its scheme
    try:
        if len(candidate) > 2000:
            raise ValidationError("too long")
        _validate_url(candidate)
    except ValidationError:
        return None
    return candidate


def _urls(row: _Row) -> tuple[list[str], dict[str, str]]:
    """The row's valid URLs and their archived copies; the words that are not URLs are
    reported once per cell. An archived copy (a Wayback Machine link) gives the original URL
    as the source, with the archive link as its archived copy."""
    urls: list[str] = []
    archives: dict[str, str] = {}
    rejected: list[str] = []
    for token in split_urls(row.raw("source_urls")):
        candidate = _valid_url(token)
        if candidate is None:
            rejected.append(token)
            continue
        original = archived_original(candidate)
        original = _valid_url(original) if original else None
        if original:
            archives.setdefault(original, candidate)
            candidate = original
        if candidate not in urls:
            urls.append(candidate)
    if rejected:
        text = " ".join(rejected)
        text = text if len(text) <= 80 else text[:79] + "…"
        if row.mapping.non_url_text == "ignore":
            column = row.source.origins.get("source_urls", "source_urls")
            row.warnings.append(
                RowError(row.source.number, column, f"not a URL, ignored: {text!r}")
            )
        else:
            row.error("source_urls", f"not a URL: {text!r}")
    return urls, archives


def _flag(row: _Row, name: str) -> bool:
    value = row.raw(name).casefold()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        row.error(name, f"use yes or no, not {value!r}")
    return False
