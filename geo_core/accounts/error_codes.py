"""Error codes of the accounts app, as raised in ``ValidationError(code=...)`` and asserted in tests."""

from enum import StrEnum


class AccountErrorCode(StrEnum):
    DISPLAY_NAME_IS_EMAIL = "display_name_is_email"
    PASSWORD_INCORRECT = "password_incorrect"  # noqa: S105 (an error code, not a password)
