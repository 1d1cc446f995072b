"""MSAL for Python with edugraph as its authority, and the Graph SDK using those tokens.

Against a second server (see authority.py): HTTPS with a test CA, a tenant made with
`edugraph tenant create`, apps made with `edugraph app create --json`. MSAL is configured
as for any non-Microsoft authority: the tenant's authority URL, `instance_discovery=False`,
and an HTTP client trusting the test CA. Covered:
- client credentials after `edugraph app consent` (the roster is then created with it);
- an app nobody consented to: a token without roles, and 403 naming the permission;
  then admin consent through the HTTP pages as a tenant administrator (real form posts),
  and the next token carries the roles; a declined consent grants nothing;
- username/password for an education user through a public client (`app create
  --public-client`, no secret, consented with `edugraph app consent`), `/education/me` and
  `me/classes` with it; a confidential client without its secret is refused;
- `acquire_token_silent(force_refresh=True)` redeeming the refresh token, which rotates;
  presenting the used one again revokes the rotated one too;
- azure-identity's `ClientSecretCredential` (MSAL underneath), the credential the Graph
  SDK's own documentation suggests, pointed at edugraph with `authority=`.
"""

import base64
import json
import os
import uuid
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.identity import ClientSecretCredential
from msgraph.generated.models.education_user_role import EducationUserRole
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

import factories as f
from authority import Authority, Forms, MsalCredential

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
ROSTER_READ_BASIC = "https://graph.microsoft.com/EduRoster.ReadBasic"
PASSWORD = "Compat-Passw0rd!"  # what factories.user sets
CONSENT_REDIRECT = "https://localhost/compat/consent"


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(scope="module")
def authority(tag):
    binary = os.environ.get("EDUGRAPH_BIN")
    if not binary:
        pytest.exit("EDUGRAPH_BIN is not set: run the suite through scripts/compat.sh", returncode=2)
    domain = f"msal-{tag}.compat.example"
    a = Authority(binary, f"Compat MSAL {tag}", domain, admins=[f"it.admin@{domain}"])
    a.domain = domain
    yield a
    a.close()


def person(authority, tag, kind):
    """Names for `factories.user`, with a UPN in the tenant's own domain."""
    return SimpleNamespace(
        display=f"Msal {tag} {kind}",
        nickname=f"msal-{tag}-{kind}".lower(),
        upn=f"{kind}@{authority.domain}".lower(),
        external=f"MSAL-{tag}-{kind}".upper(),
    )


def app_graph(authority, app):
    """A Graph client with MSAL client-credentials tokens for `app`; also the credential."""
    cca = authority.confidential_client(app)
    credential = MsalCredential(lambda scopes: cca.acquire_token_for_client(scopes=scopes))
    return authority.graph(credential, [GRAPH_DEFAULT]), credential


@pytest.fixture(scope="module")
def sync_app(authority):
    """A roster-sync app, consented from the command line (`edugraph app consent`)."""
    app = authority.register_app("Compat roster sync", permissions=["EduRoster.ReadWrite.All"])
    consent = authority.cli("app", "consent", app["clientId"], "--json")
    assert consent["permissions"] == ["EduRoster.ReadWrite.All"]
    graph, credential = app_graph(authority, app)
    return SimpleNamespace(app=app, graph=graph, credential=credential)


@pytest.fixture(scope="module")
def roster(run, authority, sync_app, tag):
    """An administrator (named in tenant_admins), a teacher, a student and their class,
    created through the SDK with the sync app's MSAL token."""

    async def create():
        edu = sync_app.graph.education
        admin = await edu.users.post(f.user(person(authority, tag, "it.admin"), EducationUserRole.None_))
        teacher = await edu.users.post(f.user(person(authority, tag, "teacher"), EducationUserRole.Teacher))
        student = await edu.users.post(f.user(person(authority, tag, "student"), EducationUserRole.Student))
        klass = await edu.classes.post(f.klass(person(authority, tag, "class")))
        ref = edu.classes.by_education_class_id(klass.id)
        await ref.teachers.ref.post(f.user_ref(teacher.id))
        await ref.members.ref.post(f.user_ref(teacher.id))
        await ref.members.ref.post(f.user_ref(student.id))
        return SimpleNamespace(admin=admin, teacher=teacher, student=student, klass=klass)

    return run(create())


@pytest.fixture(scope="module")
def reader_app(authority):
    """An app asking for roster reads, as application and as delegated permission."""
    return authority.register_app(
        "Compat roster reader",
        permissions=["EduRoster.Read.All"],
        delegated=["EduRoster.ReadBasic"],
        redirect_uris=[CONSENT_REDIRECT],
    )


@pytest.fixture(scope="module")
def signin_app(authority):
    """A public client (MSAL's PublicClientApplication: no secret) for the password grant,
    which needs the tenant administrator's consent first."""
    app = authority.register_app(
        "Compat sign-in", delegated=["EduRoster.ReadBasic"], public_client=True
    )
    assert app["publicClient"] is True and "clientSecret" not in app
    authority.cli("app", "consent", app["clientId"], "--json")
    return app


def admin_consent(authority, app, username, decision, state):
    """Drives `/{tenant}/adminconsent` like a browser: the sign-in form, then the
    permission list, then Accept or Cancel. Returns the redirect's query."""
    with httpx.Client(base_url=authority.base, verify=authority.ssl_context(), timeout=30) as browser:
        page = browser.get(
            f"/{authority.tenant_id}/adminconsent",
            params={"client_id": app["clientId"], "state": state, "redirect_uri": CONSENT_REDIRECT},
        )
        assert page.status_code == 200, page.text
        form = Forms(page.text).only()
        assert {"username", "password"} <= set(form["inputs"])
        page = browser.post(form["action"], data={**form["hidden"], "username": username, "password": PASSWORD})
        assert page.status_code == 200, page.text
        forms = Forms(page.text)
        assert forms.errors == [], forms.errors
        form = forms.only()
        assert "EduRoster.Read.All" in page.text, "the consent page lists the permissions asked for"
        page = browser.post(form["action"], data={**form["hidden"], form["buttons"][decision]: decision})
        assert page.status_code in (302, 303), page.text
        location = urlsplit(page.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == CONSENT_REDIRECT
        return {k: v[0] for k, v in parse_qs(location.query).items()}


def list_user_ids(run, graph):
    page = run(graph.education.users.get())
    return {u.id for u in page.value}


def test_cli_consented_app_gets_roles_and_writes_the_roster(authority, sync_app, roster, run):
    token = sync_app.credential.results[-1]["access_token"]
    c = claims(token)
    assert c["roles"] == ["EduRoster.ReadWrite.All"]
    assert c["appid"] == sync_app.app["clientId"] and c["idtyp"] == "app"
    assert c["iss"] == f"{authority.authority_url}/v2.0" and c["tid"] == authority.tenant_id
    found = list_user_ids(run, sync_app.graph)
    assert {roster.admin.id, roster.teacher.id, roster.student.id} <= found


def test_azure_identity_client_secret_credential(authority, sync_app, roster, run):
    app = sync_app.app
    credential = ClientSecretCredential(
        app["tenantId"],
        app["clientId"],
        app["clientSecret"],
        authority=authority.base,
        disable_instance_discovery=True,
        connection_verify=str(authority.ca),
    )
    graph = authority.graph(credential, [GRAPH_DEFAULT])
    assert roster.teacher.id in list_user_ids(run, graph)
    token = credential.get_token(GRAPH_DEFAULT)
    assert claims(token.token)["roles"] == ["EduRoster.ReadWrite.All"]
    credential.close()


def test_admin_consent_over_http_grants_the_app_its_roles(authority, reader_app, roster, run):
    graph, credential = app_graph(authority, reader_app)
    with pytest.raises(ODataError) as refused:
        run(graph.education.users.get())
    assert "roles" not in claims(credential.results[-1]["access_token"])
    assert refused.value.response_status_code == 403
    assert "EduRoster.Read.All" in refused.value.error.message

    state = uuid.uuid4().hex
    back = admin_consent(authority, reader_app, roster.admin.user_principal_name, "approve", state)
    assert back == {"admin_consent": "True", "tenant": authority.tenant_id, "state": state}

    # MSAL caches app tokens, so a fresh client application asks for a new one.
    graph, credential = app_graph(authority, reader_app)
    assert {roster.teacher.id, roster.student.id} <= list_user_ids(run, graph)
    assert claims(credential.results[-1]["access_token"])["roles"] == ["EduRoster.Read.All"]


def test_declined_admin_consent_grants_nothing(authority, roster, run):
    app = authority.register_app(
        "Compat declined", permissions=["EduRoster.Read.All"], redirect_uris=[CONSENT_REDIRECT]
    )
    state = uuid.uuid4().hex
    back = admin_consent(authority, app, roster.admin.user_principal_name, "deny", state)
    assert back["error"] == "access_denied" and back["state"] == state
    assert back["error_description"]
    graph, credential = app_graph(authority, app)
    with pytest.raises(ODataError) as refused:
        run(graph.education.users.get())
    assert refused.value.response_status_code == 403
    assert "roles" not in claims(credential.results[-1]["access_token"])


def sign_in(authority, app, upn, session=None):
    pca = authority.public_client(app, session)
    result = pca.acquire_token_by_username_password(upn, PASSWORD, scopes=[ROSTER_READ_BASIC])
    assert "access_token" in result, result
    return pca, result


def test_user_token_by_password_reads_me_and_my_classes(authority, signin_app, roster, run):
    pca, result = sign_in(authority, signin_app, roster.teacher.user_principal_name)
    assert result["id_token_claims"]["preferred_username"] == roster.teacher.user_principal_name
    assert result["id_token_claims"]["aud"] == signin_app["clientId"]
    assert "refresh_token" in result
    c = claims(result["access_token"])
    assert c["oid"] == roster.teacher.id and c["scp"].split() == ["EduRoster.ReadBasic"]
    (account,) = pca.get_accounts(username=roster.teacher.user_principal_name)
    assert account["realm"] == authority.tenant_id

    credential = MsalCredential(lambda scopes: pca.acquire_token_silent(scopes, account=account))
    graph = authority.graph(credential, [ROSTER_READ_BASIC])
    me = run(graph.education.me.get())
    classes = run(graph.education.me.classes.get())
    assert me.id == roster.teacher.id
    assert me.user_principal_name == roster.teacher.user_principal_name
    assert [k.id for k in classes.value] == [roster.klass.id]
    # The SDK's token came from MSAL's cache: the same one the password grant returned.
    assert credential.results[-1]["access_token"] == result["access_token"]


def test_a_confidential_client_needs_its_secret_for_the_password_grant(authority, reader_app, roster):
    # MSAL's PublicClientApplication sends no secret; reader_app has one, so it must.
    pca = authority.public_client(reader_app)
    result = pca.acquire_token_by_username_password(
        roster.teacher.user_principal_name, PASSWORD, scopes=[ROSTER_READ_BASIC]
    )
    assert result.get("error") == "invalid_client", result
    assert result["error_description"].startswith("AADSTS7000218:"), result


def test_force_refresh_redeems_and_rotates_the_refresh_token(authority, signin_app, roster, run):
    session = authority.msal_session()
    pca, first = sign_in(authority, signin_app, roster.student.user_principal_name, session)
    (account,) = pca.get_accounts(username=roster.student.user_principal_name)
    refreshed = pca.acquire_token_silent([ROSTER_READ_BASIC], account=account, force_refresh=True)
    assert refreshed and "access_token" in refreshed, refreshed
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert claims(refreshed["access_token"])["oid"] == roster.student.id
    token_requests = [p for m, p in session.sent if m == "POST" and p.endswith("/oauth2/v2.0/token")]
    assert len(token_requests) == 2, "one password grant, one refresh"

    # The old refresh token was used up by the rotation; presenting it again revokes the
    # token rotated from it as well (reuse means someone kept a copy).
    def redeem(refresh_token):
        return authority.http.post(
            f"/{authority.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "refresh_token",
                "client_id": signin_app["clientId"],
                "refresh_token": refresh_token,
                "scope": ROSTER_READ_BASIC,
            },
        )

    stale = redeem(first["refresh_token"])
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    revoked = redeem(refreshed["refresh_token"])
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"

    # The SDK then uses the refreshed token.
    credential = MsalCredential(lambda scopes: pca.acquire_token_silent(scopes, account=account))
    me = run(authority.graph(credential, [ROSTER_READ_BASIC]).education.me.get())
    assert me.id == roster.student.id
    assert credential.results[-1]["access_token"] == refreshed["access_token"]
