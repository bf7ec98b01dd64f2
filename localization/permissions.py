"""Who may work on subtitles and dubs. A denial says why (the 403 page shows it)."""

from coprod.accounts.permissions import check_roles
from coprod.accounts.roles import Role

LOCALIZATION_ROLES = frozenset(
    {Role.TRANSLATOR, Role.REVIEWER, Role.RIGHTS_MANAGER, Role.ADMINISTRATOR}
)
# Uploading media, running and stopping jobs, importing and exporting subtitles.
MEDIA_ROLES = LOCALIZATION_ROLES


def check_can_view_localization(user) -> None:
    check_roles(user, LOCALIZATION_ROLES)


def check_can_upload_media(user) -> None:
    check_roles(user, MEDIA_ROLES)


def check_can_change_job(user, job) -> None:
    check_roles(user, MEDIA_ROLES)


def check_can_download_track(user, track) -> None:
    check_roles(user, LOCALIZATION_ROLES)
