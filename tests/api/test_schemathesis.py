"""Schemathesis against the generated OpenAPI schema, inside pytest: every operation, with
valid and invalid inputs, called as each role (rights manager, administrator, partner
studio, translator), answers no server error and nothing the schema does not describe
(status, media type, headers, body). Deterministic (derandomized, no example database)
and bounded (``API_FUZZ_EXAMPLES`` examples an operation, 8 by default)."""

import os

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from coprod.accounts.roles import Role
from coprod.agreements import services as agreement_services
from coprod.catalog.models import Title
from coprod.rights.models import RightsBlock
from tests.api.conftest import token_for
from tests.api.pipeline_helpers import partner_work
from tests.api.test_tracks import make_track
from tests.coprod.agreement_helpers import fifty_fifty
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.coprod.rights_helpers import D, grant, hold, series
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = (Role.RIGHTS_MANAGER, Role.ADMINISTRATOR, Role.PARTNER_STUDIO, Role.TRANSLATOR)
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
CHECKS = [schemathesis.checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance, openapi_checks.response_headers_conformance,
          openapi_checks.response_schema_conformance]
# The pieces of a resumable upload (tus) are plain bytes.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


@pytest.fixture
def world(settings):
    """Data for every resource (two partners with issued statements, an agreement
    awaiting approvals, a series with rights), a write token per role, and the ids that
    generated path parameters are swapped for, so that real objects are answered too."""
    settings.API_THROTTLE_RATES = {"read": "100000/min", "write": "100000/min"}
    agreement_a, partner, _title_a = partner_agreement("Studio A", "studio-a", "AGR-A")
    agreement_b, _partner_b, _title_b = partner_agreement("Studio B", "studio-b", "AGR-B")
    waiting, sfr, _utopai = fifty_fifty()
    agreement_services.agreement_transition(actor=None, agreement=waiting, to="negotiation")
    agreement_services.agreement_transition(actor=None, agreement=waiting,
                                            to="awaiting_approvals")
    top, _seasons, episodes = series("시리즈", 2025, seasons=1, episodes=2)
    hold(top, territory="ASIA", start=D(2026, 1, 1), end=None)
    grant(episodes[0], territory="JP", start=D(2027, 1, 1), end=D(2028, 1, 1))
    track = make_track(partner.company, title=_title_a)  # a partner's track, with cues
    work = partner_work(partner.company, _title_a, marker="FUZZ", version=2)  # its pipeline work
    users = {Role.PARTNER_STUDIO: partner, Role.RIGHTS_MANAGER: sfr,
             **{role: UserFactory(role=role) for role in (Role.ADMINISTRATOR,
                                                          Role.TRANSLATOR)}}
    return {
        "tokens": {role: token_for(users[role]) for role in ROLES},
        "ids": {"titles": list(Title.objects.values_list("pk", flat=True)),
                "agreements": [agreement_a.pk, agreement_b.pk, waiting.pk],
                "rights-blocks": list(RightsBlock.objects.values_list("pk", flat=True)),
                "tracks": [track.pk, work.korean.pk, work.japanese.pk],
                "cues": list(track.cues.values_list("pk", flat=True)),
                "media": [work.media.pk], "jobs": [work.job.pk],
                "translations": [work.translation.pk], "dubs": [work.dub.pk],
                "packages": [work.package.pk]},
        "periods": ["2026-Q1", "2026-Q2"],
    }


def swap_for_real_ids(case, world) -> None:
    """Half of the generated ids (and periods) become real ones, chosen by the generated
    value, so the answers for existing objects are checked too."""
    parameters = case.path_parameters or {}
    resource = case.path.split("/")[3]
    value = parameters.get("id")
    if isinstance(value, int) and value % 2 == 0 and world["ids"].get(resource):
        known = world["ids"][resource]
        parameters["id"] = known[(value // 2) % len(known)]
    cue = parameters.get("cue_id")
    if isinstance(cue, int) and cue % 2 == 0 and world["ids"].get("cues"):
        parameters["cue_id"] = world["ids"]["cues"][(cue // 2) % len(world["ids"]["cues"])]
    period = parameters.get("period")
    if isinstance(period, str) and len(period) % 2 == 0:
        parameters["period"] = world["periods"][len(period) % len(world["periods"])]


# The operations, read from the schema as the API generates it, one test each.
OPERATIONS = [(method.upper(), path) for path, item in
              SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
              for method in item]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{method} {path}" for method, path
                                                              in OPERATIONS])
def test_every_operation_answers_as_its_schema_says_for_every_role(method, path, world,
                                                                    wsgi_application):
    token = world["tokens"][Role.RIGHTS_MANAGER]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_application,
                                            headers={"Authorization": f"Bearer {token}"})
    operation = schema[path][method]

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)))
    def every_role_gets_a_described_answer(case):
        swap_for_real_ids(case, world)
        for role in ROLES:
            response = case.call(app=wsgi_application,
                                 headers={"Authorization": f"Bearer {world['tokens'][role]}"})
            case.validate_response(response, checks=CHECKS)

    every_role_gets_a_described_answer()
