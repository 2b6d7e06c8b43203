"""Authentication backends: passwords (refused where the person's organisation has switched them off) and the
session of a person signed in through their organisation's identity provider."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend, ModelBackend

from commissioning.models import User

from . import selectors, services

PASSWORD_OFF = "password_sign_in_off"  # noqa: S105 (a request attribute's name): set on the request when a right password was refused by the switch


class PasswordBackend(ModelBackend):
    """Django's username-and-password backend, honouring each organisation's password sign-in switch."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        person = super().authenticate(request, username=username, password=password, **kwargs)
        if person is None:
            return None
        if not selectors.password_sign_in_allowed(person):
            if request is not None:
                setattr(request, PASSWORD_OFF, True)  # the sign-in form says why, since the password was right
            return None
        if person.is_superuser and selectors.password_off_organisation_ids():
            services.break_glass_record(person=person)
        return person


class SingleSignOnBackend(BaseBackend):
    """Loads the person of a session that `commissioning.identity.views.sso_callback` signed in. It never
    authenticates credentials itself: the callback checks the provider's answer and logs the person in with it."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        person = User._default_manager.filter(pk=user_id).first()
        return person if person is not None and person.is_active else None
