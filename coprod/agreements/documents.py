"""What a statement looks like outside the page: its CSV, its PDF and the picture of
where the period's money went (a chart in the page and the PDF)."""

from __future__ import annotations

from coprod.agreements import waterfall as engine
from coprod.core.spreadsheet import csv_text


def statement_filename(agreement, entry, party: str | None) -> str:
    suffix = f"-{party}" if party else ""
    draft = "-draft" if entry.issued is None else f"-no{entry.issued.number}"
    return f"{agreement.reference}-{entry.period}{draft}{suffix}"


def _status_rows(entry) -> list[list[str]]:
    if entry.issued is None:
        return [["status", "draft (not issued; figures may still change)"]]
    return [["status", "issued"], ["statement_number", str(entry.issued.number)],
            ["issued_at", entry.issued.issued_at.isoformat()],
            ["terms_version", str(entry.terms_version or "")]]


def statement_document_csv(entry, *, party: str | None) -> str:
    """The statement's CSV (one party's, when ``party`` is given), headed by whether it
    is issued, its number and the terms version it followed."""
    body = (engine.statement_csv_for_party(entry.statement, party) if party
            else engine.statement_csv(entry.statement))
    return csv_text(_status_rows(entry)) + body


def statement_pdf(entry, *, agreement, party: str | None) -> bytes:
    raise NotImplementedError


def waterfall_chart(statement, *, party: str | None = None) -> dict:
    return {}
