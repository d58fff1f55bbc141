"""The exports' rows built by PostgreSQL (issue 21): the same bytes as ``exchange.exports``.

Building every row in Python (reading values, a dict per row, formatting dates and numbers,
``json.dumps``) capped the exports at 1,000–3,000 rows/s. Here PostgreSQL writes the text and
Python only passes it on, a chunk of incidents at a time:

- the incidents and their order come from the same queryset as before (the list's filters over
  ``Incident.objects.public()``), read as ids; PostgreSQL never chooses what is exported;
- per chunk, one statement writes the rows: CSV with ``COPY (SELECT ...) TO STDOUT`` (whose
  quoting is the ``csv`` module's minimal quoting), JSON and GeoJSON as one text per chunk
  written with the same separators and key order as ``json.dumps``;
- what only Python knows is computed per chunk and passed in as arrays: the localised
  ``date_display`` (once per date range) and the legal mapping (``exchange.legal``).

Text stored before input refused control characters (``core.text``) is checked on the output,
as in ``exchange.exports``: a chunk that holds one is written again by the Python path, which
strips them. ``tests/test_exports.py`` compares both paths byte for byte.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import get_language

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    Incident,
    VerificationStatus,
    format_date_range,
)
from core.text import unprintable
from exchange import exports, legal
from law.models import IncidentProvision
from law.selectors import mapping_for_incidents
from sources.models import Source

# Incidents per statement: few enough statements that planning them does not show, small enough
# pieces to hold. A CSV chunk is ~1 KB an incident; a JSON one ~5 KB (twice that in memory as
# Python text with any non-ASCII character), so JSON and GeoJSON go 1,000 at a time.
CHUNK_SIZE = 2_000
JSON_CHUNK_SIZE = 1_000

_KINDS = {
    "CharField": "text",
    "TextField": "text",
    "SlugField": "text",
    "URLField": "text",
    "DateField": "date",
    "DateTimeField": "datetime",
    "DecimalField": "float",
    "FloatField": "float",
    "IntegerField": "int",
    "PositiveIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "BigIntegerField": "int",
    "BooleanField": "bool",
}


def _kind(model, name: str) -> str:
    field = model._meta.get_field(name)
    kind = _KINDS.get(field.get_internal_type())
    if kind is None:  # a new exported field of a type written nowhere below: say so in tests
        raise NotImplementedError(f"export_sql cannot write {model.__name__}.{name} yet")
    return kind


def _column(model, name: str, alias: str) -> str:
    return f"{alias}.{connection.ops.quote_name(model._meta.get_field(name).column)}"


def _iso(expr: str) -> str:
    """``exports.iso`` of a timestamptz: UTC, microseconds only when there are some, "Z"."""
    utc = f"({expr} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"date_part('microseconds', {expr})::bigint %% 1000000 = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _float(expr: str) -> str:
    """``repr(float(value))`` of a numeric: shortest round trip, "48.0" for a whole number."""
    return (
        f"CASE WHEN {expr} = trunc({expr}) THEN {expr}::bigint::text || '.0' "
        f"ELSE {expr}::float8::text END"
    )


def _json(expr: str, kind: str) -> str:
    """SQL for the JSON text of a value as ``json.dumps(..., ensure_ascii=False)`` writes it."""
    if kind == "text":
        # to_json escapes exactly as json.dumps does with ensure_ascii=False.
        return f"coalesce(to_json({expr})::text, 'null')"
    if kind in ("int", "bool", "json"):
        return f"coalesce(({expr})::text, 'null')"
    if kind == "date":
        return f"""coalesce('"' || to_char({expr}, 'YYYY-MM-DD') || '"', 'null')"""
    if kind == "datetime":
        return f"""coalesce('"' || {_iso(expr)} || '"', 'null')"""
    if kind == "float":
        return f"coalesce({_float(expr)}, 'null')"
    raise NotImplementedError(kind)


def _cell(expr: str, kind: str) -> str:
    """SQL for a CSV cell as ``exports._csv_cell`` writes it; NULL is the empty cell (COPY
    quotes an empty string, the csv module does not)."""
    if kind == "text":
        return (
            f"CASE WHEN left({expr}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
            f"THEN '''' || {expr} ELSE nullif({expr}, '') END"
        )
    if kind == "date":
        return f"to_char({expr}, 'YYYY-MM-DD')"
    if kind == "datetime":
        return _iso(expr)
    if kind == "float":
        return _float(expr)
    return f"({expr})::text"


def _object(pairs: list[tuple[str, str]]) -> str:
    """SQL concatenating ``{"key": value, ...}`` from (key, SQL of the value's JSON text)."""
    parts = [f"'\"{key}\": ' || {value}" for key, value in pairs]
    return "'{' || " + " || ', ' || ".join(parts) + " || '}'"


def _array(items_sql: str, order: str) -> str:
    return f"'[' || string_agg({items_sql}, ', ' ORDER BY {order}) || ']'"


# --- the statement's parts ---------------------------------------------------------------------

_STATUSES = VerificationStatus.values
_PERMALINK = "(%(link_head)s || i.slug || %(link_tail)s)"


def _incident_pairs(*, located: bool) -> list[tuple[str, str]]:
    """``exports.incident_record`` as (key, SQL) pairs; ``located`` leaves the coordinates out
    (GeoJSON puts them in the geometry)."""
    pairs = [
        ("slug", _json("i.slug", "text")),
        ("permalink", f"to_json{_PERMALINK}::text"),
    ]
    for name in Incident.PUBLIC_FIELDS:
        if located and name in ("latitude", "longitude"):
            continue
        pairs.append((name, _json(_column(Incident, name, "i"), _kind(Incident, name))))
    pairs += [
        ("date_display", "chunk.date_display"),
        ("publication_status", _json(_column(Incident, "status", "i"), "text")),
        ("retraction_note", _json(_column(Incident, "retraction_note", "i"), "text")),
        ("published_at", _json(_column(Incident, "published_at", "i"), "datetime")),
        ("updated_at", _json(_column(Incident, "updated_at", "i"), "datetime")),
    ]
    return pairs


# Each incident's dependants are read by correlated subqueries (LATERAL): a few index probes an
# incident. Grouping a chunk's claims, victims and links in CTEs let the planner sort on disk
# and walk whole indexes (twice as slow on 100,000 incidents).
_CLAIMS = Claim._meta.db_table


def _counts_lateral(*, with_claims: bool) -> str:
    """``counts``: the incident's claims by status, and for JSON ``counts.items``, its claims."""
    columns = ["count(*) AS n_total"] + [
        f"count(*) FILTER (WHERE c.status = '{status}') AS n_{status}" for status in _STATUSES
    ]
    if with_claims:
        columns.append(f"{_array(_claim_json(), 'c.id')} AS items")
    return (
        f"LEFT JOIN LATERAL (SELECT {', '.join(columns)} FROM {_CLAIMS} c "
        "WHERE c.incident_id = i.id) counts ON true"
    )


def _claim_counts_json() -> str:
    return _object([(status, f"counts.n_{status}::text") for status in _STATUSES])


def _claim_json() -> str:
    evidence = _object(
        [
            ("source_id", "e.source_id::text"),
            ("relation", _json(_column(ClaimEvidence, "relation", "e"), "text")),
            ("note", _json(_column(ClaimEvidence, "note", "e"), "text")),
        ]
    )
    evidence_list = (
        f"(SELECT {_array(evidence, 'e.id')} FROM {ClaimEvidence._meta.db_table} e "
        "WHERE e.claim_id = c.id)"
    )
    methods = _column(Claim, "methods", "c")
    return _object(
        [
            ("id", "c.id::text"),
            ("permalink", f"to_json({_PERMALINK} || '#claim-' || c.id)::text"),
            ("text", _json(_column(Claim, "text", "c"), "text")),
            ("claimant", _json(_column(Claim, "claimant", "c"), "text")),
            ("statement_id", _json("c.statement_id", "int")),
            ("status", _json("c.status", "text")),
            ("rationale", _json(_column(Claim, "rationale", "c"), "text")),
            # list(claim["methods"] or []): jsonb writes arrays as json.dumps does.
            (
                "methods",
                f"CASE WHEN jsonb_typeof({methods}) = 'array' THEN {methods}::text ELSE '[]' END",
            ),
            ("status_changed_at", _json(_column(Claim, "status_changed_at", "c"), "datetime")),
            ("evidence", f"coalesce({evidence_list}, '[]')"),
        ]
    )


def _victims_lateral() -> str:
    # AllegedVictim.publishable_name: the name only when its publication is allowed.
    public = "(v.identity_public AND v.name <> '')"
    victim = _object(
        [
            ("name", f"CASE WHEN {public} THEN to_json(v.name)::text ELSE 'null' END"),
            ("name_withheld", f"CASE WHEN {public} THEN 'false' ELSE 'true' END"),
            ("status", _json("v.status", "text")),
            ("fate", _json("v.fate", "text")),
            ("count", "v.count::text"),
        ]
    )
    return (
        f"LEFT JOIN LATERAL (SELECT {_array(victim, 'v.id')} AS items "
        f"FROM {AllegedVictim._meta.db_table} v WHERE v.incident_id = i.id) vi ON true"
    )


def _sources_lateral(*, csv: bool) -> str:
    if csv:
        items = "string_agg(s.url, ' | ' ORDER BY l.source_id) FILTER (WHERE s.url <> '')"
    else:
        source = _object(
            [
                ("id", "l.source_id::text"),
                ("url", _json("s.url", "text")),
                ("is_graphic", "s.is_graphic::text"),
            ]
        )
        items = _array(source, "l.source_id")
    return (
        f"LEFT JOIN LATERAL (SELECT {items} AS items "
        f"FROM {Source.incidents.through._meta.db_table} l "
        f"JOIN {Source._meta.db_table} s ON s.id = l.source_id "
        "WHERE l.incident_id = i.id) so ON true"
    )


_CHUNK = """WITH chunk AS (
        SELECT * FROM unnest(%(ids)s::bigint[], %(dates)s::text[], %(legal)s::text[],
                             %(legal_gaps)s::text[])
            WITH ORDINALITY AS t(id, date_display, legal, legal_gaps, n)
        ORDER BY id
    )"""
# The chunk's incidents are read in id order, the order in which they and their dependants lie
# on disk: neighbouring rows share pages (twice as fast as the export's order at 100,000).
# The rows come back unordered and are put in the export's order (``n``) afterwards.
# The public gate again, row by row: the ids were chosen at the start of the export (from a
# snapshot, or a replica); an incident withdrawn since is left out, never read as it is now.
_FROM = (
    f"FROM chunk JOIN {Incident._meta.db_table} i ON i.id = chunk.id"
    " AND i.status = ANY(%(public_statuses)s)"
)


def _json_sql() -> str:
    item = _object(
        [
            *_incident_pairs(located=False),
            ("claim_counts", _claim_counts_json()),
            ("claims", "coalesce(counts.items, '[]')"),
            ("victims", "coalesce(vi.items, '[]')"),
            ("sources", "coalesce(so.items, '[]')"),
            ("legal_mapping", "coalesce(chunk.legal, '[]')"),
        ]
    )
    return f"""{_CHUNK}
    SELECT chunk.n, {item} {_FROM}
    {_counts_lateral(with_claims=True)} {_victims_lateral()} {_sources_lateral(csv=False)}"""


def _geojson_sql() -> str:
    properties = _object([*_incident_pairs(located=True), ("claim_counts", _claim_counts_json())])
    longitude = _json(_column(Incident, "longitude", "i"), "float")
    latitude = _json(_column(Incident, "latitude", "i"), "float")
    geometry = (
        f"""'{{"type": "Point", "coordinates": [' || {longitude} || ', ' || {latitude} || ']}}'"""
    )
    item = _object(
        [
            ("type", """'"Feature"'"""),
            ("id", _json("i.slug", "text")),
            ("geometry", geometry),
            ("properties", properties),
        ]
    )
    return f"""{_CHUNK}
    SELECT chunk.n, {item} {_FROM}
    {_counts_lateral(with_claims=False)}"""


def _csv_sql() -> str:
    cells = []
    for column in exports.CSV_COLUMNS:
        if column == "slug":
            cells.append(_cell("i.slug", "text"))
        elif column == "permalink":
            cells.append(_cell(_PERMALINK, "text"))
        elif column in Incident.PUBLIC_FIELDS:
            cells.append(_cell(_column(Incident, column, "i"), _kind(Incident, column)))
        elif column == "date_display":
            cells.append("nullif(chunk.date_display, '')")
        elif column == "publication_status":
            cells.append(_cell(_column(Incident, "status", "i"), "text"))
        elif column in ("retraction_note", "published_at", "updated_at"):
            cells.append(_cell(_column(Incident, column, "i"), _kind(Incident, column)))
        elif column == "claims_total":
            cells.append("counts.n_total")
        elif column.startswith("claims_"):
            cells.append(f"counts.n_{column.removeprefix('claims_')}")
        elif column == "source_urls":
            cells.append(_cell("so.items", "text"))
        elif column == "legal_provisions":
            cells.append("nullif(chunk.legal, '')")
        elif column == "elements_without_verified_claim":
            cells.append("nullif(chunk.legal_gaps, '')")
        else:  # a new column must be written here too; the tests compare both paths
            raise NotImplementedError(f"export_sql cannot write the CSV column {column!r} yet")
    # The last cell marks the end of a row: COPY ends rows with "\n", the csv module with
    # "\r\n", and a newline inside a quoted cell must stay as it is.
    return f"""COPY ({_CHUNK}
    SELECT {", ".join(cells)}, chr(30) {_FROM}
    {_counts_lateral(with_claims=False)} {_sources_lateral(csv=True)}
    ORDER BY chunk.n) TO STDOUT WITH (FORMAT csv)"""


_ROW_END = ",\x1e\n"


# --- the streams ------------------------------------------------------------------------------


def _chunks(queryset: QuerySet, size: int) -> Iterator[list[tuple]]:
    """(id, slug, occurred_from, occurred_to, date_precision) of the exported incidents, in
    order, ``size`` at a time."""
    rows = queryset.values_list("pk", "slug", "occurred_from", "occurred_to", "date_precision")
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_DATES: dict[tuple, tuple[str, str]] = {}


def _date_display(start, end, precision) -> tuple[str, str]:
    """The date as ``Incident.date_display`` writes it, as JSON text and as a CSV cell; once per
    date range and language (Django's localised date formatting is slow)."""
    key = (get_language(), start, end, precision)
    found = _DATES.get(key)
    if found is None:
        if len(_DATES) > 20_000:
            _DATES.clear()
        text = format_date_range(start, end, precision)
        found = _DATES[key] = (exports._dumps(text), exports._csv_cell(text))
    return found


@contextmanager
def _statement() -> Iterator:
    """A cursor for one chunk's statement, in a transaction of its own with JIT compilation
    off: the statements' estimated cost passes PostgreSQL's threshold for it, and compiling
    took a second for a statement that runs in a third of one."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield cursor


def _mapped_incidents() -> set[int]:
    """The ids of the incidents with a legal mapping: few (an editor's work), so a chunk
    without any (most) costs no query for it."""
    return set(IncidentProvision.objects.values_list("incident_id", flat=True))


def _params(chunk: list[tuple], *, fmt: str, mapped: set[int]) -> dict:
    """The statement's parameters for a chunk: ids, and what Python computes (``fmt`` is
    "csv", "json" or "geojson"; ``mapped``, the incidents with a legal mapping)."""
    ids = [row[0] for row in chunk]
    link_head, link_tail = exports._permalink_pattern().split("{}")
    csv = fmt == "csv"
    dates = [_date_display(*row[2:])[1 if csv else 0] for row in chunk]
    wanted = [pk for pk in ids if pk in mapped]
    mapping = mapping_for_incidents(wanted) if wanted else {}
    # unnest() pads shorter arrays with NULL: a chunk without a legal mapping (most) sends
    # none, and NULL is the empty CSV cell or, in JSON, "[]".
    provisions, gaps = [], []
    if mapping and csv:
        cells = [legal.csv_cells(mapping.get(pk, [])) for pk in ids]
        provisions = [exports._csv_cell(c["legal_provisions"]) for c in cells]
        gaps = [exports._csv_cell(c["elements_without_verified_claim"]) for c in cells]
    elif mapping:
        provisions = [
            exports._dumps(legal.legal_mapping(mapping[pk], link_head + slug + link_tail))
            if pk in mapping
            else "[]"
            for pk, slug, *_ in chunk
        ]
    return {
        "public_statuses": [str(status) for status in Incident.PUBLIC_STATUSES],
        "ids": ids,
        "dates": dates,
        "legal": provisions,
        "legal_gaps": gaps,
        "link_head": link_head,
        "link_tail": link_tail,
    }


def _python_chunk(chunk: list[tuple], parts: frozenset) -> list[Incident]:
    """The chunk's incidents for the Python path, in the export's order."""
    by_id = Incident.objects.public().in_bulk([row[0] for row in chunk])
    # An incident withdrawn (or deleted) since the export began is left out.
    batch = [by_id[row[0]] for row in chunk if row[0] in by_id]
    exports._attach_related(batch, parts)
    return batch


def _refused(text: bytes) -> bool:
    """``exports._REFUSED_IN_JSON`` in ``text`` (UTF-8); the escapes looked for only where there
    is a backslash, U+FFFE/U+FFFF only where there is more than ASCII."""
    if b"\\" in text and any(marker in text for marker in (b"\\u00", b"\\b", b"\\f")):
        return True
    if b"\x7f" in text:
        return True
    return not text.isascii() and (b"\xef\xbf\xbe" in text or b"\xef\xbf\xbf" in text)


def stream_csv(queryset: QuerySet) -> Iterator[str]:
    """``exports.stream_csv`` of the queryset's incidents."""
    yield next(exports.stream_csv([]))  # the header row
    sql = _csv_sql()
    mapped = _mapped_incidents()
    for chunk in _chunks(queryset, CHUNK_SIZE):
        with _statement() as cursor:
            statement = cursor.mogrify(sql, _params(chunk, fmt="csv", mapped=mapped)).decode()
            buffer = io.StringIO()
            cursor.copy_expert(statement, buffer)
        raw = buffer.getvalue()
        text = raw.replace(_ROW_END, "\r\n")
        # Every row ends with the marker, and nothing else holds it or another control
        # character; else (rare: text stored before input refused them) the Python path.
        if len(text) != len(raw) - len(chunk) or unprintable(text):
            text = "".join(exports.stream_csv(_python_chunk(chunk, exports.CSV_PARTS)))
            text = text.split("\r\n", 1)[1]  # without its header
        yield text


def _stream_array(queryset: QuerySet, fmt: str, parts: frozenset, item) -> Iterator[str]:
    sql = _json_sql() if fmt == "json" else _geojson_sql()
    mapped = _mapped_incidents() if fmt == "json" else set()
    first = True
    for chunk in _chunks(queryset, JSON_CHUNK_SIZE):
        with _statement() as cursor:
            # The text as PostgreSQL sends it (UTF-8), not decoded into Python text only to be
            # encoded again for the response: a quarter less time, half the memory.
            psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor.cursor)
            cursor.execute(sql, _params(chunk, fmt=fmt, mapped=mapped))
            rows = cursor.fetchall()
        if not rows:  # every incident of the chunk withdrawn since the export began
            continue
        # In the export's order (PostgreSQL reads them in id order, see _FROM); one copy of
        # the chunk's text at a time, the separator from the previous chunk included.
        rows.sort()
        pieces = [] if first else [b""]
        pieces += [piece for _, piece in rows]
        del rows
        text = b",\n".join(pieces)
        del pieces
        if _refused(text):  # rare: stored before input refused such characters
            python = [exports._dumps(item(i)) for i in _python_chunk(chunk, parts)]
            text = ",\n".join(python if first else ["", *python]).encode()
        first = False
        yield text


def stream_json(queryset: QuerySet, *, filters: dict[str, str]) -> Iterator[str]:
    """``exports.stream_json`` of the queryset's incidents."""
    head, *_ = exports.stream_json([], filters=filters)
    yield head
    yield from _stream_array(queryset, "json", exports.FULL, exports.json_incident)
    yield "\n]}\n"


def stream_geojson(queryset: QuerySet) -> Iterator[str]:
    """``exports.stream_geojson`` of the queryset's incidents (those with coordinates)."""
    yield '{"type": "FeatureCollection", "features": [\n'
    parts = exports.GEOJSON_PARTS
    yield from _stream_array(queryset, "geojson", parts, exports.geojson_feature)
    yield "\n]}\n"
