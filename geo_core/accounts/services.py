"""Writes on accounts. Sign-up, e-mail addresses and passwords are django-allauth's; this is the rest."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from geo_core.accounts.deletion import run_deletion_hooks
from geo_core.accounts.error_codes import AccountErrorCode
from geo_core.accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def user_update_profile(*, user: User, display_name: str) -> User:
    """Set the public display name (stripped; empty means "anonymous").

    The display name is shown next to what the person contributes, so an e-mail address is refused there: it
    would publish personal contact data by accident. On a ``ValidationError`` the user object is left as it was.
    """
    display_name = display_name.strip()
    if "@" in display_name:
        raise ValidationError(
            {
                "display_name": ValidationError(
                    _("Bitte keine E-Mail-Adresse als Anzeigenamen verwenden: Er wird öffentlich gezeigt."),
                    code=AccountErrorCode.DISPLAY_NAME_IS_EMAIL,
                )
            }
        )
    previous = user.display_name
    user.display_name = display_name
    try:
        user.full_clean()
    except ValidationError:
        user.display_name = previous
        raise
    user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account at the person's own request (GDPR Art. 17); the caller has checked the password.

    Before the row goes, every hook registered in ``geo_core.accounts.deletion`` runs in this transaction: that
    is where later features anonymise the content the person created (reports, contributions, listings) instead
    of deleting it or keeping a link to the person. No signals: a failing hook rolls the deletion back.

    The database cascades the rest: allauth's e-mail addresses and confirmations, group and permission links,
    and the admin's log entries of a staff account. Other sessions of the person stop working because the user no
    longer exists; the caller logs the current session out.
    """
    user_id = user.pk
    run_deletion_hooks(user=user)
    user.delete()
    logger.info("Account %s deleted at its owner's request.", user_id)
