"""The `/beta` endpoint through msgraph-beta-sdk: the same roster, typed with the beta
models, including the beta-only `faculty` role."""

import pytest
from msgraph_beta import GraphRequestAdapter as BetaAdapter
from msgraph_beta import GraphServiceClient as BetaClient
from msgraph_beta.generated.models.education_class import EducationClass
from msgraph_beta.generated.models.education_school import EducationSchool
from msgraph_beta.generated.models.education_user import EducationUser
from msgraph_beta.generated.models.education_user_role import EducationUserRole
from msgraph_beta.generated.models.password_profile import PasswordProfile

import factories as f


@pytest.fixture(scope="module")
def beta(server, mode):
    return server.client(server.app_token, mode, version="beta", sdk=(BetaAdapter, BetaClient))


def test_beta_lists_typed_classes_and_schools(run, beta, mode):
    before = len(beta.sent)
    classes = run(beta.education.classes.get())
    schools = run(beta.education.schools.get())
    assert classes.value and all(isinstance(c, EducationClass) for c in classes.value)
    assert schools.value and all(isinstance(s, EducationSchool) for s in schools.value)
    prefix = "/beta//education/" if mode == "slashes" else "/beta/education/"
    assert len(beta.sent) == before + 2 and all(p.startswith(prefix) for p in beta.sent[before:])


def test_beta_faculty_role_is_an_evolvable_enum_member(run, beta, names):
    """`faculty` comes after `unknownFutureValue` in beta's educationUserRole: Graph shows
    it only to callers that send `Prefer: include-unknown-enum-members`."""
    n = names("Faculty", 1)
    prefer = f.config(headers={"Prefer": "include-unknown-enum-members"})
    body = EducationUser(
        account_enabled=True,
        display_name=n.display,
        mail_nickname=n.nickname,
        user_principal_name=n.upn,
        password_profile=PasswordProfile(password="Compat-Passw0rd!"),
        primary_role=EducationUserRole.Faculty,
    )
    created = run(beta.education.users.post(body, prefer))
    assert created.primary_role == EducationUserRole.Faculty
    item = beta.education.users.by_education_user_id(created.id)
    assert run(item.get(prefer)).primary_role == EducationUserRole.Faculty
    plain = run(item.get())
    assert isinstance(plain, EducationUser) and plain.primary_role == EducationUserRole.UnknownFutureValue
