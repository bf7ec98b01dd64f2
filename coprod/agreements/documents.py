"""What a statement looks like outside the page: its CSV, its PDF and the picture of
where the period's money went (a chart in the page and the PDF).

A party's documents (``party`` given) hold that party's figures only: no other party's
name or amount appears in them; what the others were paid together is one "others" part.

The PDF embeds TrueType fonts found on the machine at run time, so that names in Korean,
Japanese, Chinese and Thai print: DejaVu Sans for Latin, Greek and Cyrillic text, Noto
Sans CJK for Hangul, kana and Han, Loma (or Noto Sans Thai) for Thai — Debian's
fonts-dejavu-core, fonts-noto-cjk and fonts-tlwg-loma-ttf. A character none of the fonts
found has is printed as "?", and with no font at all the PDF falls back on Helvetica
(Latin-1 only): a statement always prints.
"""

from __future__ import annotations

import functools
import logging
import os
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

from coprod.agreements import waterfall as engine
from coprod.core.spreadsheet import csv_text

logger = logging.getLogger(__name__)
# fontTools reports every table of every font it subsets, on each PDF, at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def statement_download(entry, *, agreement, party: str | None, kind: str):
    """The statement's CSV or PDF (``kind``) as an attachment, for the pages and the
    portal alike."""
    from django.http import HttpResponse

    if kind == "pdf":
        body, content_type = statement_pdf(entry, agreement=agreement, party=party), \
            "application/pdf"
    else:
        body, content_type = statement_document_csv(entry, party=party), "text/csv"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{statement_filename(agreement, entry, party)}.{kind}"')
    return response


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


# --- the chart --------------------------------------------------------------------------

# Okabe and Ito's palette, told apart with any colour vision; the others' part is grey.
CHART_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHERS_COLOUR = "#9AA0AA"
# Segment widths are whole tenths of a percent, so the bar is a thousand of them.
CHART_SCALE = 1000


def waterfall_chart(statement, *, party: str | None = None) -> dict:
    """Where the period's net receipts went: one segment per tier and recipient that was
    paid, in waterfall order (the fee to the distributor, expenses recouped per payer,
    investors' recoupment per investor, the profit split per party).

    Each segment has its ``label``, ``tier``, ``kind``, ``recipient``, ``amount`` (exact
    Decimal), ``formatted`` amount, ``percent`` of the net receipts to a tenth, ``share``
    (the percent as text), ``start`` and ``width`` on the bar (in tenths of a percent:
    the widths are the largest-remainder split of a thousand, so they add up to exactly
    100%) and ``colour``. With ``party``, only that party's segments and one segment for
    all the others together, so that no other party's name or amount is shown. A period
    that pays nobody (no net receipts, or a deficit) has no segments and a ``message``.
    """
    currency = statement.currency
    if party is not None:
        statement.payout(party)  # refuses a party that is not in the statement
    paid = [(line, recipient, amount) for line in statement.tiers
            for recipient, amount in line.paid_to if amount > 0]
    total = sum((amount for _line, _recipient, amount in paid), Decimal(0))
    chart = {"period": statement.period, "currency": currency, "party": party,
             "total": total, "total_formatted": _grouped(total, currency),
             "segments": [], "message": "", "summary": ""}
    if total <= 0:
        chart["message"] = chart["summary"] = _nothing_paid(statement)
        return chart
    segments = [{"label": _segment_label(line.kind, recipient), "tier": line.name,
                 "kind": line.kind, "recipient": recipient, "amount": amount,
                 "others": False}
                for line, recipient, amount in paid if party is None or recipient == party]
    if party is not None:
        others = total - sum((segment["amount"] for segment in segments), Decimal(0))
        if others > 0:
            segments.append({"label": _("Other parties"), "tier": "", "kind": "",
                             "recipient": "", "amount": others, "others": True})
    widths = engine.largest_remainder(CHART_SCALE,
                                      [segment["amount"] for segment in segments])
    start = 0
    for index, (segment, width) in enumerate(zip(segments, widths, strict=True)):
        percent = Decimal(width).scaleb(-1)
        segment.update(
            formatted=_grouped(segment["amount"], currency), start=start, width=width,
            percent=percent, share=f"{percent}%" if width else "<0.1%",
            colour=(OTHERS_COLOUR if segment["others"]
                    else CHART_COLOURS[index % len(CHART_COLOURS)]))
        start += width
    chart["segments"] = segments
    chart["summary"] = _("Where the net receipts of %(period)s, %(total)s %(currency)s, "
                         "went: %(segments)s.") % {
        "period": statement.period, "total": chart["total_formatted"], "currency": currency,
        "segments": "; ".join(f"{segment['label']} {segment['formatted']} ({segment['share']})"
                              for segment in segments)}
    return chart


def _segment_label(kind: str, recipient: str) -> str:
    labels = {
        engine.TierKind.DISTRIBUTION_FEE: _("Distribution fee to %(party)s"),
        engine.TierKind.EXPENSE: _("Expenses recouped by %(party)s"),
        engine.TierKind.EXPENSE_LEDGER: _("Expenses recouped by %(party)s"),
        engine.TierKind.INVESTOR_RECOUPMENT: _("Investment recouped by %(party)s"),
        engine.TierKind.PROFIT_SPLIT: _("Profit share of %(party)s"),
    }
    return labels.get(kind, _("Paid to %(party)s")) % {"party": recipient}


def _nothing_paid(statement) -> str:
    if statement.net < 0:
        return _("Nothing is paid out for %(period)s: returns and the deficit brought "
                 "forward exceed the receipts, and a deficit of %(deficit)s %(currency)s is "
                 "carried forward.") % {
            "period": statement.period, "currency": statement.currency,
            "deficit": _grouped(statement.deficit_carried_forward, statement.currency)}
    return _("Nothing is paid out for %(period)s: there are no net receipts.") % {
        "period": statement.period}


def _grouped(amount: Decimal | None, currency: str) -> str:
    """The exact amount, digits grouped by thousands: "1,500,000" KRW, "1,234.50" USD."""
    if amount is None:
        return ""
    return f"{Decimal(engine.format_amount(amount, currency)):,f}"


# --- the PDF ----------------------------------------------------------------------------

FONT_DIRECTORIES = ("/usr/share/fonts", "/usr/local/share/fonts")
# The text font, for Latin, Greek and Cyrillic: (regular, bold) file names, best first.
TEXT_FONTS = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
              ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
              ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"))
# Per script, the fonts the text font falls back on for what it lacks: (file name, face
# in the collection), best first. Noto Sans CJK's collection holds its JP, KR, SC, TC and
# HK cuts; each has every Hangul, kana and Han character, and 1, the Korean, draws Han
# characters as a Korean reader expects.
SCRIPT_FONTS = (
    (("NotoSansCJK-Regular.ttc", 1), ("NotoSansCJKkr-Regular.otf", 0),
     ("NanumGothic.ttf", 0)),
    (("Loma.ttf", 0), ("NotoSansThai-Regular.ttf", 0), ("Garuda.ttf", 0)),
)
REPLACEMENT = "?"
# What the core font (Latin-1) prints for the punctuation the statement itself uses.
LATIN_1_STAND_INS = str.maketrans({"—": "-", "–": "-", "’": "'", "“": '"', "”": '"'})
TEXT_FAMILY = "statement"
MUTED = "#5B6475"


@functools.cache
def _font_files() -> dict[str, str]:
    """Every file under the font directories by its name (the first found, in a stable
    order): fonts are found where the machine's packages put them, not at fixed paths."""
    found: dict[str, str] = {}
    for directory in FONT_DIRECTORIES:
        for root, folders, files in os.walk(directory):
            folders.sort()
            for name in sorted(files):
                found.setdefault(name, os.path.join(root, name))
    return found


def _fonts_available() -> tuple[tuple[str, str] | None, list[tuple[str, int]]]:
    """((regular, bold) text font paths or None, [(script font path, face), ...])."""
    files = _font_files()
    text = next(((files[regular], files.get(bold, files[regular]))
                 for regular, bold in TEXT_FONTS if regular in files), None)
    scripts = [next(((files[name], face) for name, face in choices if name in files), None)
               for choices in SCRIPT_FONTS]
    return text, [script for script in scripts if script is not None]


class StatementPdf(FPDF):
    """An A4 page with a running head and page numbers, in the Unicode fonts found; any
    character that no font has is printed as REPLACEMENT rather than lost or refused."""

    def __init__(self, *, running_head: str, draft: bool):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_head = running_head
        self.draft = draft
        # Per font style, the code points the fonts can print; None: a core font (Latin-1).
        self.covered: dict[str, set[int]] | None = None
        self.family = "helvetica"
        self._add_fonts()
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)

    def _add_fonts(self) -> None:
        text, scripts = _fonts_available()
        if text is None and scripts:
            # No Latin font: the first script font carries the text (they have Latin too).
            path, face = scripts.pop(0)
            text = (path, path)
            faces = (face, face)
        else:
            faces = (0, 0)
        if text is None:
            logger.warning("No Unicode font found under %s; statement PDFs print Latin-1 "
                           "only (install fonts-dejavu-core and fonts-noto-cjk).",
                           ", ".join(FONT_DIRECTORIES))
            return
        try:
            self.add_font(TEXT_FAMILY, "", text[0], collection_font_number=faces[0])
            self.add_font(TEXT_FAMILY, "B", text[1], collection_font_number=faces[1])
        except Exception:  # a font file we did not ship may be broken: print without it
            logger.warning("Cannot load the font %s; statement PDFs print Latin-1 only.",
                           text, exc_info=True)
            return
        fallbacks = []
        for number, (path, face) in enumerate(scripts):
            family = f"{TEXT_FAMILY}-script{number}"
            try:
                self.add_font(family, "", path, collection_font_number=face)
            except Exception:  # a font file we did not ship may be broken: do without it
                logger.warning("Cannot load the font %s; its script prints as %r.", path,
                               REPLACEMENT, exc_info=True)
                continue
            fallbacks.append(family)
        if fallbacks:
            # A bold text falls back on the regular script font: better than no glyph.
            self.set_fallback_fonts(fallbacks, exact_match=False)
        script_points = set().union(*(self.fonts[family.lower()].cmap for family in fallbacks))
        self.covered = {style: set(self.fonts[TEXT_FAMILY.lower() + style].cmap)
                        | script_points for style in ("", "B")}
        self.family = TEXT_FAMILY

    def normalize_text(self, text: str) -> str:
        if self.covered is None:
            text = text.translate(LATIN_1_STAND_INS).encode("latin-1", "replace").decode(
                "latin-1")
        else:
            covered = self.covered.get(self.font_style, self.covered[""])
            text = "".join(character if character < " " or ord(character) in covered
                           else REPLACEMENT for character in text)
        return super().normalize_text(text)

    def header(self) -> None:
        with self.local_context(font_family=self.family, font_style="", font_size_pt=8,
                                text_color=MUTED):
            self.cell(self.epw / 2, 5, self.running_head, align="L")
            if self.draft:
                self.set_text_color("#B42318")
                self.cell(self.epw / 2, 5, _("DRAFT: not issued"), align="R")
        self.ln(9)

    def footer(self) -> None:
        self.set_y(-12)
        with self.local_context(font_family=self.family, font_style="", font_size_pt=8,
                                text_color=MUTED):
            self.cell(0, 5, _("Page %(page)s of %(pages)s") % {"page": self.page_no(),
                                                                "pages": "{nb}"},
                      align="C")


def statement_pdf(entry, *, agreement, party: str | None) -> bytes:
    """The statement as a PDF (one party's, when ``party`` is given: only its own lines,
    payout, expenses and part of the chart; no other party's name or amount)."""
    statement = entry.statement
    currency = statement.currency
    if party is not None:
        statement.payout(party)  # refuses a party that is not in the statement

    def amount(value: Decimal | None) -> str:
        return "—" if value is None else _grouped(value, currency)

    title = _("Revenue statement %(reference)s, %(period)s") % {
        "reference": agreement.reference, "period": statement.period}
    pdf = StatementPdf(running_head=f"{agreement.reference} · {statement.period}"
                       + (f" · {party}" if party else ""), draft=entry.is_draft)
    pdf.set_title(title)
    pdf.set_creator("K-IP Platform")
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 11)
    pdf.multi_cell(0, 6, agreement.name, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    facts = [(_("Agreement"), f"{agreement.reference}: {agreement.name}"),
             (_("Period"), statement.period),
             (_("Currency"), _("%(currency)s; every amount is exact to its smallest unit")
              % {"currency": currency})]
    if party:
        facts.append((_("Statement for"), party))
    facts += _status_facts(entry, party=party)
    _facts(pdf, facts)

    _section(pdf, _("Figures"))
    figures = [(_("Gross receipts"), amount(statement.gross))]
    if statement.deficit_brought_forward:
        figures.append((_("Deficit brought forward"), amount(statement.deficit_brought_forward)))
    figures.append((_("Net receipts"), amount(statement.net)))
    if statement.deficit_carried_forward:
        figures.append((_("Deficit carried forward"), amount(statement.deficit_carried_forward)))
    if party:
        figures.append((_("Payout to %(party)s") % {"party": party},
                        amount(statement.payout(party))))
    else:
        figures.append((_("Still to recoup after this period"), amount(statement.unrecouped)))
    _facts(pdf, figures, align_right=True)

    _section(pdf, _("Receipts by title and territory"))
    _table(pdf, (_("Title"), _("Territory"), _("Amount")), (0.55, 0.2, 0.25),
           [(title_name, territory, amount(total))
            for title_name, territory, total in statement.receipts_by_title_territory],
           numeric=(2,))
    if statement.adjustments:
        _section(pdf, _("Prior-period adjustments"))
        _table(pdf, (_("Adjustment"), _("Title"), _("Territory"), _("Amount")),
               (0.36, 0.3, 0.12, 0.22),
               [(_("Prior-period adjustment for %(period)s") % {"period": adjusted},
                 title_name, territory, amount(total))
                for adjusted, title_name, territory, total in statement.adjustments],
               numeric=(3,))
    expenses = [expense for expense in statement.expenses
                if party is None or expense[0] == party]
    if expenses:
        _section(pdf, _("Expenses of the period"))
        _table(pdf, (_("Payer"), _("Title"), _("Reference"), _("Amount")),
               (0.3, 0.28, 0.22, 0.2),
               [(payer, title_name, reference, amount(total))
                for payer, title_name, reference, total in expenses], numeric=(3,))

    _section(pdf, _("Waterfall"))
    if party:
        _table(pdf, (_("Tier"), _("Paid to you"), _("Recouped to date"), _("Remaining")),
               (0.4, 0.2, 0.2, 0.2),
               [(line.tier, amount(line.paid), amount(line.recouped_to_date),
                 amount(line.remaining_to_recoup)) for line in statement.for_party(party)],
               numeric=(1, 2, 3))
        _section(pdf, _("Payout"))
        _table(pdf, (_("Party"), _("Payout")), (0.7, 0.3),
               [(party, amount(statement.payout(party)))], numeric=(1,))
    else:
        _table(pdf, (_("Tier"), _("Available"), _("Paid"), _("Paid to"),
                     _("Recouped to date"), _("Remaining")),
               (0.2, 0.14, 0.14, 0.24, 0.14, 0.14),
               [(line.name, amount(line.available), amount(line.paid),
                 "\n".join(f"{who}: {amount(paid)}" for who, paid in line.paid_to),
                 amount(line.recouped_to_date), amount(line.remaining_to_recoup))
                for line in statement.tiers],
               numeric=(1, 2, 4, 5))
        _section(pdf, _("Payouts"))
        _table(pdf, (_("Party"), _("Payout")), (0.7, 0.3),
               [(who, amount(payout)) for who, payout in statement.payouts], numeric=(1,))

    _chart(pdf, waterfall_chart(statement, party=party))

    _section(pdf, _("Rounding rule"))
    pdf.set_font(pdf.family, "", 8.5)
    pdf.multi_cell(0, 4.5, statement.rounding_rule, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _status_facts(entry, *, party: str | None) -> list[tuple[str, str]]:
    terms = (str(entry.terms_version) if entry.terms_version
             else _("none executed (a preview)"))
    if entry.issued is None:
        return [(_("Status"), _("Draft: not issued; the figures may still change")),
                (_("Terms version"), terms)]
    issued = entry.issued
    facts = [(_("Status"), _("Issued")), (_("Statement number"), str(issued.number)),
             (_("Issued on"), timezone.localtime(issued.issued_at).date().isoformat()),
             (_("Terms version"), terms)]
    if party is None and issued.issued_by is not None:
        # Who issued it is the venture's business, not a partner's.
        facts.append((_("Issued by"), issued.issued_by.get_full_name()
                      or issued.issued_by.get_username()))
    return facts


def _section(pdf: StatementPdf, heading: str) -> None:
    # A heading starts a new page rather than stand alone at the foot of one.
    if pdf.will_page_break(28):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")


def _facts(pdf: StatementPdf, facts, *, align_right: bool = False) -> None:
    pdf.set_font(pdf.family, "", 9.5)
    with pdf.table(col_widths=(0.35, 0.65) if not align_right else (0.6, 0.4),
                   width=pdf.epw if not align_right else pdf.epw * 0.6, align="LEFT",
                   first_row_as_headings=False, borders_layout="NONE",
                   text_align=("LEFT", "RIGHT" if align_right else "LEFT"),
                   padding=(0.8, 1)) as table:
        for label, value in facts:
            row = table.row()
            row.cell(label, style=FontFace(color=MUTED))
            row.cell(value)


def _table(pdf: StatementPdf, headings, widths, rows, *, numeric=()) -> None:
    pdf.set_font(pdf.family, "", 9)
    if not rows:
        with pdf.local_context(text_color=MUTED):
            pdf.cell(0, 6, _("None."), new_x="LMARGIN", new_y="NEXT")
        return
    align = tuple("RIGHT" if index in numeric else "LEFT" for index in range(len(headings)))
    with pdf.table(col_widths=widths, text_align=align, borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="BOLD", color=MUTED),
                   padding=(1, 1.2)) as table:
        heading = table.row()
        for text in headings:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)


def _chart(pdf: StatementPdf, chart: dict) -> None:
    if pdf.will_page_break(45):
        pdf.add_page()
    _section(pdf, _("Where the net receipts went"))
    if not chart["segments"]:
        pdf.set_font(pdf.family, "", 9.5)
        pdf.multi_cell(0, 5, chart["message"], new_x="LMARGIN", new_y="NEXT")
        return
    left, top, height = pdf.l_margin, pdf.get_y() + 1, 9
    # A local context: the tables after take the page's fill colour for their own.
    with pdf.local_context(draw_color="#FFFFFF", line_width=0.4):
        for segment in chart["segments"]:
            if segment["width"]:
                pdf.set_fill_color(segment["colour"])
                pdf.rect(left + pdf.epw * segment["start"] / CHART_SCALE, top,
                         pdf.epw * segment["width"] / CHART_SCALE, height, style="DF")
    pdf.set_y(top + height + 3)
    pdf.set_font(pdf.family, "", 9)
    with pdf.table(col_widths=(0.04, 0.42, 0.24, 0.18, 0.12),
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="BOLD", color=MUTED),
                   padding=(1, 1.2)) as table:
        heading = table.row()
        for text in ("", _("Paid"), _("Tier"), _("Amount"), _("Share")):
            heading.cell(text)
        for segment in chart["segments"]:
            row = table.row()
            row.cell("", style=FontFace(fill_color=segment["colour"]))
            row.cell(segment["label"])
            row.cell(segment["tier"] or "—")
            row.cell(segment["formatted"])
            row.cell(segment["share"])
        total = table.row()
        total.cell("")
        total.cell(_("Net receipts paid out"), style=FontFace(emphasis="BOLD"))
        total.cell("")
        total.cell(chart["total_formatted"], style=FontFace(emphasis="BOLD"))
        total.cell("100%", style=FontFace(emphasis="BOLD"))
