import pytest

from coprod.accounts.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def client_for(client, make_user):
    """A test client logged in as a new user with the given role."""

    def login(role: str, **kwargs):
        user = make_user(role, **kwargs)
        client.force_login(user)
        return client, user

    return login


ALL_ROLES = list(Role.values)


@pytest.fixture
def role_groups(db):
    """The roles' groups, which a migration makes and transactional (live-server, worker)
    tests flush: a test that gives users roles after one of those needs them back."""
    from django.contrib.auth.models import Group

    for role in Role.values:
        Group.objects.get_or_create(name=role)
