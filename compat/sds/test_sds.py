"""School Data Sync through the SDK that last had it: msgraph-beta-sdk 1.18.0.

Graph retired beta's `education/synchronizationProfiles` at the end of 2024 and the beta
SDK dropped its request builders after 1.18.0, but scripts written against that SDK are
what an edugraph operator brings. This module drives the whole classic SDS flow with it:
create a CSV profile from the body of Graph's "Create educationSynchronizationProfile"
page, wait for provisioning, upload Microsoft's SDS v1 "25 Users" sample to the profile's
uploadUrl as a blob client would (plain PUTs), start, wait for the sync, read its errors,
read the synced roster back through the v1.0 SDK (msgraph-sdk), then pause, resume and
reset.

The body goes exactly as the SDK serialises it, `customizations` `@odata.type`
included (test_the_sdk_default_body_is_accepted), and a pause holds even when the run it
paused had nothing left to do (test_a_paused_run_stays_paused).

It needs msgraph-beta-sdk 1.18.0 as `msgraph_beta`, which the current pin of
requirements.txt also is: scripts/compat.sh runs this folder as its own pytest with the
1.18.0 install (scripts/python-env.sh, requirements-sds.txt) first on PYTHONPATH, after
the rest of the suite, because the sync deactivates the demo data's `sis` users that
the sample does not list. The sample comes from ../shared/rostering-samples (beside the
repository); without it the module is skipped.
"""

import asyncio
import csv
import time
from pathlib import Path
from types import SimpleNamespace
from uuid import UUID

import httpx
import pytest

try:
    # Absent from msgraph-beta-sdk after 1.18.0: under the current pin this module
    # cannot run, and must not pass silently.
    from msgraph_beta.generated.education.synchronization_profiles.item.start.start_post_response import (
        StartPostResponse,
    )
except ImportError:
    import msgraph_beta

    pytest.fail(
        f"msgraph_beta {msgraph_beta.__version__} (from {Path(msgraph_beta.__file__).parent}) has no "
        "synchronizationProfiles: run compat/sds through scripts/compat.sh, which puts "
        "msgraph-beta-sdk 1.18.0 first on PYTHONPATH",
        pytrace=False,
    )

from msgraph.generated.models.education_external_source import EducationExternalSource
from msgraph.generated.models.education_user_role import EducationUserRole as V1Role
from msgraph_beta import GraphRequestAdapter as BetaAdapter
from msgraph_beta import GraphServiceClient as BetaClient
from msgraph_beta.generated.models.education_csv_data_provider import EducationCsvDataProvider
from msgraph_beta.generated.models.education_file_synchronization_verification_message import (
    EducationFileSynchronizationVerificationMessage,
)
from msgraph_beta.generated.models.education_identity_creation_configuration import (
    EducationIdentityCreationConfiguration,
)
from msgraph_beta.generated.models.education_identity_domain import EducationIdentityDomain
from msgraph_beta.generated.models.education_synchronization_customization import (
    EducationSynchronizationCustomization,
)
from msgraph_beta.generated.models.education_synchronization_customizations import (
    EducationSynchronizationCustomizations,
)
from msgraph_beta.generated.models.education_synchronization_error_collection_response import (
    EducationSynchronizationErrorCollectionResponse,
)
from msgraph_beta.generated.models.education_synchronization_license_assignment import (
    EducationSynchronizationLicenseAssignment,
)
from msgraph_beta.generated.models.education_synchronization_profile import EducationSynchronizationProfile
from msgraph_beta.generated.models.education_synchronization_profile_state import (
    EducationSynchronizationProfileState as State,
)
from msgraph_beta.generated.models.education_synchronization_profile_status import (
    EducationSynchronizationProfileStatus,
)
from msgraph_beta.generated.models.education_synchronization_status import EducationSynchronizationStatus as Status
from msgraph_beta.generated.models.education_user_role import EducationUserRole
from msgraph_beta.generated.models.o_data_errors.error_details import ErrorDetails
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError

import factories as f

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "rostering-samples"
if not SAMPLES.is_dir():
    pytest.skip(f"the shared rostering samples are absent ({SAMPLES})", allow_module_level=True)

# Microsoft's official SDS v1 sample (MIT), 2 schools, 2 sections, 22 students, 2 teachers,
# 44 enrollments, 2 roster rows. It starts cleanly (only `information` messages about
# its US dates), as do the other three SDS v1 sets; this one is small and has every
# column, names included, so the users it makes are recognisable.
SAMPLE = SAMPLES / "sds-v1" / "OfficeDev_O365-EDU-Tools" / "SDS-Format" / "25-Users"
FILES = ("School.csv", "Section.csv", "Student.csv", "Teacher.csv", "StudentEnrollment.csv", "TeacherRoster.csv")
# Verified in the `--dev` tenant, so a profile may create users in it.
DOMAIN = "testschool.edu"
SKU = "6fd2c87f-b296-42f0-b197-1e91e994b900"
ROLES = ["EduAdministration.ReadWrite.All", "EduRoster.ReadWrite.All"]


def rows(name):
    with open(SAMPLE / name, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


async def poll(fetch, done, timeout, what):
    """Calls `fetch` until `done(result)`, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s; last answer: {value!r}")
        await asyncio.sleep(0.2)


def profile_body():
    """The request body of Graph's "Create educationSynchronizationProfile" example, typed.

    The SDK's EducationSynchronizationCustomizations defaults `odata_type` to
    "#microsoft.graph.educationSynchronizationCustomizations" (it derives from the abstract
    educationSynchronizationCustomizationsBase), so the body carries
    `"customizations": {"@odata.type": ...}`, which the server must take."""
    return EducationSynchronizationProfile(
        display_name="Test Profile",
        data_provider=EducationCsvDataProvider(
            customizations=EducationSynchronizationCustomizations(
                student=EducationSynchronizationCustomization(
                    optional_properties_to_sync=["State ID", "Middle Name"]
                ),
            ),
        ),
        identity_synchronization_configuration=EducationIdentityCreationConfiguration(
            user_domains=[
                EducationIdentityDomain(applies_to=EducationUserRole.Student, name=DOMAIN),
                EducationIdentityDomain(applies_to=EducationUserRole.Teacher, name=DOMAIN),
            ],
        ),
        licenses_to_assign=[
            EducationSynchronizationLicenseAssignment(applies_to=EducationUserRole.Teacher, sku_ids=[SKU]),
            EducationSynchronizationLicenseAssignment(applies_to=EducationUserRole.Student, sku_ids=[SKU]),
        ],
    )


@pytest.fixture(scope="module")
def beta(server):
    # One client mode only ("direct"): the `//education` form of the other mode is the
    # routing the rest of the suite covers, and a second profile syncing the same files
    # would test nothing new.
    token = server.mint({"app": True, "roles": ROLES})
    return server.client(token, "direct", version="beta", sdk=(BetaAdapter, BetaClient))


@pytest.fixture(scope="module")
def profile(run, beta):
    """Steps 1-3: a new CSV profile, and the same profile once provisioned."""
    created = run(beta.education.synchronization_profiles.post(profile_body()))
    item = beta.education.synchronization_profiles.by_education_synchronization_profile_id(created.id)
    # The job runner provisions a new profile within a second or two.
    provisioned = run(poll(item.get, lambda p: p.state == State.Provisioned, 30, "state provisioned"))
    return SimpleNamespace(created=created, provisioned=provisioned, item=item)


@pytest.fixture(scope="module")
def synced(run, server, profile):
    """Steps 4-6: the sample uploaded to the profile's uploadUrl, started, and synced."""
    # Before any upload, start is refused: 400, every message in error.details.
    try:
        run(profile.item.start.post())
        empty = None
    except ODataError as e:
        empty = e
    url = run(profile.item.upload_url.get()).value
    # A container URL with its grant (`?sv=...&sig=...`); a blob client puts each file at
    # `{container}/{file}?{grant}`.
    container, _, grant = url.partition("?")
    assert container == f"{server.base_url}/_edugraph/sds/{profile.created.id}", url
    assert "sig=" in grant and "se=" in grant, url
    with httpx.Client(timeout=30) as http:
        for name in FILES:
            put = http.put(
                f"{container}/{name}?{grant}",
                content=(SAMPLE / name).read_bytes(),
                headers={"x-ms-blob-type": "BlockBlob"},
            )
            assert put.status_code == 201, (name, put.status_code, put.text)
    start = run(profile.item.start.post())
    status = run(
        poll(
            profile.item.profile_status.get,
            lambda s: s.status not in (Status.InProgress, Status.Extracting, Status.Validating),
            120,
            "the end of the sync",
        )
    )
    return SimpleNamespace(empty=empty, start=start, status=status)


def test_profile_is_created_typed_and_provisioned(profile):
    created = profile.created
    assert isinstance(created, EducationSynchronizationProfile) and created.id
    assert created.display_name == "Test Profile"
    assert created.state in (State.Provisioning, State.Provisioned)
    # The provisioned profile reads back as the typed body that was sent.
    p = profile.provisioned
    assert p.id == created.id and p.state == State.Provisioned
    assert isinstance(p.data_provider, EducationCsvDataProvider)
    assert p.data_provider.customizations.student.optional_properties_to_sync == ["State ID", "Middle Name"]
    assert isinstance(p.identity_synchronization_configuration, EducationIdentityCreationConfiguration)
    domains = {(d.applies_to, d.name) for d in p.identity_synchronization_configuration.user_domains}
    assert domains == {(EducationUserRole.Student, DOMAIN), (EducationUserRole.Teacher, DOMAIN)}
    licenses = {(lic.applies_to, tuple(lic.sku_ids)) for lic in p.licenses_to_assign}
    assert licenses == {(EducationUserRole.Teacher, (SKU,)), (EducationUserRole.Student, (SKU,))}


def test_the_sdk_default_body_is_accepted(run, beta):
    """The body exactly as the SDK serialises Graph's example."""
    created = run(beta.education.synchronization_profiles.post(profile_body()))
    try:
        assert created.state in (State.Provisioning, State.Provisioned)
        customizations = created.data_provider.customizations
        assert customizations.student.optional_properties_to_sync == ["State ID", "Middle Name"]
    finally:
        # A second profile is not this module's subject: deleted (202, asynchronous).
        item = beta.education.synchronization_profiles.by_education_synchronization_profile_id(created.id)
        item_state = run(poll(item.get, lambda p: p.state != State.Provisioning, 30, "provisioning's end"))
        assert item_state.state == State.Provisioned
        run(item.delete())


def test_start_without_files_is_a_typed_error_with_details(synced):
    refused = synced.empty
    assert isinstance(refused, ODataError), "start without uploaded files was not refused"
    assert refused.response_status_code == 400 and refused.error.code
    details = refused.error.details
    assert details and all(isinstance(d, ErrorDetails) and d.message for d in details)
    assert any(d.code == "error" for d in details)


def test_start_answers_typed_messages_and_the_sync_succeeds(synced):
    start = synced.start
    assert isinstance(start, StartPostResponse) and isinstance(start.value, list)
    assert all(isinstance(m, EducationFileSynchronizationVerificationMessage) for m in start.value)
    # A set with errors is refused (400, the messages in error.details); this one has
    # none, only notes (US dates).
    assert all(m.type != "error" and m.file_name in FILES for m in start.value), start.value
    status = synced.status
    assert isinstance(status, EducationSynchronizationProfileStatus)
    assert status.status == Status.Success, status
    assert status.last_synchronization_date_time is not None
    assert status.error_count == 0


def test_errors_list_is_typed_and_empty(run, profile, synced):
    # Expected: 0 errors (as observed), and the files say why. Every Section, Student and
    # Teacher row names one of the 2 schools (10001, 10002); the 44 StudentEnrollment rows
    # put each of the 22 students in both sections (11001, 11002), the 2 TeacherRoster
    # rows one of the 2 teachers in each; SIS IDs and usernames are unique, the key,
    # school, username and name columns are filled in every row, every status is Active.
    # School.csv's Principal SIS IDs (14007, 14008) are not teachers of the set, which SDS
    # does not require. No record can fail.
    errors = run(profile.item.errors.get())
    assert isinstance(errors, EducationSynchronizationErrorCollectionResponse)
    assert errors.value == []
    assert run(profile.item.errors.count.get()) == 0


def test_synced_roster_reads_through_v1(run, server, synced):
    graph = server.client(server.app_token, "direct")  # EduRoster.ReadWrite.All
    users, _ = run(f.collect(run(graph.education.users.get()), graph))
    by_upn = {u.user_principal_name.lower(): u for u in users}
    expected = [(r, V1Role.Student) for r in rows("Student.csv")] + [(r, V1Role.Teacher) for r in rows("Teacher.csv")]
    assert len(expected) == 24
    for row, role in expected:
        upn = f"{row['Username']}@{DOMAIN}".lower()
        user = by_upn.get(upn)
        assert user is not None, f"{upn} was not synced"
        assert user.user_principal_name.endswith(f"@{DOMAIN}")
        assert user.external_source == EducationExternalSource.Sis
        assert user.primary_role == role and user.account_enabled
        assert (user.given_name, user.surname) == (row["First Name"], row["Last Name"])
        detail = user.student if role == V1Role.Student else user.teacher
        assert detail.external_id == row["SIS ID"]
        # licensesToAssign: the SKU listed for the role, typed by the v1.0 SDK.
        assert [(lic.sku_id, lic.disabled_plans) for lic in user.assigned_licenses] == [(UUID(SKU), [])]

    classes, _ = run(f.collect(run(graph.education.classes.get()), graph))
    enrolled = rows("StudentEnrollment.csv")
    roster = rows("TeacherRoster.csv")
    for section in rows("Section.csv"):
        sis = section["SIS ID"]
        found = [c for c in classes if c.external_id == sis and c.external_source == EducationExternalSource.Sis]
        assert len(found) == 1, (sis, found)
        klass = found[0]
        assert klass.display_name == section["Section Name"]
        item = graph.education.classes.by_education_class_id(klass.id)
        members = run(f.collect(run(item.members.get()), graph))[0]
        teachers = run(item.teachers.get()).value
        # Graph lists a class's teachers among its members too.
        want_teachers = sum(r["Section SIS ID"] == sis for r in roster)
        want_members = sum(r["Section SIS ID"] == sis for r in enrolled) + want_teachers
        assert len(teachers) == want_teachers and len(members) == want_members, sis


def sync_jobs(server, profile_id):
    """The profile's `sds-sync` jobs, newest first, from the operator API (open under
    --dev): `start` and `resume` enqueue one per run before they answer."""
    jobs = server.http.get("/_edugraph/jobs", params={"kind": "sds-sync", "limit": 1000})
    assert jobs.status_code == 200, jobs.text
    return [j for j in jobs.json()["value"] if j["payload"].get("profile") == profile_id]


def wait_for_job(server, profile_id, job_id, timeout=30):
    """Waits until job `job_id` has ended (`succeeded` or `failed`)."""
    deadline = time.monotonic() + timeout
    while True:
        job = next(j for j in sync_jobs(server, profile_id) if j["id"] == job_id)
        if job["state"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']} after {timeout} s"
        time.sleep(0.1)


def test_pause_and_resume_are_refused_when_idle_and_reset_clears(run, profile, synced):
    item = profile.item
    # Nothing runs after a finished sync: pause is refused, and the SDK maps the 409 to
    # its typed ODataError (error_mapping "XXX"), with the Graph error envelope.
    with pytest.raises(ODataError) as refused:
        run(item.pause.post())
    assert refused.value.response_status_code == 409 and refused.value.error.code
    assert run(item.profile_status.get()).status == Status.Success

    # reset: 200 with no body, which the SDK's send_no_response_content_async takes as
    # None; the profile is back to not started, its errors cleared.
    assert run(item.reset.post()) is None
    after = run(item.profile_status.get())
    assert isinstance(after, EducationSynchronizationProfileStatus)
    assert after.status == Status.Paused and after.error_count == 0, after
    # A reset profile has no sync to resume.
    with pytest.raises(ODataError) as refused:
        run(item.resume.post())
    assert refused.value.response_status_code == 409


def start_and_pause(run, server, profile):
    """Starts a run (the uploaded files stay) and pauses it at once; returns the run's
    job. Pause must land while the run is in progress: it nearly always does (the run
    waits for the job runner); if the run ended first, pause is a 409 and the attempt is
    repeated."""
    item = profile.item
    for _ in range(3):
        assert isinstance(run(item.start.post()), StartPostResponse)
        job = sync_jobs(server, profile.created.id)[0]
        try:
            # 200 without a body: send_no_response_content_async returns None.
            assert run(item.pause.post()) is None
            return job
        except ODataError as e:
            assert e.response_status_code == 409
            run(poll(item.profile_status.get, lambda s: s.status == Status.Success, 120, "success"))
    pytest.skip("every run ended before pause reached the server")


def test_pause_then_resume_answer_as_the_sdk_expects(run, server, profile, synced):
    """The client's flow: pause a running sync, resume it; both 200 without a body."""
    item = profile.item
    start_and_pause(run, server, profile)
    assert run(item.resume.post()) is None
    final = run(poll(item.profile_status.get, lambda s: s.status == Status.Success, 120, "success after resume"))
    assert final.last_synchronization_date_time is not None and final.error_count == 0


def test_a_paused_run_stays_paused(run, server, profile, synced):
    item = profile.item
    job = start_and_pause(run, server, profile)
    # Once the paused run's job has ended (the runner stops a paused run at its next
    # check), the profile must still be paused, and resumable.
    wait_for_job(server, profile.created.id, job["id"])
    # A pause acknowledged with 200 holds, even when the run had nothing left to do.
    held = run(item.profile_status.get())
    assert held.status == Status.Paused, held
    assert run(item.resume.post()) is None
    final = run(poll(item.profile_status.get, lambda s: s.status == Status.Success, 120, "success after resume"))
    assert final.last_synchronization_date_time is not None
