"""Forms of the account pages. They only validate input; the writes are in ``services``."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from geo_core.accounts.error_codes import AccountErrorCode
from geo_core.accounts.models import User

_display_name_field = User._meta.get_field("display_name")


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_display_name_field.verbose_name,
        help_text=_display_name_field.help_text,
        max_length=_display_name_field.max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Ihr Passwort"),
        help_text=_("Zur Sicherheit: Bestätigen Sie die Löschung mit Ihrem Passwort."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(
                _("Das Passwort ist nicht richtig."), code=AccountErrorCode.PASSWORD_INCORRECT
            )
        return password
