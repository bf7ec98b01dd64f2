"""Notifications reach the right people only, in their language, in the app and over a
real SMTP server on 127.0.0.1 (aiosmtpd), as each person chose."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.agreements import services as agreement_services
from coprod.notifications import services, tasks
from coprod.notifications.models import Channel, Kind, Notification
from tests.coprod.agreement_helpers import execute, fifty_fifty
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for recipients, message in self.messages if address in recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_mailer(port: int) -> dict:
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = smtp_mailer(port)
    settings.SITE_URL = "https://kip.example"
    yield inbox
    controller.stop()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_an_agreement_awaiting_approval_reaches_each_signatory_in_their_language(
        smtp, django_capture_on_commit_callbacks):
    agreement, sfr, utopai = fifty_fifty()
    sfr.language, sfr.email = "ko", "sfr@example.com"
    sfr.save()
    utopai.email = "utopai@example.com"
    utopai.save()
    agreement_services.agreement_transition(actor=None, agreement=agreement, to="negotiation")

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.agreement_transition(actor=utopai, agreement=agreement,
                                                to="awaiting_approvals")

    # The one who submitted it needs no news of it; the other signatory gets it in Korean.
    assert not Notification.objects.filter(recipient=utopai).exists()
    [notice] = Notification.objects.filter(recipient=sfr)
    assert notice.kind == Kind.AGREEMENT_AWAITING_APPROVAL
    assert notice.subject == "JV-2026-001 버전 1이(가) 승인을 기다립니다"
    [message] = smtp.to("sfr@example.com")
    assert message["Subject"].endswith("JV-2026-001 버전 1이(가) 승인을 기다립니다")
    assert f"https://kip.example/agreements/{agreement.pk}/" in body_of(message)
    assert smtp.to("utopai@example.com") == []
    notice.refresh_from_db()
    assert notice.email == Notification.Email.SENT and notice.emailed_at


def test_each_person_chooses_email_app_digest_or_off(smtp, django_capture_on_commit_callbacks):
    people = {channel: UserFactory(email=f"{channel}@example.com") for channel in Channel}
    for channel, user in people.items():
        services.preferences_set(user=user, channels={Kind.TRACK_APPROVED: channel})

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=people.values(), kind=Kind.TRACK_APPROVED,
                        subject="Track approved", url="/localization/tracks/1/")

    assert not Notification.objects.filter(recipient=people[Channel.OFF]).exists()
    assert Notification.objects.filter(recipient=people[Channel.IN_APP],
                                       email="").count() == 1
    assert [m["Subject"] for m in smtp.to("email@example.com")] == [
        "[KIP platform] Track approved"]
    assert smtp.to("in_app@example.com") == [] and smtp.to("digest@example.com") == []

    assert tasks.send_digests() == 1
    [digest] = smtp.to("digest@example.com")
    assert "daily digest: 1 items" in digest["Subject"]
    assert "Track approved" in body_of(digest)
    assert tasks.send_digests() == 0  # sent once


def test_a_package_ready_reaches_only_the_licensees_users(smtp,
                                                          django_capture_on_commit_callbacks):
    from localization import notifications as pipeline_notifications
    from tests.api.pipeline_helpers import partner_work
    from tests.coprod.rights_helpers import company

    studio, other = company("Studio A"), company("Studio B")
    mine = UserFactory(role=Role.PARTNER_STUDIO, company=studio, email="a@studio-a.example")
    theirs = UserFactory(role=Role.PARTNER_STUDIO, company=other, email="b@studio-b.example")
    work = partner_work(studio, TitleFactory(original_title="에이 작품"), marker="MARK-A")

    with django_capture_on_commit_callbacks(execute=True):
        pipeline_notifications.package_ready(work.package)

    assert list(Notification.objects.values_list("recipient", flat=True)) == [mine.pk]
    [message] = smtp.to("a@studio-a.example")
    assert "에이 작품" in message["Subject"]
    assert smtp.to("b@studio-b.example") == [] and theirs.notifications.count() == 0


def test_the_review_workflow_tells_the_translator_and_the_reviewer(client_for):
    from localization.review import services as review
    from localization.subtitles.models import SubtitleCue, SubtitleTrack

    translator = UserFactory(role=Role.TRANSLATOR)
    reviewer = UserFactory(role=Role.REVIEWER)
    manager = UserFactory(role=Role.RIGHTS_MANAGER)
    track = SubtitleTrack.objects.create(title=TitleFactory(), language="ja", version=1,
                                         source=SubtitleTrack.Source.TRANSLATION)
    cue = SubtitleCue.objects.create(track=track, index=1, start_ms=0, end_ms=1000,
                                     text="こんにちは", state=SubtitleCue.State.TRANSLATED)

    review.track_assign(track=track, translator=translator, reviewer=reviewer, actor=manager)
    cue = review.cue_set_state(cue=cue, action="needs_review", actor=translator,
                               expected_revision=cue.revision)
    cue = review.cue_set_state(cue=cue, action="reject", actor=reviewer,
                               expected_revision=cue.revision, comment="もっと短く")
    review.cue_comment_add(cue=cue, text="了解です", actor=translator)
    cue = review.cue_save(cue=cue, text="やあ", start_ms=0, end_ms=1000,
                          expected_revision=cue.revision, actor=translator)
    review.cue_set_state(cue=cue, action="approve", actor=reviewer,
                         expected_revision=cue.revision)

    def kinds(user):
        return sorted(user.notifications.values_list("kind", flat=True))

    assert kinds(translator) == sorted([Kind.TRACK_ASSIGNED, Kind.CUE_REJECTED,
                                        Kind.TRACK_APPROVED])
    # Sent for review once per track while it waits; the comment reaches the reviewer.
    assert kinds(reviewer) == sorted([Kind.TRACK_ASSIGNED, Kind.TRACK_SENT_FOR_REVIEW,
                                      Kind.CUE_COMMENT])
    assert kinds(manager) == []
    rejected = translator.notifications.get(kind=Kind.CUE_REJECTED)
    assert rejected.body == "もっと短く" and rejected.url.endswith("#cue-1")


def test_the_bell_counts_opens_and_marks_read_only_ones_own(client_for):
    client, user = client_for(Role.TRANSLATOR)
    other = UserFactory()
    services.notify(recipients=[user], kind=Kind.TRACK_ASSIGNED, subject="<b>Track</b> 1",
                    url="/localization/")
    [foreign] = services.notify(recipients=[other], kind=Kind.TRACK_ASSIGNED,
                                subject="Someone else's", url="/localization/")

    home = client.get(reverse("home")).content.decode()
    assert 'data-unread="1"' in home
    page = client.get(reverse("notifications:list")).content.decode()
    assert "&lt;b&gt;Track&lt;/b&gt; 1" in page and "Someone else" not in page
    mine = user.notifications.get()
    opened = client.post(reverse("notifications:open", args=[mine.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/localization/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(reverse("notifications:open", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None
    assert 'data-unread' not in client.get(reverse("home")).content.decode()


def test_preferences_are_saved_from_the_preferences_page(client_for):
    client, user = client_for(Role.REVIEWER)
    page = client.get(reverse("preferences")).content.decode()
    assert 'id="notification-preferences"' in page
    form = dict.fromkeys(Kind.values, Channel.EMAIL)
    form[Kind.CUE_COMMENT] = Channel.OFF
    response = client.post(reverse("notifications:preferences"), form)
    assert response.status_code == 302
    assert services.channels_for(user)[Kind.CUE_COMMENT] == Channel.OFF
    assert services.channels_for(user)[Kind.RIGHTS_EXPIRING] == Channel.EMAIL
    bad = client.post(reverse("notifications:preferences"), {Kind.CUE_COMMENT: "loud"},
                      follow=True)
    assert "Choose one of the ways" in bad.content.decode()
    assert services.channels_for(user)[Kind.CUE_COMMENT] == Channel.OFF


def test_an_unreachable_mail_server_loses_nothing(settings, django_capture_on_commit_callbacks):
    settings.MAILERS = smtp_mailer(free_port())
    user = UserFactory(email="someone@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = services.notify(recipients=[user], kind=Kind.RUN_FAILED, subject="Failed")
    notice.refresh_from_db()
    assert notice.email == Notification.Email.FAILED and notice.read_at is None


def test_executed_agreements_and_expiring_rights(smtp, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from tests.coprod.rights_helpers import company, hold

    agreement, sfr, utopai = fifty_fifty()
    with django_capture_on_commit_callbacks(execute=True):
        execute(agreement, sfr, utopai)
    assert set(Notification.objects.filter(kind=Kind.AGREEMENT_EXECUTED)
               .values_list("recipient", flat=True)) == {sfr.pk, utopai.pk}

    manager = UserFactory(role=Role.RIGHTS_MANAGER, email="rights@example.com")
    partner = UserFactory(role=Role.PARTNER_STUDIO, company=company("Studio C"))
    today = timezone.localdate()
    title = TitleFactory(original_title="곧 끝남")
    hold(title, territory="JP", languages=("ja",), kinds=("sub",),
         start=today - dt.timedelta(days=300), end=today + dt.timedelta(days=30),
         contract="CT-END")
    tasks.send_digests()
    tasks.send_digests()  # a rights block is announced once
    [notice] = manager.notifications.filter(kind=Kind.RIGHTS_EXPIRING)
    assert "곧 끝남" in notice.subject and "CT-END" in notice.subject
    assert partner.notifications.count() == 0
    [digest] = smtp.to("rights@example.com")
    assert "곧 끝남" in body_of(digest)


def test_expiring_rights_are_dated_in_each_managers_language_and_era(smtp):
    import datetime as dt

    from django.utils import timezone

    from tests.coprod.rights_helpers import hold

    thai = UserFactory(role=Role.RIGHTS_MANAGER, email="th@example.com", language="th",
                       buddhist_era=True)
    english = UserFactory(role=Role.RIGHTS_MANAGER, email="en@example.com", language="en",
                          buddhist_era=True)  # the era is for Thai only
    end = timezone.localdate() + dt.timedelta(days=30)
    hold(TitleFactory(original_title="곧 끝남"), territory="JP", languages=("ja",),
         kinds=("sub",), start=end - dt.timedelta(days=300), end=end, contract="CT-END")
    tasks.send_digests()
    [thai_notice] = thai.notifications.filter(kind=Kind.RIGHTS_EXPIRING)
    [english_notice] = english.notifications.filter(kind=Kind.RIGHTS_EXPIRING)
    assert f"{end.year + 543}" in thai_notice.subject
    assert f"{end.year}" not in thai_notice.subject
    assert f"{end.year}" in english_notice.subject and f"{end.year + 543}" not in (
        english_notice.subject)
    [thai_digest] = smtp.to("th@example.com")
    assert f"{end.year + 543}" in body_of(thai_digest)


def test_an_edit_under_approval_tells_the_signatories_their_approvals_were_withdrawn(
        smtp, django_capture_on_commit_callbacks):
    agreement, sfr, utopai = fifty_fifty()
    for user, address in ((sfr, "sfr@example.com"), (utopai, "utopai@example.com")):
        user.email = address
        user.save()
    agreement_services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    agreement_services.agreement_transition(actor=None, agreement=agreement,
                                            to="awaiting_approvals")
    agreement_services.agreement_approve(actor=sfr, agreement=agreement, version=1)

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.agreement_update(actor=utopai, agreement=agreement,
                                            data={"name": "A new name"})

    [withdrawn] = Notification.objects.filter(kind=Kind.AGREEMENT_APPROVALS_WITHDRAWN)
    assert withdrawn.recipient == sfr and "version 2 awaits approval" in withdrawn.subject
    assert any("approvals withdrawn" in m["Subject"] for m in smtp.to("sfr@example.com"))
    assert not any("withdrawn" in m["Subject"] for m in smtp.to("utopai@example.com"))


def test_a_finished_or_failed_run_tells_the_person_who_asked(
        smtp, django_capture_on_commit_callbacks):
    from localization.runs import lifecycle
    from localization.runs.models import TrackRun
    from localization.runs.registry import kind_for
    from localization.subtitles.models import SubtitleTrack

    asker = UserFactory(role=Role.TRANSLATOR, email="asker@example.com", language="th")
    track = SubtitleTrack.objects.create(title=TitleFactory(), language="th", version=1,
                                         source=SubtitleTrack.Source.TRANSLATION)
    done, failed = (TrackRun.objects.create(
        track=track, kind=TrackRun.Kind.QUALITY_CHECK, created_by=asker,
        state=TrackRun.State.RUNNING, task_id="t") for _ in range(2))
    kind = kind_for(TrackRun.Kind.QUALITY_CHECK)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.run_finish(kind, done, result={})
        lifecycle.run_fail(kind, failed, "The engine stopped.")

    notices = {notice.kind: notice for notice in asker.notifications.all()}
    assert set(notices) == {Kind.RUN_FINISHED, Kind.RUN_FAILED}
    assert notices[Kind.RUN_FAILED].body == "The engine stopped."
    assert "เสร็จแล้ว" in notices[Kind.RUN_FINISHED].subject  # in the asker's Thai
    assert len(smtp.to("asker@example.com")) == 2
