"""`manage.py subtitles inspect|check`: the platform's import and QA code for vendors and
CI, without the database."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.localization.shots.clips import make_cut_clip

ROOT = Path(__file__).resolve().parents[2]

VTT = """WEBVTT

intro
00:00:01.000 --> 00:00:03.000 line:10% align:start
<v Minji>어디 가?

00:00:04.000 --> 00:00:06.000
<i>집에.</i>
"""


def run(*args) -> tuple[dict, int]:
    """The command's JSON output and exit status, through call_command."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("subtitles", *args, "--json", stdout=out, stderr=StringIO())
        status = 0
    except CommandError as error:
        status = error.returncode
    return json.loads(out.getvalue()) if out.getvalue() else {}, status


def test_inspect_prints_the_cues_as_the_platform_reads_them(tmp_path):
    path = tmp_path / "episode.vtt"
    path.write_text(VTT, encoding="utf-8")
    data, status = run("inspect", str(path))
    assert status == 0
    first, second = data["cues"]
    assert (first["id"], first["start"], first["end"]) == ("intro", "00:00:01.000",
                                                          "00:00:03.000")
    assert first["speaker"] == "Minji" and first["text"] == "어디 가?"
    assert "line:10%" in json.dumps(first["settings"])
    assert second["text"] == "<i>집에.</i>"
    assert data["notes"] == []


def test_a_refused_file_exits_2_with_the_reason_and_no_traceback(tmp_path):
    bad = tmp_path / "broken.srt"
    bad.write_bytes(b"\x00\x01 not subtitles at all")
    result = subprocess.run([sys.executable, "manage.py", "subtitles", "inspect", str(bad)],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "broken.srt" in result.stderr and "Traceback" not in result.stderr
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    _data, status = run("inspect", str(unknown))
    assert status == 2


def _srt(tmp_path, *cues) -> Path:
    blocks = [f"{number}\n{start} --> {end}\n{text}\n"
              for number, (start, end, text) in enumerate(cues, start=1)]
    path = tmp_path / "ko.srt"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def test_check_reports_findings_and_exits_1_while_errors_remain(tmp_path):
    too_long = "이 줄은 한국어 자막 한 줄로는 너무 길어서 안 됩니다"
    path = _srt(tmp_path, ("00:00:01,000", "00:00:03,000", too_long),
                ("00:00:05,000", "00:00:07,000", "괜찮아요  정말로"))
    data, status = run("check", str(path), "--language", "ko", "--fps", "24")
    assert status == 1
    rules = {(finding["rule"], finding["cue"], finding["severity"])
             for finding in data["findings"]}
    assert ("line_length", 1, "error") in rules
    assert any(rule == "whitespace" and cue == 2 for rule, cue, _severity in rules)
    # Unknown frame rate: counted at 24 fps, and said so about the whole track.
    data, _status = run("check", str(path), "--language", "ko")
    assert any(finding["rule"] == "frame_rate" and finding["cue"] is None
               for finding in data["findings"])


def test_check_fix_writes_the_safe_fixes(tmp_path):
    path = _srt(tmp_path, ("00:00:05,000", "00:00:07,000", "괜찮아요  정말로 "))
    out = tmp_path / "fixed.vtt"
    data, status = run("check", str(path), "--language", "ko", "--fps", "24",
                       "--fix", str(out))
    assert status == 0 and data["fixed"]
    assert "괜찮아요 정말로" in out.read_text(encoding="utf-8")
    assert not [finding for finding in data["findings"] if finding["rule"] == "whitespace"]


def test_the_frame_rate_changes_the_frame_based_rules(tmp_path):
    # 836 ms: 20.06 frames at 24 fps (the 20-frame minimum is met), 20.9 at 25 fps (under
    # the 21-frame minimum).
    path = _srt(tmp_path, ("00:00:01,000", "00:00:01,836", "네."))
    at_24, _ = run("check", str(path), "--language", "ko", "--fps", "24")
    at_25, status = run("check", str(path), "--language", "ko", "--fps", "25")
    assert "min_duration" not in {finding["rule"] for finding in at_24["findings"]}
    assert "min_duration" in {finding["rule"] for finding in at_25["findings"]}
    assert status == 1


def test_check_with_the_media_uses_its_frame_rate_and_shot_changes(tmp_path):
    clip = tmp_path / "clip.mp4"
    make_cut_clip(clip, cuts=(48,), frames=96, fps=24)
    # A cut at frame 48 (2.000 s); the cue starts 5 frames later (2.208 s).
    path = _srt(tmp_path, ("00:00:02,208", "00:00:03,500", "안녕하세요."))
    data, _status = run("check", str(path), "--language", "ko", "--media", str(clip))
    assert data["fps"] == pytest.approx(24)
    assert [finding["cue"] for finding in data["findings"]
            if finding["rule"] == "shot_change"] == [1]
