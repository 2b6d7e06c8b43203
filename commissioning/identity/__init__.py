"""Signing in: each organisation's own identity provider (OpenID Connect: Microsoft Entra ID first, any certified
provider in general), the e-mail domains it owns, the claims an administrator maps to roles, the per-organisation
switch for password sign-in, and the pages that sign a person in and out or say clearly why not.

- `models`: providers, owned e-mail domains, claim-to-role mappings, linked identities, sign-in policies
- `discovery`: a provider's discovery document, fetched and checked, cached
- `tokens`: the code exchange and the ID token's checks (mozilla-django-oidc's backend, given one provider)
- `services`: every write (linking a person, granting or ending mapped roles, the password switch), audited
- `backends`: the password backend that honours the switch, and the session backend for single sign-on
- `views`, `urls`, `admin`, `refusals`: the pages and the administration
"""
