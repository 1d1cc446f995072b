"""OData query options through the SDK: `$filter` (enum, nested property, startswith),
`$select`, `$orderby`, `$top` with server-driven paging followed by msgraph-core's
PageIterator, `$count=true` and `/$count`."""

import pytest
from msgraph.generated.education.users.count.count_request_builder import CountRequestBuilder
from msgraph.generated.education.users.users_request_builder import UsersRequestBuilder
from msgraph.generated.models.education_user_role import EducationUserRole

import factories as f

Params = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters
COHORT = 7


@pytest.fixture(scope="module")
def cohort(run, graph, names):
    """Seven students whose display names sort in creation order."""

    async def create():
        made = []
        for i in range(1, COHORT + 1):
            made.append(await graph.education.users.post(f.user(names("Pupil", i), EducationUserRole.Student)))
        return made

    return run(create())


def list_users(run, graph, **params):
    return run(graph.education.users.get(f.config(Params(**params))))


def test_filter_on_primary_role(run, graph, cohort):
    first = list_users(run, graph, filter="primaryRole eq 'student'", top=50)
    items, _ = run(f.collect(first, graph))
    assert items and all(u.primary_role == EducationUserRole.Student for u in items)
    seen = {u.id for u in items}
    assert {u.id for u in cohort} <= seen
    teachers = list_users(run, graph, filter="primaryRole eq 'teacher'", top=50)
    assert not seen & {u.id for u in teachers.value}


def test_filter_on_nested_student_external_id(run, graph, cohort):
    wanted = cohort[3]
    page = list_users(run, graph, filter=f"student/externalId eq '{wanted.student.external_id}'")
    assert [u.id for u in page.value] == [wanted.id]
    assert page.value[0].student.external_id == wanted.student.external_id


def test_select_orderby_and_paging_with_page_iterator(run, graph, cohort, names):
    prefix = names("Pupil", 0).display.rsplit(" ", 1)[0]
    first = list_users(
        run,
        graph,
        filter=f"startswith(displayName,'{prefix}')",
        select=["id", "displayName", "primaryRole"],
        orderby=["displayName desc"],
        top=3,
        count=True,
    )
    assert first.odata_count == COHORT
    assert len(first.value) == 3 and first.odata_next_link and first.odata_next_link.startswith("http")
    items, pages = run(f.collect(first, graph))
    assert pages == 3
    expected = sorted(cohort, key=lambda u: u.display_name, reverse=True)
    assert [u.id for u in items] == [u.id for u in expected]
    assert [u.display_name for u in items] == [u.display_name for u in expected]
    # Unselected properties are not sent.
    assert all(u.user_principal_name is None and u.student is None for u in items)
    assert all(u.primary_role == EducationUserRole.Student for u in items)


def test_paging_through_everyone_sees_each_user_once(run, graph, cohort):
    count = run(graph.education.users.count.get())
    first = list_users(run, graph, top=10, count=True)
    assert first.odata_count == count
    items, pages = run(f.collect(first, graph))
    ids = [u.id for u in items]
    assert len(ids) == len(set(ids)) == count
    assert pages == -(-count // 10)
    assert {u.id for u in cohort} <= set(ids)


def test_orderby_two_keys(run, graph, cohort):
    page = list_users(
        run, graph, filter="primaryRole eq 'student'", orderby=["surname asc", "displayName desc"], top=999
    )
    keys = [(u.surname or "", u.display_name or "") for u in page.value]
    for a, b in zip(keys, keys[1:]):
        assert a[0] < b[0] or (a[0] == b[0] and a[1] >= b[1]), (a, b)


def test_count_segment_is_a_plain_integer(run, graph, cohort):
    count = run(graph.education.users.count.get())
    assert isinstance(count, int) and count >= COHORT
    students = run(
        graph.education.users.count.get(
            f.config(CountRequestBuilder.CountRequestBuilderGetQueryParameters(filter="primaryRole eq 'student'"))
        )
    )
    assert COHORT <= students < count
