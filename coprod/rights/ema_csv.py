"""Rights as CSV, with the column names of the EMA (MovieLabs) Avails spreadsheet where
they fit. End dates are inclusive, as in EMA Avails; ``Open`` or blank is open-ended.

An import is all or nothing: every bad row is reported with its line number, and a file
with any error imports nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coprod.accounts.models import Company, User
from coprod.catalog.models import Title
from coprod.core.spreadsheet import safe_cell, unsafe_cell
from coprod.core.uploads import too_large_message
from coprod.rights import services
from coprod.rights.models import RightsBlock
from coprod.rights.vocabulary import ALL_MEDIA, ExclusivityScope, Media

COLUMNS = [
    "AvailID", "ContentID", "TitleDisplayUnlimited", "TitleInternalAlias", "ReleaseYear",
    "WorkType", "RightsDirection", "DisplayName", "ContractID", "Territory", "LicenseType",
    "AssetLanguage", "LocalizationType", "Start", "End", "Exclusive", "Description",
    # Not an EMA column: what an exclusive licence keeps (territory_medium by default).
    "ExclusivityScope",
]
REQUIRED = ["RightsDirection", "DisplayName", "ContractID", "Territory", "LicenseType",
            "AssetLanguage", "LocalizationType", "Start"]

WORK_TYPES = {"film": "Movie", "series": "Series", "season": "Season", "episode": "Episode"}
LICENSE_TYPES = {
    Media.THEATRICAL: "Theatrical", Media.FREE_TV: "FreeTV", Media.PAY_TV: "PayTV",
    Media.SVOD: "SVOD", Media.AVOD: "AVOD", Media.TVOD_EST: "TVOD/EST",
    Media.AIRLINE: "Airline", Media.HOME_VIDEO: "HomeVideo",
}
# EMA's own license types and common spellings, read on import.
LICENSE_TYPE_ALIASES = {
    **{name.lower(): medium for medium, name in LICENSE_TYPES.items()},
    **{medium.lower(): medium for medium in Media.values},
    "est": Media.TVOD_EST, "vod": Media.TVOD_EST, "tvod": Media.TVOD_EST,
    "fvod": Media.AVOD, "free tv": Media.FREE_TV, "pay tv": Media.PAY_TV,
    "home video": Media.HOME_VIDEO, "dvd": Media.HOME_VIDEO, "all": ALL_MEDIA,
    "all media": ALL_MEDIA,
}
LOCALIZATION_TYPES = {"sub": ["sub"], "dub": ["dub"], "subdub": ["sub", "dub"],
                      "original": ["original"]}


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowError(Exception):
    pass


def export_rights(blocks) -> str:
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for block in blocks:
        kinds = sorted({pair.split(":", 1)[1] for pair in block.language_rights})
        languages = sorted({pair.split(":", 1)[0] for pair in block.language_rights})
        localization = "subdub" if kinds == ["dub", "sub"] else ";".join(kinds)
        last_day = block.window.upper - dt.timedelta(days=1) if block.window.upper else None
        writer.writerow({column: safe_cell(value) for column, value in {
            "AvailID": block.pk,
            "ContentID": block.title_id,
            "TitleDisplayUnlimited": block.title.original_title,
            "TitleInternalAlias": block.title.romanized_title,
            "ReleaseYear": block.title.year,
            "WorkType": WORK_TYPES[block.title.kind],
            "RightsDirection": block.direction,
            "DisplayName": block.counterparty.name,
            "ContractID": block.contract_reference,
            "Territory": block.territory_expression,
            "LicenseType": ";".join(LICENSE_TYPES[medium] for medium in block.media),
            "AssetLanguage": ";".join(languages),
            "LocalizationType": localization,
            "Start": block.window.lower.isoformat(),
            "End": last_day.isoformat() if last_day else "Open",
            "Exclusive": "Yes" if block.exclusive else "No",
            "Description": block.notes,
            "ExclusivityScope": block.exclusivity_scope,
        }.items()})
    return output.getvalue()


def import_rights(*, actor: User | None, data: bytes) -> ImportReport:
    """Validate and create every row through the rights services, in one transaction."""
    report = ImportReport()
    if len(data) > settings.RIGHTS_IMPORT_MAX_SIZE:
        report.errors.append((0, too_large_message(len(data), settings.RIGHTS_IMPORT_MAX_SIZE)))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        report.errors.append((line, _("Line %(line)d is not UTF-8 text; save the file as "
                                      "CSV UTF-8.") % {"line": line}))
        return report
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, _("Missing columns: %(columns)s")
                              % {"columns": ", ".join(missing)}))
        return report
    try:
        with transaction.atomic():
            for row in reader:
                line = reader.line_num
                try:
                    with transaction.atomic():
                        _import_row(actor, row)
                    report.created += 1
                except _RowError as error:
                    report.errors.append((line, str(error)))
                except ValidationError as error:
                    report.errors.append((line, "; ".join(error.messages)))
            if report.errors:
                raise _RowError("rollback")
    except _RowError:
        report.created = 0
    except csv.Error as error:
        report.errors.append((reader.line_num, str(error)))
        report.created = 0
    return report


def _import_row(actor, row: dict) -> RightsBlock:
    values = {key: unsafe_cell(value or "").strip() for key, value in row.items() if key}
    for column in REQUIRED:
        if not values.get(column):
            raise _RowError(_("%(column)s is empty.") % {"column": column})
    title = _find_title(values)
    direction = values["RightsDirection"].lower()
    if direction not in ("in", "out"):
        raise _RowError(_("RightsDirection must be “in” or “out”."))
    company = Company.objects.filter(name__iexact=values["DisplayName"]).first()
    if company is None:
        raise _RowError(_("Unknown company “%(name)s” in DisplayName.")
                        % {"name": values["DisplayName"]})
    terms = services.RightsTerms(
        territory_expression=values["Territory"],
        media=tuple(_media(values["LicenseType"])),
        languages=tuple(item.strip() for item in values["AssetLanguage"].split(";")
                        if item.strip()),
        language_kinds=tuple(_kinds(values["LocalizationType"])),
        start=_date(values["Start"], "Start"),
        end=_end(values.get("End", "")),
        exclusive=_yes_no(values.get("Exclusive", "")),
        exclusivity_scope=values.get("ExclusivityScope") or ExclusivityScope.TERRITORY_MEDIUM,
    )
    if direction == "in":
        return services.rights_in_add(actor=actor, title=title, licensor=company,
                                      contract_reference=values["ContractID"], terms=terms,
                                      notes=values.get("Description", ""))
    return services.rights_out_grant(actor=actor, title=title, licensee=company,
                                     contract_reference=values["ContractID"], terms=terms,
                                     notes=values.get("Description", ""))


def _find_title(values: dict) -> Title:
    content_id = values.get("ContentID", "")
    if content_id:
        if not content_id.isdigit() or not Title.objects.filter(pk=content_id).exists():
            raise _RowError(_("No title with ContentID %(id)s.") % {"id": content_id})
        return Title.objects.get(pk=content_id)
    original, year = values.get("TitleDisplayUnlimited", ""), values.get("ReleaseYear", "")
    if not original or not year.isdigit():
        raise _RowError(_("Give ContentID, or TitleDisplayUnlimited with ReleaseYear."))
    title = Title.objects.filter(original_title=original, year=int(year),
                                 parent__isnull=True).first()
    if title is None:
        raise _RowError(_("No title “%(title)s” (%(year)s) in the catalog.")
                        % {"title": original, "year": year})
    return title


def _media(value: str) -> list[str]:
    media = []
    for item in value.split(";"):
        key = item.strip().lower()
        if not key:
            continue
        if key not in LICENSE_TYPE_ALIASES:
            raise _RowError(_("Unknown LicenseType “%(value)s”.") % {"value": item.strip()})
        media.append(LICENSE_TYPE_ALIASES[key])
    return media


def _kinds(value: str) -> list[str]:
    kinds = []
    for item in value.split(";"):
        key = item.strip().lower()
        if key not in LOCALIZATION_TYPES:
            raise _RowError(_("Unknown LocalizationType “%(value)s”: use sub, dub, subdub or "
                              "original.") % {"value": item.strip()})
        kinds.extend(LOCALIZATION_TYPES[key])
    return kinds


def _date(value: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _RowError(_("%(column)s “%(value)s” is not a date (YYYY-MM-DD).")
                        % {"column": column, "value": value}) from None


def _end(value: str) -> dt.date | None:
    if not value or value.lower() == "open":
        return None
    end = _date(value, "End")
    if end == dt.date.max:
        raise _RowError(_("End “%(value)s” is the last possible day; write Open for an "
                          "open-ended window.") % {"value": value})
    return end + dt.timedelta(days=1)


def _yes_no(value: str) -> bool:
    key = value.strip().lower()
    if key in ("", "no", "n", "false", "0"):
        return False
    if key in ("yes", "y", "true", "1"):
        return True
    raise _RowError(_("Exclusive must be Yes or No, not “%(value)s”.") % {"value": value})
