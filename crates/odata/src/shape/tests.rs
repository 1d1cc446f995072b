use super::*;
use proptest::prelude::*;
use serde_json::json;

fn sel(items: &[&str]) -> Vec<SelectItem> {
    items
        .iter()
        .map(|s| SelectItem(s.split('/').map(String::from).collect()))
        .collect()
}

#[test]
fn project_keeps_selected_and_annotations() {
    let doc = json!({"@odata.type": "#microsoft.graph.educationUser", "id": "1", "displayName": "A",
        "mail": "a@x", "student": {"externalId": "e1", "grade": "9"}, "@removed": {"reason": "deleted"}});
    let out = project(&doc, &sel(&["displayName", "student/externalId"]));
    assert_eq!(
        out,
        json!({"@odata.type": "#microsoft.graph.educationUser", "displayName": "A",
            "student": {"externalId": "e1"}, "@removed": {"reason": "deleted"}})
    );
}

#[test]
fn project_whole_parent_wins_over_nested_and_star_keeps_all() {
    let doc = json!({"id": "1", "student": {"externalId": "e1", "grade": "9"}});
    assert_eq!(
        project(&doc, &sel(&["student/grade", "student"])),
        json!({"student": {"externalId": "e1", "grade": "9"}})
    );
    assert_eq!(project(&doc, &sel(&["*"])), doc);
}

#[test]
fn project_through_null_and_collections() {
    let doc = json!({"student": null, "assignedLicenses": [{"skuId": "a", "disabledPlans": []}, {"skuId": "b"}]});
    let out = project(
        &doc,
        &sel(&["student/externalId", "assignedLicenses/skuId"]),
    );
    assert_eq!(
        out,
        json!({"student": null, "assignedLicenses": [{"skuId": "a"}, {"skuId": "b"}]})
    );
    assert_eq!(project(&doc, &sel(&["nothing"])), json!({}));
}

#[test]
fn select_fragment_and_context() {
    assert_eq!(
        select_fragment(&sel(&["id", "student/externalId"])),
        "id,student/externalId"
    );
    assert_eq!(
        context_url("http://h", ApiVersion::Beta, "education/users"),
        "http://h/beta/$metadata#education/users"
    );
}

#[test]
fn set_odata_type_goes_first_and_replaces() {
    let mut doc = json!({"id": "1", "@odata.type": "#old"});
    set_odata_type(&mut doc, "microsoft.graph.educationSchool");
    let keys: Vec<_> = doc.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["@odata.type", "id"]);
    assert_eq!(doc["@odata.type"], "#microsoft.graph.educationSchool");
}

#[test]
fn masks_hidden_enum_members_recursively() {
    let schema = Schema::get(ApiVersion::V1);
    let mut doc = json!({"status": "excused", "submittedBy": {"user": {"id": "u"}}});
    mask_hidden_enum_members(schema, "educationSubmission", &mut doc);
    assert_eq!(doc["status"], "unknownFutureValue");
    let mut visible = json!({"status": "returned"});
    mask_hidden_enum_members(schema, "educationSubmission", &mut visible);
    assert_eq!(visible["status"], "returned");
    let mut asg = json!({"addToCalendarAction": "studentsOnly", "status": "inactive"});
    mask_hidden_enum_members(schema, "educationAssignment", &mut asg);
    assert_eq!(
        asg,
        json!({"addToCalendarAction": "unknownFutureValue", "status": "unknownFutureValue"})
    );
}

#[test]
fn datetime_forms_accepted() {
    let z = parse_datetime("2026-11-29T08:52:06Z").unwrap();
    assert_eq!(parse_datetime("2026-11-29T08:52:06+00:00").unwrap(), z);
    assert_eq!(parse_datetime("2026-11-29T10:52:06+02:00").unwrap(), z);
    assert_eq!(parse_datetime("2026-11-29T03:52:06-05:00").unwrap(), z);
    assert_eq!(format_datetime(z), "2026-11-29T08:52:06Z");
    assert_eq!(
        normalize_datetime("2021-09-03T23:26:35.4182773Z").unwrap(),
        "2021-09-03T23:26:35.4182773Z"
    );
    assert_eq!(
        normalize_datetime("2026-11-29T08:52:06.123Z").unwrap(),
        "2026-11-29T08:52:06.123Z"
    );
    assert_eq!(
        normalize_datetime("2026-11-29T08:52:06.500000+00:00").unwrap(),
        "2026-11-29T08:52:06.5Z"
    );
    assert_eq!(
        normalize_datetime("2026-11-29T08:52:06.000Z").unwrap(),
        "2026-11-29T08:52:06Z"
    );
    assert_eq!(
        normalize_datetime("2026-11-29T08:52:06.123456789Z").unwrap(),
        "2026-11-29T08:52:06.1234567Z"
    );
    assert_eq!(
        normalize_datetime("2026-01-01T00:30:00+01:00").unwrap(),
        "2025-12-31T23:30:00Z"
    );
}

#[test]
fn datetime_forms_rejected() {
    for bad in [
        "2024-05-01T10:00:00",
        "2024-05-01",
        "2024-05-01T10:00Z",
        "2024-13-01T10:00:00Z",
        "2024-02-30T10:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T10:00:00.Z",
        "2024-05-01T10:00:00.1234567890Z",
        "2024-05-01T10:00:00+0200",
        "2024-05-01T10:00:00+24:00",
        "2024-05-01 10:00:00Z",
        "abcd-05-01T10:00:00Z",
        "9999-12-31T23:00:00-02:00",
        "",
        "2024-05-01T10:00:00Zjunk",
        "２０２４-05-01T10:00:00Z",
    ] {
        assert!(parse_datetime(bad).is_none(), "{bad}");
    }
}

#[test]
fn dates_times_guids() {
    assert_eq!(format_date(parse_date("2012-02-29").unwrap()), "2012-02-29");
    assert!(parse_date("2013-02-29").is_none());
    assert!(parse_date("2013-2-28").is_none());
    assert!(parse_time_of_day("08:30:00").is_some());
    assert!(parse_time_of_day("08:30:00.5").is_some());
    assert!(parse_time_of_day("08:30").is_none());
    assert!(parse_time_of_day("25:00:00").is_none());
    assert_eq!(
        normalize_guid("8A2F0C1E-1234-4ABC-9DEF-0123456789AB").unwrap(),
        "8a2f0c1e-1234-4abc-9def-0123456789ab"
    );
    assert!(normalize_guid("8a2f0c1e12344abc9def0123456789ab").is_none());
    assert!(normalize_guid("8a2f0c1e-1234-4abc-9def-0123456789ag").is_none());
}

proptest! {
    #[test]
    fn datetime_round_trips(secs in 0i64..253_402_300_799, ticks in 0u32..10_000_000, off_min in -1439i32..1440) {
        let utc = OffsetDateTime::from_unix_timestamp(secs).unwrap() + time::Duration::nanoseconds(ticks as i64 * 100);
        prop_assume!(utc.year() <= 9999);
        let offset = UtcOffset::from_whole_seconds(off_min * 60).unwrap();
        let local = utc.to_offset(offset);
        let text = format_datetime(local);
        prop_assert!(text.ends_with('Z'));
        let back = parse_datetime(&text).unwrap();
        prop_assert_eq!(back, utc);
        prop_assert_eq!(format_datetime(back), text);
    }

    #[test]
    fn datetime_parser_never_panics(s in "\\PC{0,40}") {
        let _ = parse_datetime(&s);
        let _ = parse_date(&s);
        let _ = parse_time_of_day(&s);
        let _ = normalize_guid(&s);
    }

    #[test]
    fn datetime_parser_never_panics_on_near_misses(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?(Z|[+-][0-9]{2}:[0-9]{2}|.)") {
        if let Some(dt) = parse_datetime(&s) {
            prop_assert_eq!(parse_datetime(&format_datetime(dt)), Some(dt.to_offset(UtcOffset::UTC)));
        }
    }
}

#[test]
fn multibyte_text_does_not_panic() {
    for s in [
        "12:34:5é",
        "2024-05-01T12:34:5é0Z",
        "2024-05-01T12:34:56+0é:00",
        "2024-05-01T12:34:56.1éZ",
        "202é-05-01",
    ] {
        assert!(
            parse_datetime(s).is_none()
                && parse_time_of_day(s).is_none()
                && parse_date(s).is_none(),
            "{s}"
        );
    }
}
