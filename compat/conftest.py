"""Fixtures of the compatibility suite: the running edugraph server (started by
scripts/compat.sh, which exports EDUGRAPH_URL and EDUGRAPH_APP_TOKEN), Graph SDK clients
pointed at it, and one event loop for the whole session (the SDK's httpx client is bound
to the loop it first ran on).

Every test that takes `graph` runs twice: once with the base URL set on the request
adapter (the SDK sends `/v1.0/education/...`) and once with it on the httpx client, as the
SDK's default construction does (the SDK sends `/v1.0//education/...`).
"""

import asyncio
import base64
import json
import os
import uuid
from types import SimpleNamespace
from urllib.parse import urlparse

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

MODES = ("direct", "slashes")


def _require_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the suite through scripts/compat.sh", returncode=2)
    return value


class StaticTokenProvider(AccessTokenProvider):
    """Hands out one fixed bearer token, and only to the server's own host."""

    def __init__(self, token, host):
        self._token = token
        self._hosts = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self):
        return self._hosts


class Server:
    """The server under test, plus raw HTTP for what the SDK does not cover (tokens)."""

    def __init__(self, base_url, app_token):
        self.base_url = base_url.rstrip("/")
        self.host = urlparse(self.base_url).hostname
        self.app_token = app_token
        self.http = httpx.Client(base_url=self.base_url, timeout=30)

    @property
    def domain(self):
        """The verified domain of the token's tenant (`--dev` opens the operator API):
        user principal names must use it."""
        if not hasattr(self, "_domain"):
            payload = self.app_token.split(".")[1]
            tid = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["tid"]
            tenants = self.http.get("/_edugraph/tenants").json()["value"]
            self._domain = next(t["domain"] for t in tenants if t["tenantId"] == tid)
        return self._domain

    def mint(self, body):
        """A token from the development endpoint `POST /_edugraph/tokens`."""
        response = self.http.post("/_edugraph/tokens", json=body)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def user_token(self, user, scopes):
        return self.mint({"user": user, "scopes": scopes})

    def client(self, token, mode, version="v1.0", sdk=None):
        """A Graph SDK client for `token`; every request URL it sends lands in `.sent`."""
        sent = []

        async def record(request):
            sent.append(request.url.raw_path.decode())

        auth = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token, self.host))
        base = f"{self.base_url}/{version}"
        adapter_type, client_type = sdk or (GraphRequestAdapter, GraphServiceClient)
        if mode == "direct":
            http = GraphClientFactory.create_with_default_middleware(
                client=httpx.AsyncClient(event_hooks={"request": [record]}, timeout=30)
            )
            adapter = adapter_type(auth, client=http)
            adapter.base_url = base
        else:
            # httpx keeps a base URL with a trailing slash, which the SDK's URL templates
            # (`{+baseurl}/education/...`) turn into `//education`.
            http = GraphClientFactory.create_with_default_middleware(
                client=httpx.AsyncClient(base_url=base, event_hooks={"request": [record]}, timeout=30)
            )
            adapter = adapter_type(auth, client=http)
        client = client_type(request_adapter=adapter)
        client.sent = sent
        return client


@pytest.fixture(scope="session")
def server():
    s = Server(_require_env("EDUGRAPH_URL"), _require_env("EDUGRAPH_APP_TOKEN"))
    yield s
    s.http.close()


@pytest.fixture(scope="session")
def run():
    """Runs a coroutine on the session's event loop."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="session", params=MODES)
def mode(request):
    return request.param


@pytest.fixture(scope="session")
def graph(server, mode):
    """An SDK client with the application token (EduRoster.ReadWrite.All)."""
    return server.client(server.app_token, mode)


@pytest.fixture(scope="session")
def tag():
    """Distinguishes this run's objects from the demo data and from earlier runs."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def names(tag, mode, server):
    """Builds unique names for objects created in one client mode."""

    def make(kind, i):
        return SimpleNamespace(
            display=f"Compat {tag} {mode} {kind} {i:02d}",
            nickname=f"compat-{tag}-{mode}-{kind}-{i:02d}".lower(),
            upn=f"compat.{tag}.{mode}.{kind}.{i:02d}@{server.domain}".lower(),
            external=f"CMP-{tag}-{mode}-{kind}-{i:02d}".upper(),
        )

    return make
