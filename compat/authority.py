"""A second edugraph instance for the MSAL tests, set up the way an operator would: a
throwaway CA and server certificate (MSAL accepts only `https://` authorities), a tenant
created with `edugraph tenant create` in a fresh data folder, and `edugraph serve` over
HTTPS on that folder — no `--dev`, so no demo data, no development tokens and no open
operator API. Apps are registered with `edugraph app create --json` against the same
folder while the server runs.

Also here: the glue a Graph SDK user writes around MSAL (an azure-core `TokenCredential`
and an SDK client for a non-Microsoft host) and a small HTML form reader for the
admin-consent pages.
"""

import datetime
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import msal
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

HOST = "127.0.0.1"
STARTUP_SECS = 60


def write_certificates(folder):
    """A CA and a server certificate for 127.0.0.1/localhost signed by it (P-256, one
    day). Returns the paths of the CA bundle, the server chain and its PKCS#8 key."""
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edugraph compat test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(folder)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Authority:
    """`edugraph serve` over HTTPS on its own data folder, plus the `edugraph` CLI
    against that folder."""

    def __init__(self, binary, tenant_name, domain, admins):
        self.binary = binary
        self.work = Path(tempfile.mkdtemp(prefix="edugraph-msal-"))
        self.data = self.work / "data"
        # The CLI and the server must read the same configuration: only what is passed
        # here, never an EDUGRAPH_* variable of the calling shell.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EDUGRAPH_")}
        self.env["EDUGRAPH_LOG_FORMAT"] = "json"
        self.process = None
        self.http = None
        try:
            self._start(binary, tenant_name, domain, admins)
        except BaseException:
            self.close()
            raise

    def _start(self, binary, tenant_name, domain, admins):
        self.ca, cert, key = write_certificates(self.work)
        self.tenant = self.cli("tenant", "create", "--name", tenant_name, "--domain", domain, "--json")
        self.tenant_id = self.tenant["tenantId"]
        self.port = free_port()
        self.base = f"https://{HOST}:{self.port}"
        self.log = self.work / "server.log"
        env = dict(self.env, EDUGRAPH_TENANT_ADMINS=",".join(admins))
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [binary, "serve", "--data-dir", str(self.data), "--listen", f"{HOST}:{self.port}",
                 "--tls-cert", str(cert), "--tls-key", str(key)],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )
        self.http = httpx.Client(base_url=self.base, verify=self.ssl_context(), timeout=30)
        self._wait_healthy()

    def _wait_healthy(self):
        deadline = time.monotonic() + STARTUP_SECS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the HTTPS server exited early:\n{self.log_tail()}")
            try:
                if self.http.get("/_edugraph/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the HTTPS server was not healthy in {STARTUP_SECS} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines=40):
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self):
        if self.http is not None:
            self.http.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    def cli(self, *args):
        """Runs `edugraph ARGS --data-dir <ours>` and returns its JSON output."""
        done = subprocess.run(
            [self.binary, *args, "--data-dir", str(self.data)],
            capture_output=True, text=True, env=self.env, timeout=60,
        )
        if done.returncode != 0:
            raise AssertionError(f"edugraph {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return json.loads(done.stdout)

    def register_app(self, name, permissions=(), delegated=(), redirect_uris=(), public_client=False):
        """`edugraph app create --json`: {"tenantId","clientId","secretId","clientSecret"} (a public
        client gets no secret: {"tenantId","clientId","publicClient"})."""
        args = ["app", "create", "--name", name, "--tenant", self.tenant_id, "--json"]
        if public_client:
            args.append("--public-client")
        if permissions:
            args += ["--permissions", ",".join(permissions)]
        if delegated:
            args += ["--delegated-permissions", ",".join(delegated)]
        for uri in redirect_uris:
            args += ["--redirect-uri", uri]
        return self.cli(*args)

    def ssl_context(self):
        return ssl.create_default_context(cafile=str(self.ca))

    @property
    def authority_url(self):
        return f"{self.base}/{self.tenant_id}"

    def msal_session(self):
        return PortPinningSession(self.port, str(self.ca))

    def confidential_client(self, app, session=None):
        """MSAL as a daemon app configures it for a non-Microsoft authority."""
        return msal.ConfidentialClientApplication(
            app["clientId"],
            client_credential=app["clientSecret"],
            authority=self.authority_url,
            instance_discovery=False,
            http_client=session or self.msal_session(),
        )

    def public_client(self, app, session=None):
        return msal.PublicClientApplication(
            app["clientId"],
            authority=self.authority_url,
            instance_discovery=False,
            http_client=session or self.msal_session(),
        )

    def graph(self, credential, scopes):
        """An SDK client whose tokens come from `credential`, sent only to this host."""
        auth = AzureIdentityAuthenticationProvider(credential, scopes=scopes, allowed_hosts=[HOST])
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=self.ssl_context(), timeout=30)
        )
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = f"{self.base}/v1.0"
        return GraphServiceClient(request_adapter=adapter)


class PortPinningSession(requests.Session):
    """The HTTP client handed to MSAL.

    - `verify` is our CA. `trust_env` is off because requests lets REQUESTS_CA_BUNDLE /
      CURL_CA_BUNDLE override a session's `verify`, and many machines set them.
    - MSAL keeps only the authority's host name (`Authority.instance`) and builds the
      user-realm URL from it (`https://{instance}/common/userrealm/...`), dropping the
      port; an authority on 443 never notices. Our test server has a random port, so a
      request to our host without a port is sent to it.
    """

    def __init__(self, port, ca):
        super().__init__()
        self.port = port
        self.verify = ca
        self.trust_env = False
        self.sent = []

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname == HOST and parts.port is None:
            url = urlunsplit(parts._replace(netloc=f"{HOST}:{self.port}"))
        self.sent.append((method.upper(), urlsplit(url).path))
        return super().request(method, url, *args, **kwargs)


class MsalCredential:
    """An azure-core `TokenCredential` over an MSAL call, which is how a Graph SDK user
    plugs MSAL into `AzureIdentityAuthenticationProvider`. Keeps every MSAL result."""

    def __init__(self, acquire):
        self._acquire = acquire
        self.results = []

    def get_token(self, *scopes, claims=None, tenant_id=None, enable_cae=False, **kwargs):
        result = self._acquire(list(scopes)) or {"error": "no_token", "error_description": "nothing cached"}
        self.results.append(result)
        if "access_token" not in result:
            raise ClientAuthenticationError(f"{result.get('error')}: {result.get('error_description')}")
        return AccessToken(result["access_token"], int(time.time()) + int(result["expires_in"]))


class Forms(HTMLParser):
    """The forms of a page: action, hidden fields and submit buttons, plus the error
    paragraph if the page shows one."""

    def __init__(self, html):
        super().__init__()
        self.forms = []
        self.errors = []
        self._in_error = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "hidden": {}, "buttons": {}, "inputs": []})
        elif tag == "input" and self.forms:
            if a.get("type") == "hidden":
                self.forms[-1]["hidden"][a["name"]] = a.get("value", "")
            else:
                self.forms[-1]["inputs"].append(a.get("name"))
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1]["buttons"][a.get("value")] = a["name"]
        elif tag == "p" and "error" in (a.get("class") or "").split():
            self._in_error = True
            self.errors.append("")

    def handle_endtag(self, tag):
        if tag == "p":
            self._in_error = False

    def handle_data(self, data):
        if self._in_error:
            self.errors[-1] += data

    def only(self):
        assert len(self.forms) == 1, f"expected one form, found {len(self.forms)}"
        return self.forms[0]
