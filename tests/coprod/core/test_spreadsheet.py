"""CSV exports never hand a spreadsheet a formula, and imports read them back unchanged."""

import csv
import io

import pytest

from coprod.core.spreadsheet import csv_text, safe_cell, unsafe_cell
from coprod.rights.ema_csv import export_rights, import_rights
from coprod.rights.models import RightsBlock
from tests.coprod.rights_helpers import company, film, grant, hold


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-2+3",
                                  "@SUM(A1)", "\t=1", "\r=1", "-", "=", "'=already"])
def test_cells_a_spreadsheet_would_run_are_quoted_and_read_back(text):
    cell = safe_cell(text)
    assert cell == "'" + text  # (a quote-led trigger gets one more, to read back exactly)
    assert unsafe_cell(cell) == text


@pytest.mark.parametrize("text", ["-1250.00", "-1,250.00", "1500000", "KR", "Moonlit Harbor",
                                  "a=b", "", "'plain"])
def test_numbers_and_plain_text_stay_as_they_are(text):
    assert safe_cell(text) == text
    assert unsafe_cell(text) == text


def test_csv_text_makes_every_cell_safe():
    rows = list(csv.reader(io.StringIO(csv_text([["=cmd|' /C calc'!A0", -5, None]],
                                               header=["a", "b", "c"]))))
    assert rows == [["a", "b", "c"], ["'=cmd|' /C calc'!A0", "-5", ""]]


@pytest.mark.django_db
def test_a_title_named_like_a_formula_is_neutralized_and_round_trips():
    title = film("=HYPERLINK(\"http://evil.example\",\"click\")")
    company("Licensor Co")
    hold(title)
    grant(title, licensee="@Platform", contract="-OUT-1")
    exported = export_rights(RightsBlock.objects.order_by("pk"))
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["TitleDisplayUnlimited"].startswith("'=HYPERLINK")
    assert rows[1]["DisplayName"] == "'@Platform" and rows[1]["ContractID"] == "'-OUT-1"
    assert not any(value.startswith(("=", "+", "@")) for row in rows for value in row.values())
    before = sorted((block.direction, block.counterparty.name, block.contract_reference)
                    for block in RightsBlock.objects.all())
    RightsBlock.objects.all().delete()
    report = import_rights(actor=None, data=exported.encode())
    assert report.ok, report.errors
    after = sorted((block.direction, block.counterparty.name, block.contract_reference)
                   for block in RightsBlock.objects.all())
    assert after == before
