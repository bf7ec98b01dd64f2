"""A statement outside its page: the chart of where the period's net receipts went, the
chart in the page, and the PDF, read back with pypdf. Figures are worked by hand in the
comments; a party's documents never show another party's name or amount."""

import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pypdf
import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.agreements import documents
from coprod.agreements import waterfall as engine
from coprod.agreements.documents import statement_pdf, waterfall_chart
from coprod.agreements.statements import StatementEntry

D = Decimal
KOREAN = "주식회사 한빛"

# --- statements worked by hand -----------------------------------------------------------


def _slate(investor="SFR", currency="KRW"):
    """15% fee to Kanto Sales; the expense ledger of ``investor``; investors recoup
    300,000 and 200,000 pari passu; profit 60/40."""
    return engine.Waterfall(currency=currency, tiers=(
        engine.DistributionFeeTier("Distribution fee", "Kanto Sales", D(15)),
        engine.ExpenseLedgerTier("Expenses", payers=(investor,)),
        engine.InvestorRecoupmentTier("Investment", (
            engine.InvestorPosition(investor, D(300_000)),
            engine.InvestorPosition("Utopai Studios", D(200_000)))),
        engine.ProfitSplitTier("Profit", ((investor, D(60)), ("Utopai Studios", D(40)))),
    ))


def _statement(investor="SFR", state=None, receipts=None):
    """Gross 1,000,000 (900,000 of the period, a 100,000 late receipt of 2025-Q4):
    fee floor(15% of 1,000,000) = 150,000, leaving 850,000; the investor's 100,000
    expense, leaving 750,000; both investors in full (500,000), leaving 250,000; profit
    60/40 = 150,000 and 100,000. Payouts: Kanto Sales 150,000; the investor 100,000 +
    300,000 + 150,000 = 550,000; Utopai Studios 200,000 + 100,000 = 300,000."""
    if receipts is None:
        receipts = [engine.Receipt("Starlight Diner", "JP", D(900_000), "KRW"),
                    engine.Receipt("Starlight Diner", "TH", D(100_000), "KRW",
                                   adjusts_period="2025-Q4")]
    return engine.compute_statement(
        _slate(investor), period="2026-Q1", receipts=receipts,
        state=state or engine.WaterfallState.empty(),
        expenses=[engine.Expense(investor, D(100_000), reference="INV-9",
                                 title="Starlight Diner")])


def _entry(statement, issued=None, terms_version=1):
    return StatementEntry(period=statement.period, statement=statement,
                          terms_version=terms_version, issued=issued)


AGREEMENT = SimpleNamespace(reference="AGR-7", name="Slate of three")


def _issued(number=3, issued_by=None):
    return SimpleNamespace(number=number, period="2026-Q1", terms_version=2,
                           issued_at=dt.datetime(2026, 4, 2, 1, 30, tzinfo=dt.UTC),
                           issued_by=issued_by)


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    # pypdf reads the two-byte codes of an embedded CFF font (Noto Sans CJK) as a NUL
    # then the character; poppler's pdftotext reads the same file without them.
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def _flat(text: str) -> str:
    """Without whitespace: PDF text extraction breaks lines and spaces CJK glyphs."""
    return re.sub(r"\s+", "", text)


def _cjk_font_found() -> bool:
    _text, scripts = documents._fonts_available()
    return any("CJK" in path or "Nanum" in path for path, _face in scripts)


# --- the chart ----------------------------------------------------------------------------


def test_the_chart_splits_the_net_receipts_per_tier_and_recipient_in_waterfall_order():
    chart = waterfall_chart(_statement())
    assert chart["total"] == D(1_000_000) and chart["total_formatted"] == "1,000,000"
    assert chart["message"] == ""
    assert [(segment["tier"], segment["recipient"], segment["amount"], segment["percent"])
            for segment in chart["segments"]] == [
        ("Distribution fee", "Kanto Sales", D(150_000), D("15.0")),
        ("Expenses", "SFR", D(100_000), D("10.0")),
        ("Investment", "SFR", D(300_000), D("30.0")),
        ("Investment", "Utopai Studios", D(200_000), D("20.0")),
        ("Profit", "SFR", D(150_000), D("15.0")),
        ("Profit", "Utopai Studios", D(100_000), D("10.0")),
    ]
    labels = [segment["label"] for segment in chart["segments"]]
    assert labels[0] == "Distribution fee to Kanto Sales"
    assert labels[1] == "Expenses recouped by SFR"
    assert labels[2] == "Investment recouped by SFR"
    assert labels[4] == "Profit share of SFR"
    assert [segment["formatted"] for segment in chart["segments"]][:2] == ["150,000",
                                                                           "100,000"]
    # The bar is a thousand tenths of a percent, laid end to end.
    assert [(segment["start"], segment["width"]) for segment in chart["segments"]] == [
        (0, 150), (150, 100), (250, 300), (550, 200), (750, 150), (900, 100)]
    assert sum(segment["percent"] for segment in chart["segments"]) == D(100)
    assert len({segment["colour"] for segment in chart["segments"]}) == 6
    assert "Distribution fee to Kanto Sales 150,000 (15.0%)" in chart["summary"]
    assert chart["summary"].startswith("Where the net receipts of 2026-Q1, 1,000,000 KRW")


def test_widths_add_up_to_a_hundred_percent_by_the_largest_remainder():
    # 7 KRW split 33.34/33.33/33.33: 3, 2 and 2 KRW (the leftover unit to the first).
    # 3/7 = 42.857%, 2/7 = 28.571%: in tenths 428.57, 285.71, 285.71 rounded down are
    # 998; the two units left go to the largest remainders (.71, .71): 42.8, 28.6, 28.6.
    # Rounding each to the nearest tenth would make 42.9 + 28.6 + 28.6 = 100.1.
    three_ways = engine.Waterfall(currency="KRW", tiers=(engine.ProfitSplitTier(
        "Profit", (("A", D("33.34")), ("B", D("33.33")), ("C", D("33.33")))),))
    statement = engine.compute_statement(
        three_ways, period="2026-Q1", state=engine.WaterfallState.empty(),
        receipts=[engine.Receipt("Film", "KR", D(7), "KRW")])
    chart = waterfall_chart(statement)
    assert [segment["amount"] for segment in chart["segments"]] == [D(3), D(2), D(2)]
    assert [segment["percent"] for segment in chart["segments"]] == [
        D("42.8"), D("28.6"), D("28.6")]
    assert sum(segment["width"] for segment in chart["segments"]) == 1000


def test_a_segment_too_small_for_a_tenth_of_a_percent_is_listed_but_has_no_width():
    # A 0.01% fee of 10,000 KRW is 1 KRW: 0.1 tenths, rounded down to 0, and the one
    # tenth left over goes to the larger remainder (the profit's 999.9).
    tiny_fee = engine.Waterfall(currency="KRW", tiers=(
        engine.DistributionFeeTier("Fee", "Kanto Sales", D("0.01")),
        engine.ProfitSplitTier("Profit", (("A", D(100)),))))
    statement = engine.compute_statement(
        tiny_fee, period="2026-Q1", state=engine.WaterfallState.empty(),
        receipts=[engine.Receipt("Film", "KR", D(10_000), "KRW")])
    fee, profit = waterfall_chart(statement)["segments"]
    assert (fee["amount"], fee["width"], fee["share"]) == (D(1), 0, "<0.1%")
    assert (profit["amount"], profit["width"], profit["share"]) == (D(9_999), 1000, "100.0%")


def test_amounts_keep_the_currencys_decimal_places():
    usd = engine.Waterfall(currency="USD", tiers=(
        engine.DistributionFeeTier("Fee", "Kanto Sales", D(10)),
        engine.ProfitSplitTier("Profit", (("A", D(50)), ("B", D(50))))))
    # Fee floor(10% of 1,234.57) = 123.45; 1,111.12 left, 555.56 each.
    statement = engine.compute_statement(
        usd, period="2026-Q1", state=engine.WaterfallState.empty(),
        receipts=[engine.Receipt("Film", "US", D("1234.57"), "USD")])
    chart = waterfall_chart(statement)
    assert [segment["formatted"] for segment in chart["segments"]] == [
        "123.45", "555.56", "555.56"]
    assert chart["total_formatted"] == "1,234.57"


def test_a_party_sees_its_own_segments_and_one_for_all_the_others():
    chart = waterfall_chart(_statement(), party="Utopai Studios")
    # Utopai Studios: 200,000 recouped and a 100,000 profit share; the others together
    # 1,000,000 - 300,000 = 700,000.
    assert [(segment["label"], segment["amount"], segment["percent"], segment["others"])
            for segment in chart["segments"]] == [
        ("Investment recouped by Utopai Studios", D(200_000), D("20.0"), False),
        ("Profit share of Utopai Studios", D(100_000), D("10.0"), False),
        ("Other parties", D(700_000), D("70.0"), True),
    ]
    others = chart["segments"][-1]
    assert others["tier"] == "" and others["recipient"] == ""
    assert others["colour"] == documents.OTHERS_COLOUR
    shown = repr(chart)
    assert "SFR" not in shown and "Kanto" not in shown
    # Nor another party's amount: the fee (150,000) and the SFR payout (550,000).
    assert "150000" not in shown and "150,000" not in shown and "550,000" not in shown


def test_a_party_paid_everything_has_no_others_segment():
    alone = engine.Waterfall(currency="KRW", tiers=(
        engine.DistributionFeeTier("Fee", "A", D(10)),
        engine.ProfitSplitTier("Profit", (("A", D(100)), ("B", D(0))))))
    statement = engine.compute_statement(
        alone, period="2026-Q1", state=engine.WaterfallState.empty(),
        receipts=[engine.Receipt("Film", "KR", D(1000), "KRW")])
    chart = waterfall_chart(statement, party="A")
    assert [(segment["amount"], segment["width"]) for segment in chart["segments"]] == [
        (D(100), 100), (D(900), 900)]
    assert "Other parties" not in chart["summary"]


def test_a_period_that_pays_nobody_has_an_empty_chart_and_says_why():
    # 300,000 deficit brought forward, 200,000 received: net -100,000, carried forward.
    deficit = _statement(state=engine.WaterfallState(deficit=D(300_000)),
                         receipts=[engine.Receipt("Starlight Diner", "JP", D(200_000),
                                                  "KRW")])
    chart = waterfall_chart(deficit)
    assert chart["segments"] == [] and chart["total"] == 0
    assert "deficit of 100,000 KRW is carried forward" in chart["message"]
    assert chart["summary"] == chart["message"]
    assert waterfall_chart(deficit, party="Utopai Studios")["segments"] == []
    nothing = _statement(receipts=[])
    assert waterfall_chart(nothing)["message"] == (
        "Nothing is paid out for 2026-Q1: there are no net receipts.")


def test_the_chart_refuses_a_party_that_is_not_in_the_statement():
    with pytest.raises(ValueError, match="not a party"):
        waterfall_chart(_statement(), party="Nobody Ltd")


def test_the_partial_is_an_accessible_picture_that_escapes_names():
    name = '<script>alert("x")</script> & Co'
    html = render_to_string("coprod/partials/waterfall_chart.html",
                            {"chart": waterfall_chart(_statement(investor=name))})
    assert 'role="img"' in html and 'aria-label="Where the net receipts of 2026-Q1' in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    assert html.count("<rect") == 6 * 2  # the bar's six segments and their six swatches
    assert 'width="300"' in html and 'x="250"' in html
    assert "src=" not in html and "href=" not in html and "<link" not in html
    empty = render_to_string("coprod/partials/waterfall_chart.html", {"chart": waterfall_chart(
        _statement(receipts=[]))})
    assert 'id="waterfall-empty"' in empty and "no net receipts" in empty
    assert "<svg" not in empty


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_holds_the_whole_statement():
    data = statement_pdf(_entry(_statement()), agreement=AGREEMENT, party=None)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Revenue statement AGR-7, 2026-Q1"
    text = _pdf_text(data)
    flat = _flat(text)
    for expected in ("Revenue statement AGR-7, 2026-Q1", "Slate of three", "KRW",
                     "Draft: not issued", "DRAFT", "Kanto Sales", "Utopai Studios",
                     "Distribution fee to Kanto Sales", "Prior-period adjustment for 2025-Q4",
                     "INV-9", "Where the net receipts went"):
        assert _flat(expected) in flat, expected
    # Gross and net; the period's own receipts; each payout; the chart's shares.
    for figure in ("1,000,000", "900,000", "150,000", "550,000", "300,000", "30.0%", "100%"):
        assert figure in text, figure
    assert "Other parties" not in text
    assert _flat(engine.ROUNDING_RULE) in flat


def test_an_issued_statement_pdf_names_its_number_date_and_terms_version():
    issuer = SimpleNamespace(get_full_name=lambda: "Mina Park", get_username=lambda: "mina")
    entry = _entry(_statement(), issued=_issued(number=3, issued_by=issuer), terms_version=2)
    flat = _flat(_pdf_text(statement_pdf(entry, agreement=AGREEMENT, party=None)))
    for expected in ("StatusIssued", "Statementnumber3", "Issuedon2026-04-02",
                     "Termsversion2", "IssuedbyMinaPark"):
        assert expected in flat, expected
    assert "DRAFT" not in flat
    party_flat = _flat(_pdf_text(statement_pdf(entry, agreement=AGREEMENT,
                                               party="Utopai Studios")))
    assert "Statementnumber3" in party_flat and "Mina" not in party_flat


def test_a_partys_pdf_never_shows_another_party():
    data = statement_pdf(_entry(_statement()), agreement=AGREEMENT, party="Utopai Studios")
    text = _pdf_text(data)
    assert "Utopai Studios" in text
    # Its payout, its lines and the others together.
    for figure in ("300,000", "200,000", "100,000", "Other parties", "700,000", "70.0%"):
        assert figure in text, figure
    for other in ("SFR", "Kanto", "INV-9", "550,000", "150,000", "Distribution fee"):
        assert other not in text, other


def test_korean_japanese_and_chinese_names_print(monkeypatch):
    if not _cjk_font_found():
        pytest.fail("no CJK font here: apt-get install fonts-noto-cjk (.ci/run does)")
    statement = _statement(investor=KOREAN, receipts=[
        engine.Receipt("별빛 식당", "JP", D(500_000), "KRW"),
        engine.Receipt("東京物語", "JP", D(300_000), "KRW"),
        engine.Receipt("中国电影", "CN", D(200_000), "KRW")])
    flat = _flat(_pdf_text(statement_pdf(_entry(statement), agreement=AGREEMENT,
                                         party=None)))
    for name in (KOREAN, "별빛식당", "東京物語", "中国电影"):
        assert _flat(name) in flat, name
    party_flat = _flat(_pdf_text(statement_pdf(_entry(statement), agreement=AGREEMENT,
                                               party="Utopai Studios")))
    assert _flat(KOREAN) not in party_flat and "한빛" not in party_flat


def test_without_cjk_fonts_the_pdf_prints_a_placeholder_and_never_fails(monkeypatch):
    only_dejavu = {name: path for name, path in documents._font_files().items()
                   if name.startswith("DejaVuSans")}
    if "DejaVuSans.ttf" not in only_dejavu:
        pytest.fail("no DejaVu Sans here: apt-get install fonts-dejavu-core")
    monkeypatch.setattr(documents, "_font_files", lambda: only_dejavu)
    text = _pdf_text(statement_pdf(_entry(_statement(investor=KOREAN)), agreement=AGREEMENT,
                                   party=None))
    assert "Expenses recouped by ???? ??" in text and "한" not in text
    assert "550,000" in text

    # No font at all: Helvetica, Latin-1 only.
    monkeypatch.setattr(documents, "_font_files", dict)
    latin = SimpleNamespace(reference="AGR-7", name="Café — 합작")
    text = _pdf_text(statement_pdf(_entry(_statement(investor=KOREAN)), agreement=latin,
                                   party="Utopai Studios"))
    assert "Café - ??" in text and "Utopai Studios" in text and "300,000" in text


def test_a_deficit_pdf_shows_the_deficits_and_why_nothing_is_paid():
    deficit = _statement(state=engine.WaterfallState(deficit=D(300_000)),
                         receipts=[engine.Receipt("Starlight Diner", "JP", D(200_000),
                                                  "KRW")])
    flat = _flat(_pdf_text(statement_pdf(_entry(deficit), agreement=AGREEMENT,
                                         party="SFR")))
    for expected in ("Grossreceipts200,000", "Deficitbroughtforward300,000",
                     "Netreceipts-100,000", "Deficitcarriedforward100,000",
                     "adeficitof100,000KRWiscarriedforward"):
        assert expected in flat, expected


# --- through the pages --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_statement_page_and_its_pdf(client):
    from coprod.agreements import services
    from tests.coprod.agreement_helpers import execute, fifty_fifty

    agreement, sfr, utopai = fifty_fifty()
    sfr_party = agreement.parties.get(company=sfr.company)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Fee", party=sfr_party,
                                percentage=D(20))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=2,
                                kind="profit_split", name="Profit")
    agreement = execute(agreement, sfr, utopai)
    services.receipt_add(actor=None, agreement=agreement, title=agreement.titles.first(),
                         territory="JP", period="2026-Q1", amount=D(1_000_000),
                         currency="KRW", received_on=dt.date(2026, 3, 31))
    client.force_login(user_create(username="finance", password="pw-long-enough",
                                   role=Role.RIGHTS_MANAGER))

    # Fee 20% of 1,000,000 = 200,000 to SFR; 800,000 split 50/50: SFR 600,000, Utopai
    # 400,000.
    page = client.get(reverse("agreements:statement", args=[agreement.pk, "2026-Q1"]))
    html = page.content.decode()
    for fragment in ('id="gross"', 'id="statement-tiers"', 'id="payouts"',
                     'id="statement-status"', 'role="img"', "Draft",
                     "Distribution fee to SFR", "Profit share of Utopai Studios",
                     reverse("agreements:statement-pdf", args=[agreement.pk, "2026-Q1"])):
        assert fragment in html, fragment

    response = client.get(reverse("agreements:statement-pdf", args=[agreement.pk, "2026-Q1"]))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "600,000" in text and "400,000" in text and "SFR" in text

    party_page = client.get(reverse("agreements:statement", args=[agreement.pk, "2026-Q1"]),
                            {"party": "Utopai Studios"}).content.decode()
    assert "?party=Utopai%20Studios" in party_page and "Other parties" in party_page
    assert "Distribution fee to SFR" not in party_page
    party_pdf = client.get(reverse("agreements:statement-pdf", args=[agreement.pk, "2026-Q1"]),
                           {"party": "Utopai Studios"})
    party_text = _pdf_text(party_pdf.content)
    # Its 400,000 and the others' 600,000 together; not SFR, nor SFR's 200,000 fee.
    assert "400,000" in party_text and "600,000" in party_text
    assert "SFR" not in party_text and "200,000" not in party_text
