from decimal import Decimal

from coprod.accounts.models import Company, User
from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.agreements import services
from tests.coprod.rights_helpers import company, film


def signatory(company_name: str, username: str, role=Role.RIGHTS_MANAGER,
              kind=Company.Kind.VENTURE_PARTNER) -> User:
    organisation = company(company_name, kind=kind, country="KR")
    return user_create(username=username, password="pw-long-enough", role=role,
                       company=organisation)


def fifty_fifty(actor=None, *, titles=None):
    """A drafted agreement between SFR and Utopai at 50/50, with signatories."""
    sfr_user = signatory("SFR", "sfr-sign")
    utopai_user = signatory("Utopai Studios", "utopai-sign")
    agreement = services.agreement_create(
        actor=actor, reference="JV-2026-001", name="Joint venture slate", currency="KRW",
        titles=titles if titles is not None else [film("합작", 2026)])
    services.party_add(actor=actor, agreement=agreement, company=sfr_user.company,
                       role="venture_partner", share_percentage=Decimal("50"),
                       signatory=sfr_user)
    services.party_add(actor=actor, agreement=agreement, company=utopai_user.company,
                       role="venture_partner", share_percentage=Decimal("50"),
                       signatory=utopai_user)
    return agreement, sfr_user, utopai_user


def execute(agreement, *signatories):
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    for user in signatories:
        services.agreement_approve(actor=user, agreement=agreement, version=agreement.version)
    agreement.refresh_from_db()
    return agreement
