"""Why a single sign-on was refused, in words a person can act on, and the status each answers with.

Every refusal is one `SignInRefused` carrying a reason; the callback page shows its heading and text (never a 500),
and the log line carries the detail for the administrator.
"""

from __future__ import annotations

from enum import Enum


class Reason(Enum):
    # (HTTP status, heading, what to do)
    STATE = (
        400,
        "This sign-in link has expired or has already been used",
        "Start again from the sign-in page. If you opened the sign-in page in several tabs, use only the newest.",
    )
    PROVIDER_REFUSED = (
        403,
        "Your organisation's sign-in service did not sign you in",
        "It said: {detail}. If your account there has been switched off, ask your organisation's IT service desk.",
    )
    PROVIDER_UNAVAILABLE = (
        503,
        "Your organisation's sign-in service is not answering",
        "Try again in a few minutes. If it keeps happening, tell your organisation's IT service desk.",
    )
    PROVIDER_MISCONFIGURED = (
        503,
        "Signing in with this organisation is not set up correctly",
        "Its sign-in service describes itself differently from how it is set up here, so it cannot be used. Tell "
        "your organisation's administrator; meanwhile, sign in another way if you can.",
    )
    ISSUER = (
        403,
        "The sign-in came from the wrong organisation's service",
        "The answer was not issued by the sign-in service this organisation uses, so it was not accepted. "
        "Start again with the right organisation's button.",
    )
    SIGNATURE = (
        403,
        "The sign-in could not be checked",
        "Its signature did not match the sign-in service's published keys, so it was not accepted. Start again.",
    )
    EXPIRED = (
        403,
        "The sign-in has expired",
        "It was too old by the time it arrived. Start again, and check this computer's clock if it happens again.",
    )
    NONCE = (
        403,
        "The sign-in did not belong to this attempt",
        "It answered an earlier or a different sign-in, so it was not accepted. Start again.",
    )
    AUDIENCE = (
        403,
        "The sign-in was meant for another service",
        "It was issued for a different application, so it was not accepted. Tell your organisation's IT service "
        "desk that this service's registration may be wrong.",
    )
    EMAIL_UNVERIFIED = (
        403,
        "Your e-mail address has not been verified",
        "Your organisation's sign-in service did not confirm your e-mail address, so it cannot be used to find "
        "your account here. Ask your administrator to link your account.",
    )
    EMAIL_DOMAIN = (
        403,
        "Your e-mail address is not one of your organisation's",
        "Only addresses in a domain your organisation owns can be linked to an account here. Ask your administrator.",
    )
    NO_ACCOUNT = (
        403,
        "You do not have an account here yet",
        "Ask your organisation's administrator for an account. Once it exists, sign in again with the same button.",
    )
    ALREADY_LINKED = (
        403,
        "Your account here is linked to another sign-in",
        "The account with your e-mail address is already linked to a different account at your organisation's "
        "sign-in service. Ask your administrator to check and remove the old link.",
    )
    DISABLED = (
        403,
        "Your account here has been switched off",
        "Ask your organisation's administrator if you still need to use this service.",
    )
    CLAIMS = (
        403,
        "The sign-in did not say who you are",
        "The answer lacked the details this service needs. Tell your organisation's IT service desk.",
    )

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def heading(self) -> str:
        return self.value[1]

    def text(self, detail: str = "") -> str:
        return self.value[2].format(detail=detail or "no reason given")


class SignInRefused(Exception):
    def __init__(self, reason: Reason, log_detail: str = "", shown_detail: str = "") -> None:
        super().__init__(f"{reason.name}: {log_detail or reason.heading}")
        self.reason = reason
        self.log_detail = log_detail
        self.shown_detail = shown_detail
