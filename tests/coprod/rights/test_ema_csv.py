import csv
import io

import pytest

from coprod.rights.ema_csv import COLUMNS, export_rights, import_rights
from coprod.rights.models import RightsBlock
from tests.coprod.rights_helpers import D, company, film, grant, hold

pytestmark = pytest.mark.django_db

HEADER = ("ContentID,RightsDirection,DisplayName,ContractID,Territory,LicenseType,"
          "AssetLanguage,LocalizationType,Start,End,Exclusive\n")


@pytest.fixture
def catalog():
    title = film("서울의 밤", 2023)
    company("Licensor Co")
    company("Tokyo Stream")
    company("Bangkok Play", country="TH")
    return title


def test_good_file_imports_every_row(catalog):
    data = (HEADER
            + f"{catalog.pk},in,Licensor Co,LIC-1,WORLD -KR,All,ja;th,subdub,2026-01-01,Open,Yes\n"
            + f"{catalog.pk},out,Tokyo Stream,OUT-1,JP,SVOD;AVOD,ja,sub,2026-01-01,2026-12-31,Yes\n"
            + f"{catalog.pk},out,Bangkok Play,OUT-2,TH,EST,th,dub,2026-03-01,2027-02-28,No\n")
    report = import_rights(actor=None, data=data.encode())
    assert report.ok, report.errors
    assert report.created == 3
    granted = RightsBlock.objects.get(contract_reference="OUT-1")
    assert granted.window.upper == D(2027, 1, 1)  # End is inclusive in the file
    assert sorted(granted.media) == ["avod", "svod"] and granted.exclusive
    assert RightsBlock.objects.get(contract_reference="OUT-2").media == ["tvod_est"]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(catalog):
    data = (HEADER
            + f"{catalog.pk},in,Licensor Co,LIC-1,JP TH,All,ja;th,subdub,2026-01-01,Open,Yes\n"
            + f"{catalog.pk},in,Licensor Co,LIC-2,NARNIA,All,ja,sub,2026-01-01,Open,No\n"
            + f"{catalog.pk},out,Tokyo Stream,OUT-1,JP,SVOD,ja,sub,2026-31-01,Open,Yes\n"
            + "999999,out,Tokyo Stream,OUT-2,JP,SVOD,ja,sub,2026-01-01,Open,Yes\n"
            + f"{catalog.pk},out,Tokyo Stream,OUT-3,JP,SVOD,ja,sub,2026-01-01,2026-12-31,Yes\n"
            + f"{catalog.pk},out,Bangkok Play,OUT-4,JP,SVOD,ja,sub,2026-06-01,2026-12-31,No\n"
            + f"{catalog.pk},out,Nobody Inc,OUT-5,TH,Laserdisc,ja,sub,2026-06-01,Open,Maybe\n")
    report = import_rights(actor=None, data=data.encode())
    assert not report.ok
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 5, 7, 8]
    assert "NARNIA" in lines[3]
    assert "2026-31-01" in lines[4]
    assert "999999" in lines[5]
    assert "Conflicts with exclusive grant" in lines[7]  # with line 6 of the same file
    assert "Nobody Inc" in lines[8]
    assert report.created == 0
    assert RightsBlock.objects.count() == 0


def test_wrong_encoding_is_reported_with_its_line(catalog):
    data = (HEADER + f"{catalog.pk},in,Licensor Co,계약-1,JP,All,ja,sub,2026-01-01,Open,No\n"
            ).encode("cp949")
    report = import_rights(actor=None, data=data)
    assert report.errors[0][0] == 2
    assert "UTF-8" in report.errors[0][1]
    assert RightsBlock.objects.count() == 0


def test_byte_order_mark_and_crlf_are_accepted(catalog):
    data = ("\ufeff" + HEADER + f"{catalog.pk},in,Licensor Co,LIC-1,JP,All,ja,sub,2026-01-01,"
            "Open,No\n").replace("\n", "\r\n").encode()
    report = import_rights(actor=None, data=data)
    assert report.ok and report.created == 1


def test_missing_columns_are_named(catalog):
    report = import_rights(actor=None, data=b"ContentID,Territory\n1,JP\n")
    assert report.errors[0][0] == 1
    assert "RightsDirection" in report.errors[0][1]


def test_export_uses_avails_columns_and_round_trips(catalog):
    hold(catalog, territory="WORLD -KR", media=("all",), languages=("ja", "th"),
         kinds=("sub", "dub"), end=None)
    grant(catalog, territory="JP", exclusive=True, start=D(2026, 1, 1), end=D(2027, 1, 1))
    exported = export_rights(RightsBlock.objects.order_by("pk"))
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert list(rows[0]) == COLUMNS
    assert rows[0]["End"] == "Open" and rows[1]["End"] == "2026-12-31"
    assert rows[0]["LocalizationType"] == "subdub"
    assert rows[1]["WorkType"] == "Movie" and rows[1]["Exclusive"] == "Yes"
    before = sorted((block.direction, block.countries, block.media, block.language_rights,
                     block.window, block.exclusive) for block in RightsBlock.objects.all())
    RightsBlock.objects.all().delete()
    report = import_rights(actor=None, data=exported.encode())
    assert report.ok, report.errors
    after = sorted((block.direction, block.countries, block.media, block.language_rights,
                    block.window, block.exclusive) for block in RightsBlock.objects.all())
    assert after == before


def test_any_iso_639_language_and_all_languages_import_and_round_trip(catalog):
    data = (HEADER
            + f"{catalog.pk},in,Licensor Co,LIC-1,JP,SVOD,jpn;yue,sub,2026-01-01,Open,No\n"
            + f"{catalog.pk},in,Licensor Co,LIC-2,TH,SVOD,all,dub,2026-01-01,Open,No\n"
            + f"{catalog.pk},in,Licensor Co,LIC-3,TH,SVOD,klingon,dub,2026-01-01,Open,No\n")
    report = import_rights(actor=None, data=data.encode())
    assert [line for line, _message in report.errors] == [4]
    assert "klingon" in report.errors[0][1]
    report = import_rights(actor=None, data=data.rsplit("\n", 2)[0].encode() + b"\n")
    assert report.ok, report.errors
    assert RightsBlock.objects.get(contract_reference="LIC-1").language_rights == [
        "ja:sub", "yue:sub"]
    assert RightsBlock.objects.get(contract_reference="LIC-2").language_rights == ["*:dub"]
    exported = export_rights(RightsBlock.objects.order_by("pk"))
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["AssetLanguage"] for row in rows] == ["ja;yue", "*"]
    RightsBlock.objects.all().delete()
    assert import_rights(actor=None, data=exported.encode()).ok
    assert sorted(block.language_rights for block in RightsBlock.objects.all()) == [
        ["*:dub"], ["ja:sub", "yue:sub"]]
