"""Rostering through the SDK: create a school, a class and users; link them with `$ref`
(bodies naming the cloud host, as the Graph docs do); unlink with `{id}/$ref` and with
`$ref?@id=`; read every navigation back, typed."""

from types import SimpleNamespace

import pytest
from msgraph.generated.education.classes.item.members.ref.ref_request_builder import RefRequestBuilder
from msgraph.generated.models.education_class import EducationClass
from msgraph.generated.models.education_school import EducationSchool
from msgraph.generated.models.education_user import EducationUser
from msgraph.generated.models.education_user_role import EducationUserRole
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

import factories as f


@pytest.fixture(scope="module")
def world(run, graph, names):
    """A school, a class, one teacher and three students, created through the SDK."""

    async def create():
        edu = graph.education
        school = await edu.schools.post(f.school(names("School", 1)))
        klass = await edu.classes.post(f.klass(names("Class", 1)))
        teacher = await edu.users.post(f.user(names("Teacher", 1), EducationUserRole.Teacher))
        students = [await edu.users.post(f.user(names("Student", i), EducationUserRole.Student)) for i in range(1, 4)]
        return SimpleNamespace(school=school, klass=klass, teacher=teacher, students=students)

    return run(create())


def ids(items):
    return sorted(item.id for item in items)


def test_created_objects_come_back_typed(run, graph, world, names, mode):
    assert isinstance(world.school, EducationSchool) and world.school.id
    assert world.school.odata_type == "#microsoft.graph.educationSchool"
    assert world.school.address.city == "Riverton"
    assert isinstance(world.klass, EducationClass) and world.klass.mail_nickname == names("Class", 1).nickname
    assert world.klass.term.start_date.isoformat() == "2024-08-26"
    assert world.teacher.primary_role == EducationUserRole.Teacher
    student = world.students[0]
    assert student.student.external_id == names("Student", 1).external
    # The password is write-only.
    assert student.password_profile is None or student.password_profile.password is None

    async def read():
        edu = graph.education
        school = await edu.schools.by_education_school_id(world.school.id).get()
        schools = await edu.schools.get()
        user = await edu.users.by_education_user_id(student.id).get()
        klass = await edu.classes.by_education_class_id(world.klass.id).get()
        return school, schools, user, klass

    before = len(graph.sent)
    school, schools, user, klass = run(read())
    # educationSchool derives from the abstract educationOrganization: the SDK only picks
    # the right class when the server sends @odata.type.
    assert isinstance(school, EducationSchool) and school.display_name == names("School", 1).display
    assert schools.value and all(isinstance(s, EducationSchool) for s in schools.value)
    assert isinstance(user, EducationUser) and user.user_principal_name == names("Student", 1).upn
    assert user.student.grade == "10"
    assert klass.display_name == names("Class", 1).display
    # Requests the SDK builds from its URL templates have the shape of the client's mode
    # (links the server hands out are followed verbatim and have a single slash).
    education = graph.sent[before:]
    assert len(education) == 4
    if mode == "slashes":
        assert all(p.startswith("/v1.0//education/") for p in education), education
    else:
        assert all(p.startswith("/v1.0/education/") for p in education), education


def test_members_and_teachers_are_added_by_ref(run, graph, world):
    klass = graph.education.classes.by_education_class_id(world.klass.id)
    everyone = [world.teacher, *world.students]

    async def scenario():
        for u in everyone:
            await klass.members.ref.post(f.user_ref(u.id))
        await klass.teachers.ref.post(f.user_ref(world.teacher.id))
        return await klass.members.get(), await klass.teachers.get()

    members, teachers = run(scenario())
    assert ids(members.value) == ids(everyone)
    assert all(isinstance(m, EducationUser) for m in members.value)
    assert ids(teachers.value) == [world.teacher.id]


def test_member_refs_are_listed_as_urls(run, graph, world):
    klass = graph.education.classes.by_education_class_id(world.klass.id)
    refs = run(klass.members.ref.get())
    listed = sorted(url.rsplit("/", 1)[-1] for url in refs.value)
    assert listed == ids([world.teacher, *world.students])
    assert all(url.startswith("http") for url in refs.value)


def test_members_are_removed_by_id_ref_and_by_at_id(run, graph, world, server):
    klass = graph.education.classes.by_education_class_id(world.klass.id)
    first, second, kept = world.students

    async def scenario():
        await klass.members.by_education_user_id(first.id).ref.delete()
        # `$ref?@id=` with the user's URL on this server, percent-encoded by the SDK.
        by_url = RefRequestBuilder.RefRequestBuilderDeleteQueryParameters(
            id=f"{server.base_url}/v1.0/education/users/{second.id}"
        )
        await klass.members.ref.delete(f.config(by_url))
        return await klass.members.get()

    members = run(scenario())
    assert ids(members.value) == ids([world.teacher, kept])

    # Removing a link that is not there is a clean Graph error, not a silent success.
    with pytest.raises(ODataError) as error:
        run(klass.members.by_education_user_id(first.id).ref.delete())
    assert error.value.response_status_code in (400, 404)


def test_school_links_show_up_on_every_side(run, graph, world):
    edu = graph.education
    school = edu.schools.by_education_school_id(world.school.id)
    teacher = edu.users.by_education_user_id(world.teacher.id)

    async def scenario():
        await school.classes.ref.post(f.class_ref(world.klass.id))
        await school.users.ref.post(f.user_ref(world.teacher.id))
        return SimpleNamespace(
            school_classes=await school.classes.get(),
            school_users=await school.users.get(),
            class_schools=await edu.classes.by_education_class_id(world.klass.id).schools.get(),
            user_schools=await teacher.schools.get(),
            taught=await teacher.taught_classes.get(),
            classes=await teacher.classes.get(),
        )

    seen = run(scenario())
    assert ids(seen.school_classes.value) == [world.klass.id]
    assert ids(seen.school_users.value) == [world.teacher.id]
    assert ids(seen.class_schools.value) == [world.school.id]
    assert all(isinstance(s, EducationSchool) for s in seen.class_schools.value)
    assert ids(seen.user_schools.value) == [world.school.id]
    assert ids(seen.taught.value) == [world.klass.id]
    assert ids(seen.classes.value) == [world.klass.id]


def test_patch_returns_the_updated_entity(run, graph, world):
    item = graph.education.classes.by_education_class_id(world.klass.id)
    patched = run(item.patch(EducationClass(description="patched by compat")))
    # Graph answers education PATCHes with the entity; a 204 would give None here.
    assert patched is not None and patched.description == "patched by compat"
    assert patched.display_name == world.klass.display_name
    assert run(item.get()).description == "patched by compat"


def test_deleted_user_is_gone(run, graph, names):
    edu = graph.education
    doomed = run(edu.users.post(f.user(names("Doomed", 1), EducationUserRole.Student)))
    run(edu.users.by_education_user_id(doomed.id).delete())
    with pytest.raises(ODataError) as error:
        run(edu.users.by_education_user_id(doomed.id).get())
    assert error.value.response_status_code == 404
