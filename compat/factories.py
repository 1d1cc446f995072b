"""Builders for the SDK models the tests send, and small helpers around SDK calls."""

import datetime

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.education_class import EducationClass
from msgraph.generated.models.education_external_source import EducationExternalSource
from msgraph.generated.models.education_school import EducationSchool
from msgraph.generated.models.education_student import EducationStudent
from msgraph.generated.models.education_teacher import EducationTeacher
from msgraph.generated.models.education_term import EducationTerm
from msgraph.generated.models.education_user import EducationUser
from msgraph.generated.models.education_user_role import EducationUserRole
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.physical_address import PhysicalAddress
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph_core import PageIterator

# What callers copy from the Graph docs: the cloud host, not the server's own.
GRAPH = "https://graph.microsoft.com/v1.0"


def school(n):
    return EducationSchool(
        display_name=n.display,
        description="Created by the compatibility suite.",
        external_id=n.external,
        external_source=EducationExternalSource.Manual,
        school_number=n.external[-6:],
        lowest_grade="9",
        highest_grade="12",
        principal_name="Pat Principal",
        principal_email=f"principal.{n.nickname}@compat.example",
        address=PhysicalAddress(
            street="1 Compat Way", city="Riverton", state="WA", postal_code="98001", country_or_region="US"
        ),
    )


def klass(n):
    return EducationClass(
        display_name=n.display,
        mail_nickname=n.nickname,
        description="Created by the compatibility suite.",
        class_code=n.external[-8:],
        external_id=n.external,
        external_name=n.display,
        external_source=EducationExternalSource.Sis,
        grade="10",
        term=EducationTerm(
            display_name="Fall 2024",
            external_id="TERM-CMP",
            start_date=datetime.date(2024, 8, 26),
            end_date=datetime.date(2025, 1, 17),
        ),
    )


def user(n, role):
    given, _, surname = n.display.rpartition(" ")
    u = EducationUser(
        account_enabled=True,
        display_name=n.display,
        given_name=given,
        surname=surname,
        mail_nickname=n.nickname,
        user_principal_name=n.upn,
        usage_location="US",
        password_profile=PasswordProfile(password="Compat-Passw0rd!", force_change_password_next_sign_in=False),
        primary_role=role,
    )
    if role == EducationUserRole.Student:
        u.student = EducationStudent(external_id=n.external, grade="10", student_number=n.external[-6:])
    elif role == EducationUserRole.Teacher:
        u.teacher = EducationTeacher(external_id=n.external, teacher_number=n.external[-6:])
    return u


def user_ref(user_id, base=GRAPH):
    return ReferenceCreate(odata_id=f"{base}/education/users/{user_id}")


def class_ref(class_id, base=GRAPH):
    return ReferenceCreate(odata_id=f"{base}/education/classes/{class_id}")


def config(params=None, headers=None):
    """A request configuration: the request builder's query-parameter object (`filter`,
    `top`, ...) and extra headers."""
    conf = RequestConfiguration(query_parameters=params)
    for name, value in (headers or {}).items():
        conf.headers.add(name, value)
    return conf


async def collect(first_page, client):
    """Every item of a paged collection, through msgraph-core's PageIterator; also returns
    how many pages were fetched."""
    items = []
    pages = [1]
    iterator = PageIterator(first_page, client.request_adapter)
    fetch = iterator.fetch_next_page

    async def counting_fetch():
        pages[0] += 1
        return await fetch()

    iterator.fetch_next_page = counting_fetch
    await iterator.iterate(lambda item: items.append(item) or True)
    return items, pages[0]
