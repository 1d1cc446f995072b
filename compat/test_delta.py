"""Users delta through the SDK: a first round pages through everyone and ends with a
deltaLink; after one PATCH and one DELETE the next round (via `with_url(deltaLink)`)
returns exactly those two users, the deleted one marked `@removed`; a third round is
empty."""

from msgraph.generated.education.users.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.models.education_user import EducationUser
from msgraph.generated.models.education_user_role import EducationUserRole

import factories as f


async def delta_round(graph, link=None, page_size=None):
    """Follows nextLinks to the end of one delta round; returns the items and the
    deltaLink."""
    delta = graph.education.users.delta
    if link is None:
        params = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(top=page_size) if page_size else None
        page = await delta.get(f.config(params))
    else:
        page = await delta.with_url(link).get()
    items, pages = list(page.value or []), 1
    while page.odata_next_link:
        assert page.odata_delta_link is None
        page = await delta.with_url(page.odata_next_link).get()
        items.extend(page.value or [])
        pages += 1
    assert page.odata_delta_link and page.odata_delta_link.startswith("http"), "a round must end with a deltaLink"
    return items, page.odata_delta_link, pages


def test_second_round_sees_only_the_changes(run, graph, names):
    edu = graph.education
    changed = run(edu.users.post(f.user(names("Delta", 1), EducationUserRole.Student)))
    deleted = run(edu.users.post(f.user(names("Delta", 2), EducationUserRole.Student)))
    total = run(edu.users.count.get())

    items, link, pages = run(delta_round(graph, page_size=10))
    ids = [u.id for u in items]
    assert len(ids) == len(set(ids)) == total
    assert {changed.id, deleted.id} <= set(ids)
    assert pages > 1, "ten per page must page"

    run(edu.users.by_education_user_id(changed.id).patch(EducationUser(display_name="Renamed by delta test")))
    run(edu.users.by_education_user_id(deleted.id).delete())

    items, link, _ = run(delta_round(graph, link))
    by_id = {u.id: u for u in items}
    assert set(by_id) == {changed.id, deleted.id}
    assert by_id[changed.id].display_name == "Renamed by delta test"
    assert "@removed" not in (by_id[changed.id].additional_data or {})
    assert "@removed" in by_id[deleted.id].additional_data

    items, _, _ = run(delta_round(graph, link))
    assert items == []


def test_delta_honours_select(run, graph):
    params = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=["id", "displayName"])
    page = run(graph.education.users.delta.get(f.config(params)))
    assert page.value
    assert all(u.id and u.display_name for u in page.value)
    assert all(u.user_principal_name is None and u.primary_role is None for u in page.value)
