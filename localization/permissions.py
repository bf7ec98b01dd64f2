"""Who may work on subtitles and dubs."""

from coprod.roles import Role

LOCALIZATION_ROLES = frozenset(
    {Role.TRANSLATOR, Role.REVIEWER, Role.RIGHTS_MANAGER, Role.ADMINISTRATOR}
)
