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
