"""A rights block's History page, linked from the title's rights tab."""

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from tests.coprod.rights_helpers import film, grant, hold

pytestmark = pytest.mark.django_db


def test_a_rights_block_has_its_own_history(client_for):
    title = film()
    held = hold(title)
    granted = grant(title)
    client, _user = client_for(Role.RIGHTS_MANAGER)
    rights_tab = client.get(title.get_absolute_url() + "?tab=rights").content.decode()
    assert reverse("catalog:rights-history", args=[granted.pk]) in rights_tab
    page = client.get(reverse("catalog:rights-history", args=[granted.pk])).content.decode()
    assert 'data-action="rights_out.granted"' in page
    assert 'data-action="rights_in.added"' not in page  # another block's event
    assert 'data-action="rights_in.added"' in client.get(
        reverse("catalog:rights-history", args=[held.pk])).content.decode()


def test_rights_history_is_for_the_catalog_roles(client_for):
    block = hold(film())
    client, _user = client_for(Role.TRANSLATOR)
    assert client.get(reverse("catalog:rights-history", args=[block.pk])).status_code == 403
