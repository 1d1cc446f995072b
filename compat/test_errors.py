"""Failures through the SDK: each must raise `ODataError` (not the untyped `APIError`)
with Graph's status and `error.code`, and carry the request ids in `innerError`."""

import uuid

import pytest
from msgraph.generated.education.users.users_request_builder import UsersRequestBuilder
from msgraph.generated.models.education_user_role import EducationUserRole
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

import factories as f


def fails(run, coroutine):
    with pytest.raises(ODataError) as caught:
        run(coroutine)
    error = caught.value
    assert error.error is not None, "the body must carry the Graph error envelope"
    assert error.error.code and error.error.message
    inner = error.error.inner_error
    assert inner is not None and inner.request_id, "innerError must name the request"
    assert inner.date is not None
    return error


def test_unknown_id_is_404(run, graph):
    error = fails(run, graph.education.users.by_education_user_id(str(uuid.uuid4())).get())
    assert error.response_status_code == 404
    assert error.error.code in ("ResourceNotFound", "Request_ResourceNotFound", "itemNotFound")


def test_client_request_id_is_echoed(run, graph):
    cid = str(uuid.uuid4())
    missing = graph.education.classes.by_education_class_id(str(uuid.uuid4()))
    error = fails(run, missing.get(f.config(headers={"client-request-id": cid})))
    assert error.response_status_code == 404
    assert error.error.inner_error.client_request_id == cid
    assert error.error.inner_error.request_id != cid


def test_duplicate_user_principal_name_is_400(run, graph, names):
    n = names("Twin", 1)
    run(graph.education.users.post(f.user(n, EducationUserRole.Student)))
    twin = f.user(names("Twin", 2), EducationUserRole.Student)
    twin.user_principal_name = n.upn.upper()  # compared case-insensitively, like Entra
    error = fails(run, graph.education.users.post(twin))
    assert error.response_status_code == 400
    assert error.error.code in ("Request_BadRequest", "BadRequest")
    assert "userPrincipalName" in error.error.message
    # The rejected create changed nothing.
    params = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        filter=f"mailNickname eq '{names('Twin', 2).nickname}'"
    )
    assert run(graph.education.users.get(f.config(params))).value == []


def test_unknown_filter_property_is_400_naming_it(run, graph):
    params = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(filter="shoeSize eq 'x'")
    error = fails(run, graph.education.users.get(f.config(params)))
    assert error.response_status_code == 400
    assert error.error.code in ("BadRequest", "Request_UnsupportedQuery", "badRequest")
    assert "shoeSize" in error.error.message


def test_delegated_token_cannot_write_the_roster(run, server, mode, names):
    app = server.client(server.app_token, mode)
    user = run(app.education.users.post(f.user(names("Delegate", 1), EducationUserRole.Teacher)))
    token = server.user_token(user.id, ["EduRoster.ReadWrite", "EduRoster.ReadBasic"])
    delegated = server.client(token, mode)
    # Reads work, and /education/me is the token's user.
    me = run(delegated.education.me.get())
    assert me.id == user.id
    error = fails(run, delegated.education.schools.post(f.school(names("Forbidden", 1))))
    assert error.response_status_code == 403
    assert error.error.code.lower() == "accessdenied"


def test_bad_token_is_401(run, server, mode):
    client = server.client("not-a-jwt", mode)
    error = fails(run, client.education.classes.get())
    assert error.response_status_code == 401
    assert error.error.code == "InvalidAuthenticationToken"


def test_oversized_body_is_a_413_error_not_a_broken_connection(run, graph, names):
    # Larger than the server's default body limit (4 MiB): the server reads and discards
    # the rest of the body before answering, so the SDK receives the 413 envelope
    # instead of failing to send on a connection the server already closed.
    huge = f.user(names("Huge", 1), EducationUserRole.Student)
    huge.display_name = "x" * (5 * 1024 * 1024)
    error = fails(run, graph.education.users.post(huge))
    assert error.response_status_code == 413
    assert error.error.code == "requestEntityTooLarge"
    assert "4194304 bytes" in error.error.message


def test_unserved_operation_is_501_naming_it(run, graph):
    # No id is looked up for an operation edugraph does not serve yet: any class id will do.
    klass = graph.education.classes.by_education_class_id(str(uuid.uuid4()))
    error = fails(run, klass.assignments.get())
    assert error.response_status_code == 501
    assert error.error.code == "notImplemented"
    assert "GET /" in error.error.message
    assert "/education/classes/{educationClass-id}/assignments yet" in error.error.message
    assert "docs/OPERATIONS.md" in error.error.message
