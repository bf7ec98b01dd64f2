"""Print how fast the subtitle editor opens and saves on a 1,500-cue track.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/editor .venv/bin/python bench/editor.py \
        [--cues 1500] [--repeat 5]

A throwaway test database gets a Korean track and its Japanese translation of --cues cues;
a live server thread serves the app and Debian's chromium (through Playwright) opens the
editor as a translator. Printed: the cue list payload size; time to first render (from
navigation start until the editor has drawn the list and the first cue: the page sets
body[data-editor-ready]); scrolling the whole list (frames); the time to save one cue
through the HTTP endpoint (fetch from the page, median) and through the service alone.
Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "correct horse battery"  # noqa: S105 (a throwaway bench user)


def build_track(cue_count: int):
    from django.contrib.auth.models import Group

    from coprod.accounts.models import User
    from coprod.accounts.roles import Role
    from coprod.catalog.models import Title
    from localization.subtitles.models import SubtitleCue, SubtitleTrack

    title = Title.objects.create(original_title="벤치마크", romanized_title="Benchmark",
                                 kind=Title.Kind.FILM, year=2024)
    korean = SubtitleTrack.objects.create(title=title, language="ko", version=1,
                                          source=SubtitleTrack.Source.IMPORT)
    japanese = SubtitleTrack.objects.create(title=title, language="ja", version=1,
                                            source=SubtitleTrack.Source.TRANSLATION,
                                            source_track=korean)
    sources = SubtitleCue.objects.bulk_create(
        SubtitleCue(track=korean, index=index, start_ms=index * 4000,
                    end_ms=index * 4000 + 2500, text=f"이건 {index}번째 대사입니다.",
                    state=SubtitleCue.State.APPROVED)
        for index in range(1, cue_count + 1))
    SubtitleCue.objects.bulk_create(
        SubtitleCue(track=japanese, index=source.index, start_ms=source.start_ms,
                    end_ms=source.end_ms, text=f"これは{source.index}番目の台詞です。",
                    source_cue=source, state=SubtitleCue.State.MACHINE_TRANSLATED)
        for source in sources)
    group, _created = Group.objects.get_or_create(name=Role.TRANSLATOR)
    user = User.objects.create_user(username="bench-translator", password=PASSWORD)
    user.groups.add(group)
    return japanese, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cues", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.testcases import LiveServerThread
    from django.test.utils import setup_test_environment
    from playwright.sync_api import sync_playwright

    from localization.review import services as review_services

    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        track, user = build_track(args.cues)
        from django.contrib.staticfiles.handlers import StaticFilesHandler

        server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        url = f"http://127.0.0.1:{server.port}"
        path = f"/localization/tracks/{track.pk}/editor/"
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/accounts/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_load_state("networkidle")
            first_render, payloads = [], []
            for _run in range(args.repeat):
                page.goto(f"{url}{path}")
                page.wait_for_selector("body[data-editor-ready]")
                first_render.append(page.evaluate("performance.now()"))
                payloads.append(page.evaluate(
                    "performance.getEntriesByType('resource').filter(e => "
                    "e.name.endsWith('/editor/cues/')).map(e => e.transferSize)[0] || 0"))
            rows = page.evaluate("document.querySelectorAll('.cue-row').length")
            scroll = page.evaluate("""async () => {
                const list = document.querySelector('#cue-list');
                const frames = []; let last = performance.now();
                for (let step = 0; step < 120; step++) {
                    list.scrollTop += list.scrollHeight / 120;
                    await new Promise(requestAnimationFrame);
                    const now = performance.now(); frames.push(now - last); last = now;
                }
                frames.sort((a, b) => a - b);
                return {median: frames[60], worst: frames[frames.length - 1],
                        rows: document.querySelectorAll('.cue-row').length};
            }""")
            http_saves = page.evaluate("""async (repeat) => {
                const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
                const list = await (await fetch(location.pathname + 'cues/')).json();
                const cue = list.cues[750]; let revision = cue.revision; const times = [];
                for (let run = 0; run < repeat; run++) {
                    const started = performance.now();
                    const answer = await fetch(location.pathname + 'cues/' + cue.id + '/', {
                        method: 'POST', headers: {'Content-Type': 'application/json',
                        'X-CSRFToken': token}, body: JSON.stringify({text: cue.text + run,
                        start: cue.start, end: cue.end, revision})});
                    revision = (await answer.json()).cue.revision;
                    times.push(performance.now() - started);
                }
                return times;
            }""", args.repeat * 4)
            browser.close()
        cue = track.cues.get(index=100)
        service_saves = []
        for run in range(args.repeat * 4):
            started = time.perf_counter()
            cue = review_services.cue_save(cue=cue, text=f"{cue.text}{run}", start_ms=cue.start_ms,
                                  end_ms=cue.end_ms, expected_revision=cue.revision,
                                  actor=user)
            service_saves.append((time.perf_counter() - started) * 1000)
    finally:
        if server is not None:
            server.terminate()
        connection.creation.destroy_test_db(test_database, verbosity=0)

    print(f"editor bench: {args.cues} cues, chromium headless, {args.repeat} page loads")
    print(f"  cue list payload           {statistics.median(payloads) / 1024:8.0f} KiB")
    print(f"  time to first render       {statistics.median(first_render):8.0f} ms median"
          f"  ({min(first_render):.0f}–{max(first_render):.0f})")
    print(f"  rows in the page           {rows:8d} (virtual list; {scroll['rows']} after "
          f"scrolling)")
    print(f"  scroll through all cues    {scroll['median']:8.1f} ms per frame median, "
          f"worst {scroll['worst']:.1f}")
    print(f"  save a cue (HTTP, browser) {statistics.median(http_saves):8.1f} ms median"
          f"  ({min(http_saves):.1f}–{max(http_saves):.1f})")
    print(f"  save a cue (service)       {statistics.median(service_saves):8.1f} ms median")


if __name__ == "__main__":
    main()
