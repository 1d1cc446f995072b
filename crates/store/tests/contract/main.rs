//! The store contract: one suite of behaviour every backend must show. Each case runs on
//! SQLite in memory and in a temporary file, and on PostgreSQL when `EDUGRAPH_TEST_PG_URL`
//! names a database (`scripts/pg-test-cluster.sh run -- cargo test -p edugraph-store`).
//!
//! Cases never assume an empty database: each one works in fresh random tenants, and
//! server-wide rows (tenants, signing keys) are looked up by their own random ids.

mod bulk;
mod containment;
mod crud;
mod delta;
mod filters;
mod linked;
mod links;
mod misc;
mod order;
mod support;
mod units;
mod versions;

use support::{backends, tenant};

/// One `#[tokio::test]` per case, running it on every backend in turn.
macro_rules! contract {
    ($($module:ident :: $case:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            for backend in backends().await {
                eprintln!("{} on {}", stringify!($case), backend.name);
                $module::$case(&*backend.store, &tenant()).await;
                backend.cleanup();
            }
        }
    )*};
}

contract! {
    crud::create_get_replace_delete,
    crud::create_rejects_taken_ids_and_unique_properties,
    crud::replace_keeps_own_unique_values_and_checks_others,
    crud::get_many_skips_missing,
    crud::unusual_ids_and_documents_round_trip,
    crud::reads_racing_writes_settle_on_the_last_write,
    misc::tenants_are_isolated,
    misc::tenant_records_and_emptiness,
    misc::verified_domains_belong_to_one_tenant,
    misc::issuer_base_is_recorded_once,
    misc::clear_tenant_removes_everything_of_the_tenant_only,
    misc::secrets,
    misc::signing_keys,
    misc::health,
    links::links_and_scopes,
    links::link_errors,
    links::links_of_a_relation,
    links::delete_cascades_links_and_secrets,
    linked::linked_reads_a_page_at_once,
    linked::linked_from_answers_has_link_for_many,
    filters::comparisons,
    filters::nulls_and_ne,
    filters::string_functions,
    filters::in_lists,
    filters::logic,
    filters::any_all,
    filters::injection_is_an_exact_string,
    order::orderby_multi_key,
    order::paging_and_count,
    order::scoped_filters,
    delta::sequences_and_deletions,
    delta::membership_changes_mark_the_class,
    delta::one_unit_marks_a_class_once,
    delta::paging_through_changes,
    bulk::bulk_load_then_query,
    bulk::bulk_load_is_all_or_nothing,
    bulk::bulk_load_batches_loads_every_batch,
    bulk::bulk_load_batches_is_all_or_nothing,
    units::updates_compare_and_swap_the_version,
    units::racing_read_merge_writes_all_land,
    units::a_failed_unit_of_work_leaves_nothing,
    units::documents_come_back_as_written,
    containment::children_live_under_their_container,
    containment::children_need_an_existing_container,
    containment::deleting_a_container_deletes_everything_under_it,
    containment::a_cascade_is_one_transaction,
    containment::delta_of_one_container,
}

#[tokio::test]
async fn both_backends_reach_the_same_migration_version() {
    support::check_migration_versions().await;
}

#[tokio::test]
async fn open_chooses_the_backend_from_the_scheme() {
    // An unknown scheme is refused without echoing the URL, which may hold a password.
    let err = edugraph_store::open("mysql://admin:hunter2@db/edu")
        .await
        .err()
        .expect("refused");
    let msg = err.to_string();
    assert!(msg.contains("mysql") && !msg.contains("hunter2"), "{msg}");
    assert!(edugraph_store::open("").await.is_err());

    // A file URL creates missing folders and the file, and reopening keeps the data.
    let dir = std::env::temp_dir().join(format!("edugraph-open-{}", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", dir.join("nested/store.db").display());
    let store = edugraph_store::open(&url).await.unwrap();
    let doc = serde_json::json!({"id": "s1", "displayName": "kept"});
    store
        .create("t", edugraph_store::EntityKind::School, &doc)
        .await
        .unwrap();
    drop(store);
    let again = edugraph_store::open(&url).await.unwrap();
    assert!(again
        .get("t", edugraph_store::EntityKind::School, "s1")
        .await
        .unwrap()
        .is_some());
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);

    // Each in-memory store is a database of its own.
    let a = edugraph_store::open("sqlite::memory:").await.unwrap();
    let b = edugraph_store::open("sqlite::memory:").await.unwrap();
    a.create("t", edugraph_store::EntityKind::School, &doc)
        .await
        .unwrap();
    assert!(b
        .get("t", edugraph_store::EntityKind::School, "s1")
        .await
        .unwrap()
        .is_none());
}
