// A real OpenID Connect provider for the tests: oidc-provider (an OpenID-certified implementation) serving one or
// more "tenants" on 127.0.0.1, each its own issuer with its own signing keys, clients and accounts, with a plain
// login form of its own. Started by tests/identity/conftest.py with the Node.js the project carries:
//
//   .venv/bin/node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"cookie_keys": [...], "tenants": [{"name", "port", "issuer", "jwks": {"keys": [private JWK]},
//   "clients": [{client metadata..., "redirect_uri_pattern", "post_logout_redirect_uri_pattern"}],
//   "accounts": {"<login>": {"password", "disabled", "sub", "claims": {...}}}}]}
// It prints one line, {"ready": [ports]}, once every tenant listens. Everything stays on this machine.
// PUT /__accounts (JSON, the whole "accounts" object) replaces a tenant's accounts: the tests' stand-in for an
// administrator changing someone's groups or switching their account off at the provider.

import { readFileSync } from "node:fs";
import http from "node:http";
import { Provider } from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(tenant, uid, error) {
  return page(
    `${tenant.display_name || tenant.name}: sign in`,
    `${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
  <p><label for="login">Account name</label> <input id="login" name="login" autocomplete="off"></p>
  <p><label for="password">Account password</label> <input id="password" name="password" type="password"></p>
  <p><button type="submit">Continue</button></p>
</form>`,
  );
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => resolve(Object.fromEntries(new URLSearchParams(body))));
    req.on("error", reject);
  });
}

function start(tenant) {
  const clients = tenant.clients.map(({ redirect_uri_pattern, post_logout_redirect_uri_pattern, ...meta }) => meta);
  const patterns = Object.fromEntries(
    tenant.clients.map((c) => [
      c.client_id,
      {
        redirect: c.redirect_uri_pattern ? new RegExp(c.redirect_uri_pattern) : null,
        logout: c.post_logout_redirect_uri_pattern ? new RegExp(c.post_logout_redirect_uri_pattern) : null,
      },
    ]),
  );
  const provider = new Provider(tenant.issuer, {
    clients,
    jwks: tenant.jwks,
    cookies: { keys: config.cookie_keys },
    pkce: { required: () => true },
    conformIdTokenClaims: false, // the ID token carries the claims, as Entra ID's does
    claims: {
      openid: ["sub", "roles", "groups"],
      email: ["email", "email_verified", "xms_edov"],
      profile: ["name", "given_name", "family_name"],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page(`${tenant.display_name || tenant.name}: sign out`, `${form}
<p><button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></p>`);
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: tenant.id_token_ttl || 3600 },
    async findAccount(ctx, sub) {
      const account = Object.values(tenant.accounts).find((candidate) => candidate.sub === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
    },
    // First-party clients: no consent screen (the grant covers what the client asked for).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const found = await ctx.oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope || "openid");
      await grant.save();
      return grant;
    },
  });
  // Test servers run on spare ports: a client's pattern may allow its redirect URIs on any of them.
  const allowed = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return allowed.call(this, value) || Boolean(patterns[this.clientId]?.redirect?.test(value));
  };
  const logoutAllowed = provider.Client.prototype.postLogoutRedirectUriAllowed;
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return logoutAllowed.call(this, value) || Boolean(patterns[this.clientId]?.logout?.test(value));
  };
  provider.on("server_error", (ctx, error) => console.error(`[${tenant.name}] server_error`, error));
  provider.on("end_session.error", (ctx, error) => console.error(`[${tenant.name}] end_session`, error, error.cause));

  const callback = provider.callback();
  const server = http.createServer(async (req, res) => {
    if (req.method === "PUT" && req.url === "/__accounts") {
      // The tests' hook for what an administrator does at the provider: change accounts' claims, switch one off.
      let body = "";
      for await (const chunk of req) body += chunk;
      tenant.accounts = JSON.parse(body);
      res.writeHead(204);
      return res.end();
    }
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === "GET") {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(loginForm(tenant, details.uid));
      }
      const form = await readForm(req);
      const account = tenant.accounts[form.login];
      if (!account || account.password !== form.password) {
        res.writeHead(401, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(loginForm(tenant, details.uid, "The account name or password is wrong."));
      }
      if (account.disabled) {
        const refusal = { error: "access_denied", error_description: "This account has been disabled" };
        return await provider.interactionFinished(req, res, refusal, { mergeWithLastSubmission: false });
      }
      return await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    } catch (error) {
      console.error(`[${tenant.name}] interaction`, error);
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      return res.end(`interaction failed: ${error.message}`);
    }
  });
  return new Promise((resolve) => server.listen(tenant.port, "127.0.0.1", () => resolve(tenant.port)));
}

const ports = await Promise.all(config.tenants.map(start));
console.log(JSON.stringify({ ready: ports }));
process.on("SIGTERM", () => process.exit(0));
