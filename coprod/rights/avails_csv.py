"""An avails search as CSV: one row per title with its answer, free windows (first and
last day) and reasons, and, for a query on several countries, the countries under each
answer. Every cell goes through ``coprod.core.spreadsheet`` (no cell runs as a formula)."""

from __future__ import annotations

from coprod.core.spreadsheet import csv_text
from coprod.rights.avails import Status
from coprod.rights.selectors import AvailsSearch, describe_rows
from coprod.rights.vocabulary import period_text

COLUMNS = ["ContentID", "TitleDisplayUnlimited", "TitleInternalAlias", "WorkType",
           "ReleaseYear", "Genres", "Status", "FreeWindows", "Reasons"]
COUNTRY_COLUMNS = ["AvailableIn", "PartlyAvailableIn", "NotAvailableIn"]


def avails_results_csv(search: AvailsSearch) -> str:
    """Every row the search shows (all pages)."""
    rows = search.shown
    describe_rows(rows)
    header = COLUMNS + (COUNTRY_COLUMNS if search.per_country else [])
    lines = []
    for row in rows:
        answer = row.answer
        line = [
            row.title_id, row.label, row.romanized, row.kind, row.year, "; ".join(row.genres),
            answer.status,
            "; ".join(period_text(start, end) for start, end in answer.free_windows),
            "; ".join(reason.text for reason in answer.reasons),
        ]
        if search.per_country:
            grouped = answer.countries_by_status
            line += [" ".join(grouped[status]) for status in
                     (Status.AVAILABLE, Status.PARTIAL, Status.UNAVAILABLE)]
        lines.append(line)
    return csv_text(lines, header=header)
