"""Reading the CSV file and turning its rows into our native columns."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field

from exchange.importing.mapping import REQUIRED_COLUMNS, Mapping


@dataclass(frozen=True)
class RowError:
    """One problem, located the way a researcher finds it in a spreadsheet."""

    row: int  # spreadsheet numbering: the header is row 1, the first record row 2
    column: str  # the column's name in the file that was read
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class SourceRow:
    """A record of the file in native columns, before validation."""

    number: int
    values: dict[str, str]
    present: set[str]
    origins: dict[str, str] = field(default_factory=dict)  # native column -> the file's column


class FileError(ValueError):
    """The file cannot be read at all (encoding, no header, missing required columns)."""


def normalise_text(text: str) -> str:
    """One spelling of the same text: CRLF and CR line ends become LF, Unicode is composed
    (NFC: "й" typed as и + breve equals the single letter), no byte-order mark. Applied to
    every cell, so that a re-import of the same content saved another way changes nothing."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return unicodedata.normalize("NFC", text)


def decode(data: bytes) -> str:
    """UTF-8 (with or without the byte-order mark spreadsheets add), or UTF-16 with its
    byte-order mark ("Unicode text" from spreadsheets); anything else is refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FileError(
                f"The file is not valid UTF-16 (byte {error.start}). Save it as 'CSV UTF-8'."
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            f"The file is not UTF-8 (byte {error.start}). Save it as 'CSV UTF-8' and try again."
        ) from None


def read_rows(text: str, mapping: Mapping) -> list[SourceRow]:
    """Every record of the CSV ``text`` in native columns. Raises FileError for file problems."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [normalise_text(name).strip() for name in next(reader)]
    except StopIteration:
        raise FileError("The file is empty.") from None
    except csv.Error as error:
        raise FileError(f"row 1: {error}") from None
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicates:
        raise FileError(f"row 1: column(s) named twice: {', '.join(duplicates)}.")
    columns = set(header)
    missing = [
        f"{name} (from {mapping.fields[name].origin() or name})"
        if mapping.name != "native"
        else name
        for name in REQUIRED_COLUMNS
        if name in mapping.fields
        and mapping.fields[name].constant is None
        and not mapping.fields[name].default
        and not (
            columns & ({mapping.fields[name].column} | set(mapping.fields[name].placeholders()))
        )
    ]
    missing += [name for name in REQUIRED_COLUMNS if name not in mapping.fields]
    if missing:
        raise FileError(f"row 1: required column(s) missing: {', '.join(missing)}.")
    origins = {name: spec.origin() or name for name, spec in mapping.fields.items()}
    rows: list[SourceRow] = []
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines at the end of spreadsheets' exports
            record = dict(zip(header, map(normalise_text, cells), strict=False))
            values, present = mapping.apply(record, columns)
            rows.append(SourceRow(number=number, values=values, present=present, origins=origins))
    except csv.Error as error:
        raise FileError(f"row {number}: {error}") from None
    return rows
