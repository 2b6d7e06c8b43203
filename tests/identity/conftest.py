from tests.oidc.fixtures import sso  # noqa: F401 (a fixture)
