"""TTML1 and IMSC 1.1, read and written with lxml.

Read: every time expression (clock, offset, frames at the document's frame rate and
multiplier, ticks), offsets inherited from ``div`` and ``body``, agents (speakers), ``xml:id``
(identifiers), italics (``tts:fontStyle`` italic or oblique, or IMSC's ``tts:shear``, on the
paragraph, a span, a referenced style, an ancestor or the region), and the placement: the
region (``tts:origin``, ``tts:extent``, ``tts:displayAlign``, ``tts:writingMode``, from the
region, its styles or the styles it references) and ``tts:textAlign``. The region and text
alignment are kept as they were for the next TTML export; the neutral position and vertical
flag derived from them serve the other formats. Bold, underline, ruby readings,
tate-chu-yoko and emphasis marks are not kept, and a note says so.

Written: IMSC 1.1 text profile, media time; one region per placement used (or the cue's own
region when it still matches its placement), italics as ``tts:fontStyle`` (``tts:shear``
16.67% for Japanese, as the Netflix Japanese guide asks).
"""

from __future__ import annotations

import math
import re

from django.utils.translation import gettext as _
from lxml import etree

from localization.subtitles.cues import (
    DEFAULT_POSITION,
    Cue,
    SubtitleFileError,
    position_from,
    spans_text,
    text_spans,
)
from localization.subtitles.formats.common import (
    Notes,
    check_cues,
    check_time_limit,
    clock_text,
    shorten,
)

TTML_NS = "http://www.w3.org/ns/ttml"
TTP_NS = "http://www.w3.org/ns/ttml#parameter"
TTS_NS = "http://www.w3.org/ns/ttml#styling"
TTM_NS = "http://www.w3.org/ns/ttml#metadata"
XML_NS = "http://www.w3.org/XML/1998/namespace"
IMSC11_TEXT_PROFILE = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"
XML_ID = f"{{{XML_NS}}}id"
BROADCAST_FRAME_RATES = (23.976, 24, 25, 29.97, 30, 50, 59.94, 60)
# The region and style properties that place a cue; what a kept region may hold.
REGION_PROPERTIES = ("origin", "extent", "displayAlign", "writingMode", "padding",
                     "backgroundColor", "showBackground", "overflow")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _tts(name: str) -> str:
    return f"{{{TTS_NS}}}{name}"


# --- reading -----------------------------------------------------------------------------------


def read_ttml(data: bytes) -> tuple[list[Cue], list]:
    notes = Notes()
    if data.startswith(b"\xef\xbb\xbf"):
        notes.add(None, _("A UTF-8 byte order mark was removed."))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SubtitleFileError(
            _("The XML cannot be read: %(error)s") % {"error": error.msg}, line=error.lineno
        ) from None
    if etree.QName(root).localname != "tt" or etree.QName(root).namespace != TTML_NS:
        raise SubtitleFileError(_("This is not a TTML document (no <tt> root element)."), line=1)
    frame_rate, tick_rate = _ttml_rates(root, notes)
    document = _Document(root)
    cues: list[Cue] = []
    lines: list[int] = []
    for paragraph in root.iter(f"{{{TTML_NS}}}p"):
        line = paragraph.sourceline
        offset = sum(
            _ttml_time(ancestor.get("begin"), frame_rate, tick_rate, ancestor.sourceline)
            for ancestor in paragraph.iterancestors() if ancestor.get("begin")
        )
        begin = paragraph.get("begin")
        if begin is None:
            raise SubtitleFileError(_("The subtitle has no 'begin' time."), line=line)
        start = offset + _ttml_time(begin, frame_rate, tick_rate, line)
        if paragraph.get("end") is not None:
            end = offset + _ttml_time(paragraph.get("end"), frame_rate, tick_rate, line)
        elif paragraph.get("dur") is not None:
            end = start + _ttml_time(paragraph.get("dur"), frame_rate, tick_rate, line)
        else:
            raise SubtitleFileError(_("The subtitle has no 'end' or 'dur' time."), line=line)
        agent_ids = (paragraph.get(f"{{{TTM_NS}}}agent") or "").split()
        speaker = document.agents.get(agent_ids[0], "") if agent_ids else ""
        region_id, region = document.region_of(paragraph)
        text_align = document.inherited(paragraph, "textAlign", region_id)
        position, vertical = ttml_placement(region, text_align, has_region=bool(region_id))
        settings = {}
        # Without a region, the text alignment is all there is, and the position holds it.
        if region_id and not _as_generated(position, vertical, region, text_align):
            settings["ttml"] = {"region": {"id": region_id, **region},
                                "text_align": text_align or ""}
        text, lost = document.text(paragraph, region_id)
        for what in lost:
            notes.repeat(line, what)
        cues.append(Cue(round(start), round(end), text, speaker,
                        identifier=paragraph.get(XML_ID, ""), position=position,
                        vertical=vertical, settings=settings))
        lines.append(line)
    checked, more = check_cues(cues, lines)
    return checked, notes.as_list() + more


class _Document:
    """Styles, regions and agents of a TTML document, and style resolution over them."""

    def __init__(self, root):
        self.styles = {style.get(XML_ID): style for style in root.iter(f"{{{TTML_NS}}}style")
                       if style.get(XML_ID)}
        self.regions = {region.get(XML_ID): region
                        for region in root.iter(f"{{{TTML_NS}}}region") if region.get(XML_ID)}
        self.agents = {
            agent.get(XML_ID): (agent.findtext(f"{{{TTM_NS}}}name") or "").strip()
            for agent in root.iter(f"{{{TTM_NS}}}agent")
        }

    def own(self, element, seen: frozenset = frozenset()) -> dict[str, str]:
        """The styling an element specifies: its referenced styles (in order, chained), its
        nested <style> children (regions), then its own tts: attributes."""
        values: dict[str, str] = {}
        for reference in (element.get("style") or "").split():
            style = self.styles.get(reference)
            if style is not None and reference not in seen:
                values.update(self.own(style, seen | {reference}))
        if etree.QName(element).localname == "region":
            for child in element.iterchildren(f"{{{TTML_NS}}}style"):
                values.update(self.own(child, seen))
        for name, value in element.attrib.items():
            if name.startswith(f"{{{TTS_NS}}}"):
                values[etree.QName(name).localname] = value.strip()
        return values

    def region_of(self, paragraph) -> tuple[str, dict[str, str]]:
        for element in (paragraph, *paragraph.iterancestors()):
            if element.get("region"):
                region_id = element.get("region")
                region = self.regions.get(region_id)
                if region is None:
                    return "", {}
                return region_id, {name: value for name, value in self.own(region).items()
                                   if name in REGION_PROPERTIES}
        return "", {}

    def inherited(self, element, name: str, region_id: str) -> str | None:
        """An inheritable style property: the element's, an ancestor's, else its region's."""
        for current in (element, *element.iterancestors()):
            value = self.own(current).get(name)
            if value is not None:
                return value
            if etree.QName(current).localname in ("body", "tt"):
                break
        region = self.regions.get(region_id) if region_id else None
        return self.own(region).get(name) if region is not None else None

    def text(self, paragraph, region_id: str) -> tuple[str, list[str]]:
        """The paragraph's text with italics, and what it held that is not kept."""
        spans: list[tuple[str, bool]] = []
        lost: list[str] = []

        def lose(message: str) -> None:
            if message not in lost:
                lost.append(message)

        def italic_of(values: dict[str, str], inherited: bool) -> bool:
            if "fontStyle" in values:
                return values["fontStyle"] in ("italic", "oblique")
            if "shear" in values:
                return values["shear"].rstrip("%").strip() not in ("0", "0.0", "")
            return inherited

        def check(values: dict[str, str]) -> None:
            if values.get("fontWeight") == "bold":
                lose(_("Bold (tts:fontWeight) is not kept; the text is."))
            if values.get("textDecoration", "none") not in ("none", "noUnderline"):
                lose(_("Underline and strike-through (tts:textDecoration) are not kept; the "
                       "text is."))
            if values.get("textCombine", "none") != "none":
                lose(_("Tate-chu-yoko (tts:textCombine) is not kept; the text is."))
            if values.get("textEmphasis", "none") != "none":
                lose(_("Emphasis marks (tts:textEmphasis) are not kept; the text is."))

        base = self.inherited(paragraph.getparent(), "fontStyle", region_id) \
            if paragraph.getparent() is not None else None
        shear = self.inherited(paragraph.getparent(), "shear", region_id) \
            if paragraph.getparent() is not None else None
        inherited_values = {key: value for key, value in
                            (("fontStyle", base), ("shear", shear)) if value is not None}

        def walk(node, italic: bool) -> None:
            values = self.own(node)
            check(values)
            ruby = values.get("ruby", "")
            if ruby in ("text", "textContainer", "delimiter"):
                lose(_("Ruby readings (tts:ruby) are not kept; the text they annotate is."))
                return
            italic = italic_of(values, italic)
            if node.text:  # a line break in the XML is a space; only <br/> breaks a line
                spans.append((node.text.replace("\n", " "), italic))
            for child in node:
                if isinstance(child, etree._Entity):
                    # Entities are left unresolved (resolve_entities=False), so one in the
                    # text would be lost; the five XML ones and &#...; references are read.
                    raise SubtitleFileError(
                        _("The entity reference '%(entity)s' cannot be read; write the "
                          "character itself or a numeric reference such as '&#160;'.")
                        % {"entity": shorten(child.text)}, line=child.sourceline)
                if isinstance(child, (etree._Comment, etree._ProcessingInstruction)):
                    pass  # not part of the subtitle; the text after it (its tail) is
                elif etree.QName(child).localname == "br":
                    spans.append(("\n", italic))
                elif etree.QName(child).localname in ("span", "p"):
                    walk(child, italic)
                if child.tail:
                    spans.append((child.tail.replace("\n", " "), italic))

        walk(paragraph, italic_of(inherited_values, False))
        text = spans_text(spans)
        lines = [" ".join(line.split()) for line in text.split("\n")]
        return "\n".join(line for line in lines if line), lost


def _percent_pair(value: str | None) -> tuple[float, float] | None:
    parts = (value or "").split()
    if len(parts) != 2 or not all(part.endswith("%") for part in parts):
        return None
    try:
        return float(parts[0][:-1]), float(parts[1][:-1])
    except ValueError:
        return None


def _third(value: float) -> str:
    return "low" if value < 100 / 3 else ("mid" if value <= 200 / 3 else "high")


def ttml_placement(region: dict[str, str], text_align: str | None, *, has_region: bool = True
                   ) -> tuple[int, str]:
    """(position 1-9, vertical) of a paragraph in a region with a text alignment."""
    if not has_region and not text_align:
        return DEFAULT_POSITION, ""
    writing = region.get("writingMode", "lrtb")
    vertical = {"tbrl": "rl", "tb": "rl", "tblr": "lr"}.get(writing, "")
    display = region.get("displayAlign", "before")
    origin, extent = _percent_pair(region.get("origin")), _percent_pair(region.get("extent"))
    align = {"left": "start", "start": "start", "right": "end", "end": "end",
             "center": "center", "justify": "start"}.get(text_align or "")
    if vertical:
        # The block direction runs across: "before" is the right edge for tbrl, the left
        # for tblr; text alignment runs down (start is the top).
        first, last = ("right", "left") if vertical == "rl" else ("left", "right")
        if origin and extent:
            edge = {"before": origin[0] + extent[0] if vertical == "rl" else origin[0],
                    "after": origin[0] if vertical == "rl" else origin[0] + extent[0],
                    "center": origin[0] + extent[0] / 2}.get(display, origin[0])
            column = {"low": "left", "mid": "centre", "high": "right"}[_third(edge)]
        else:
            column = {"before": first, "after": last}.get(display, "centre")
        row = {"start": "top", "end": "bottom", "center": "middle"}.get(align or "start")
        return position_from(row, column), vertical
    if not has_region:
        row = "bottom"
    elif origin and extent:
        edge = {"before": origin[1], "after": origin[1] + extent[1],
                "center": origin[1] + extent[1] / 2}.get(display, origin[1])
        row = {"low": "top", "mid": "middle", "high": "bottom"}[_third(edge)]
    else:
        row = {"before": "top", "after": "bottom", "center": "middle"}.get(display, "top")
    if align:
        column = {"start": "left", "end": "right", "center": "centre"}[align]
    elif origin and extent:
        column = {"low": "left", "mid": "centre", "high": "right"}[
            _third(origin[0] + extent[0] / 2)]
    else:
        column = "centre"
    return position_from(row, column), ""


_CLOCK = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})(?:\.(\d+)|:(\d{2,})(?:\.(\d+))?)?$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")
# TTML asks for whole numbers; decimals such as 29.97 are common enough to accept.
_RATE = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_MULTIPLIER = re.compile(r"^\s*(\d+)\s+(\d+)\s*$")


def _ttml_rates(root, notes: Notes) -> tuple[float, float]:
    """The frame rate (with its multiplier) and tick rate of a document, both usable divisors;
    a frame rate outside the broadcast rates is read, with a note."""
    line = root.sourceline
    frame_rate = _ttml_rate(root, "frameRate", "30")
    multiplier = root.get(f"{{{TTP_NS}}}frameRateMultiplier")
    if multiplier is not None:
        match = _MULTIPLIER.match(multiplier)
        numerator, denominator = (float(part) for part in match.groups()) if match else (0, 0)
        frame_rate = frame_rate * numerator / denominator if numerator and denominator else 0
        if not 0 < frame_rate < math.inf:
            raise SubtitleFileError(
                _("ttp:frameRateMultiplier '%(value)s' must be two whole numbers above zero, "
                  "such as '1000 1001'.") % {"value": shorten(multiplier)}, line=line)
    declared = root.get(f"{{{TTP_NS}}}frameRate") is not None or multiplier is not None
    if declared and not any(abs(frame_rate - rate) < 0.01 for rate in BROADCAST_FRAME_RATES):
        notes.add(line, _("The frame rate is %(rate)s frames a second, not one of the broadcast "
                          "rates (%(rates)s); frame-based times were read at that rate, check "
                          "them against the video.")
                  % {"rate": f"{frame_rate:.3f}".rstrip("0").rstrip("."),
                     "rates": ", ".join(f"{rate:g}" for rate in BROADCAST_FRAME_RATES)})
    return frame_rate, _ttml_rate(root, "tickRate", "1")


def _ttml_rate(root, name: str, default: str) -> float:
    value = root.get(f"{{{TTP_NS}}}{name}", default)
    rate = float(value) if _RATE.match(value) else 0
    if not 0 < rate < math.inf:
        raise SubtitleFileError(
            _("ttp:%(name)s '%(value)s' must be a number above zero.")
            % {"name": name, "value": shorten(value)}, line=root.sourceline)
    return rate


def _ttml_time(value: str, frame_rate: float, tick_rate: float, line: int) -> float:
    """A TTML time expression in milliseconds, at most MAX_CUE_TIME_MS."""
    value = value.strip()
    if match := _CLOCK.match(value):
        hours, minutes, seconds, fraction, frames, _subframes = match.groups()
        # float(), unlike int(), takes any number of digits: too many become infinity.
        total = (float(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1000.0
        if fraction:
            total += float(f"0.{fraction}") * 1000
        if frames:
            total += float(frames) * 1000 / frame_rate
    elif match := _OFFSET.match(value):
        number, unit = float(match.group(1)), match.group(2)
        scale = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1,
                 "f": 1000 / frame_rate, "t": 1000 / tick_rate}[unit]
        total = number * scale
    else:
        raise SubtitleFileError(_("The time '%(time)s' cannot be read.")
                                % {"time": shorten(value)}, line=line)
    check_time_limit(total, value, line)
    return total


# --- writing -----------------------------------------------------------------------------------

_GENERATED_REGIONS = {
    # (row or column, vertical) -> the region's id and properties
    ("bottom", ""): ("bottom", "after", "lrtb"), ("middle", ""): ("middle", "center", "lrtb"),
    ("top", ""): ("top", "before", "lrtb"),
    ("right", "rl"): ("vertical_right", "before", "tbrl"),
    ("centre", "rl"): ("vertical_centre", "center", "tbrl"),
    ("left", "rl"): ("vertical_left", "after", "tbrl"),
    ("left", "lr"): ("vertical_lr_left", "before", "tblr"),
    ("centre", "lr"): ("vertical_lr_centre", "center", "tblr"),
    ("right", "lr"): ("vertical_lr_right", "after", "tblr"),
}
_TEXT_ALIGN = {"left": "left", "centre": "center", "right": "right",
               "top": "start", "middle": "center", "bottom": "end"}


def kept_region(cue: Cue) -> tuple[dict[str, str], str] | None:
    """The cue's own TTML region and text alignment, when they still give its placement."""
    kept = cue.settings.get("ttml")
    if not isinstance(kept, dict):
        return None
    region = {name: str(value) for name, value in (kept.get("region") or {}).items()
              if name == "id" or (name in REGION_PROPERTIES and _NAME.match(name))}
    if not region.get("id"):
        return None
    text_align = str(kept.get("text_align") or "")
    properties = {name: value for name, value in region.items() if name != "id"}
    placement = ttml_placement(properties, text_align or None,
                               has_region=bool(region.get("id")))
    if placement != (cue.position, cue.vertical):
        return None
    return region, text_align


def generated_region(cue: Cue) -> tuple[dict[str, str], str]:
    if cue.vertical:
        key = (cue.column, cue.vertical)
        text_align = _TEXT_ALIGN[cue.row]
    else:
        key = (cue.row, "")
        text_align = _TEXT_ALIGN[cue.column]
    region_id, display, writing = _GENERATED_REGIONS[key]
    region = {"id": region_id, "origin": "10% 10%", "extent": "80% 80%",
              "displayAlign": display}
    if writing != "lrtb":
        region["writingMode"] = writing
    return region, text_align


def _as_generated(position: int, vertical: str, region: dict[str, str],
                  text_align: str | None) -> bool:
    """Whether a region and alignment are the ones the writer makes for that placement
    anyway (so there is nothing of the file's own to keep)."""
    generated, generated_align = generated_region(Cue(0, 0, "", position=position,
                                                      vertical=vertical))
    generated.pop("id")
    return region == generated and (text_align or "center") == generated_align


def write_ttml(cues: list[Cue], *, language: str, title: str) -> bytes:
    """A TTML document in the IMSC 1.1 text profile, times as media clock time."""
    nsmap = {None: TTML_NS, "ttp": TTP_NS, "tts": TTS_NS, "ttm": TTM_NS}
    root = etree.Element(f"{{{TTML_NS}}}tt", nsmap=nsmap)
    root.set(f"{{{XML_NS}}}lang", language)
    root.set(f"{{{TTP_NS}}}timeBase", "media")
    root.set(f"{{{TTP_NS}}}contentProfiles", IMSC11_TEXT_PROFILE)
    head = etree.SubElement(root, f"{{{TTML_NS}}}head")
    metadata = etree.SubElement(head, f"{{{TTML_NS}}}metadata")
    etree.SubElement(metadata, f"{{{TTM_NS}}}title").text = title
    speakers = sorted({cue.speaker for cue in cues if cue.speaker})
    agent_ids = {}
    for number, speaker in enumerate(speakers, start=1):
        agent = etree.SubElement(metadata, f"{{{TTM_NS}}}agent", type="character")
        agent.set(XML_ID, f"speaker{number}")
        etree.SubElement(agent, f"{{{TTM_NS}}}name", type="full").text = speaker
        agent_ids[speaker] = f"speaker{number}"
    styling = etree.SubElement(head, f"{{{TTML_NS}}}styling")
    style = etree.SubElement(styling, f"{{{TTML_NS}}}style")
    style.set(XML_ID, "default")
    style.set(_tts("fontFamily"), "proportionalSansSerif")
    style.set(_tts("fontSize"), "100%")
    style.set(_tts("textAlign"), "center")
    style.set(_tts("color"), "white")
    layout = etree.SubElement(head, f"{{{TTML_NS}}}layout")
    regions: dict[str, dict[str, str]] = {}
    ids_by_region: dict[tuple, str] = {}

    def region_id_for(region: dict[str, str]) -> str:
        properties = {name: value for name, value in region.items() if name != "id"}
        key = tuple(sorted(properties.items()))
        if key not in ids_by_region:
            preferred = region.get("id") or "bottom"
            region_id, number = preferred, 1
            while region_id in regions:
                number += 1
                region_id = f"{preferred}_{number}"
            regions[region_id] = properties
            ids_by_region[key] = region_id
        return ids_by_region[key]

    region_id_for(generated_region(Cue(0, 0, ""))[0])  # "bottom", the body's region
    placements = []
    for cue in cues:
        region, text_align = kept_region(cue) or generated_region(cue)
        placements.append((region_id_for(region), text_align))
    for region_id, properties in regions.items():
        region = etree.SubElement(layout, f"{{{TTML_NS}}}region")
        region.set(XML_ID, region_id)
        for name, value in properties.items():
            region.set(_tts(name), value)
    body = etree.SubElement(root, f"{{{TTML_NS}}}body", style="default", region="bottom")
    division = etree.SubElement(body, f"{{{TTML_NS}}}div")
    used_ids = set()
    italic_attribute = (_tts("shear"), "16.67%") if language.lower().startswith("ja") \
        else (_tts("fontStyle"), "italic")
    for cue, (region_id, text_align) in zip(cues, placements, strict=True):
        paragraph = etree.SubElement(division, f"{{{TTML_NS}}}p",
                                     begin=clock_text(cue.start_ms), end=clock_text(cue.end_ms))
        identifier = xml_identifier(cue.identifier)
        if identifier and identifier not in used_ids:
            paragraph.set(XML_ID, identifier)
            used_ids.add(identifier)
        if region_id != "bottom":
            paragraph.set("region", region_id)
        if text_align and text_align != "center":
            paragraph.set(_tts("textAlign"), text_align)
        if cue.speaker:
            paragraph.set(f"{{{TTM_NS}}}agent", agent_ids[cue.speaker])
        _write_text(paragraph, cue.text, italic_attribute)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def xml_identifier(identifier: str) -> str:
    """The cue identifier as an xml:id: as it is when it is a valid name, else with a letter
    before it and other characters made underscores ("1" becomes "cue_1")."""
    if not identifier:
        return ""
    if _NCNAME.match(identifier):
        return identifier
    return "cue_" + re.sub(r"[^\w.-]", "_", identifier)


def _write_text(paragraph, text: str, italic_attribute: tuple[str, str]) -> None:
    """Lines with <br/>, italic pieces in <span>s."""
    last = None  # the element whose tail takes the next plain text

    def add_plain(piece: str) -> None:
        if last is None:
            paragraph.text = (paragraph.text or "") + piece
        else:
            last.tail = (last.tail or "") + piece

    for piece, italic in text_spans(text):
        if italic:
            span = etree.SubElement(paragraph, f"{{{TTML_NS}}}span")
            span.set(*italic_attribute)
            lines = piece.split("\n")
            span.text = lines[0]
            for line in lines[1:]:
                etree.SubElement(span, f"{{{TTML_NS}}}br").tail = line
            last = span
            continue
        lines = piece.split("\n")
        add_plain(lines[0])
        for line in lines[1:]:
            last = etree.SubElement(paragraph, f"{{{TTML_NS}}}br")
            last.tail = line

