"""The platform's own account pages: "Mein Bereich", the display name and deleting the account.

Sign-up, sign-in, e-mail addresses and passwords are django-allauth's views (under ``konto/``) in the platform's
look, see ``templates/allauth/``.
"""

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from geo_core.accounts.forms import AccountDeleteForm, ProfileForm
from geo_core.accounts.my_area import render_sections
from geo_core.accounts.services import user_delete, user_update_profile


def _add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's validation errors on the form, at the field where the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field_name, errors in error.error_dict.items():
        form.add_error(field_name if field_name in form.fields else None, errors)


def _render_my_area(request: HttpRequest, *, profile_form: ProfileForm) -> HttpResponse:
    context = {
        "profile_form": profile_form,
        "sections": render_sections(request=request, user=request.user),
    }
    return render(request, "accounts/my_area.html", context)


@require_GET
@login_required
def my_area(request: HttpRequest) -> HttpResponse:
    profile_form = ProfileForm(initial={"display_name": request.user.display_name})
    return _render_my_area(request, profile_form=profile_form)


@require_http_methods(["GET", "POST"])
@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Change the display name; the form sits on "Mein Bereich", so that page is what this shows."""
    if request.method != "POST":
        return redirect("accounts:my_area")
    form = ProfileForm(data=request.POST)
    if form.is_valid():
        try:
            user_update_profile(user=request.user, display_name=form.cleaned_data["display_name"])
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Ihr Anzeigename wurde gespeichert."))
            return redirect("accounts:my_area")
    return _render_my_area(request, profile_form=form)


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Let the person delete their own account after confirming it with their password."""
    if request.method == "POST":
        # The same limit as allauth's re-authentication, because this form checks the password, too.
        if not ratelimit.consume(request, action="reauthenticate", user=request.user):
            messages.error(
                request, _("Zu viele Versuche. Bitte warten Sie einen Moment und versuchen Sie es erneut.")
            )
            form = AccountDeleteForm(user=request.user)
            return render(request, "accounts/account_delete.html", {"form": form}, status=429)
        form = AccountDeleteForm(data=request.POST, user=request.user)
        if form.is_valid():
            user_delete(user=request.user)
            logout(request)
            messages.success(request, _("Ihr Konto wurde gelöscht."))
            return redirect("geo_core:home")
    else:
        form = AccountDeleteForm(user=request.user)
    return render(request, "accounts/account_delete.html", {"form": form})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """Say plainly what an account stores and why; linked from the sign-up page."""
    privacy_policy_url = getattr(settings, "PRIVACY_POLICY_URL", "")
    return render(request, "accounts/privacy.html", {"privacy_policy_url": privacy_policy_url})
