"""CSV cells that a spreadsheet will not run as formulas (OWASP's CSV injection advice).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula: a title named
``=HYPERLINK(...)`` would become a live link in a partner's spreadsheet. Every CSV
export writes its cells through ``safe_cell``, which puts a single quote before such a
cell (numbers such as ``-1,250.00`` stay numbers); every CSV import reads cells through
``unsafe_cell``, which takes that quote off again, so an export imports unchanged.

(defusedcsv does the same for ``=+-@`` but leaves a leading tab or carriage return, and
rewrites ``|``, which would not round-trip.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

TRIGGERS = "=+-@\t\r"
_NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?")
# A cell a spreadsheet would run, after any quotes already there (so that a cell which
# itself begins with a quote and a trigger also reads back unchanged).
_RISKY = re.compile(f"'*[{re.escape(TRIGGERS)}]")
_GUARDED = re.compile(f"'+[{re.escape(TRIGGERS)}]")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if _RISKY.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def unsafe_cell(text: str) -> str:
    """The cell as it was before ``safe_cell`` (the quote it added is taken off)."""
    return text[1:] if _GUARDED.match(text) else text


def csv_text(rows: Iterable[Iterable], *, header: Iterable[str] | None = None) -> str:
    """The rows as CSV text, every cell made safe."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    if header is not None:
        writer.writerow(list(header))
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return output.getvalue()
