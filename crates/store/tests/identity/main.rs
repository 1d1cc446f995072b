//! The identity half of the store contract (`IdentityStore`): apps and secrets, consent
//! grants, user consents, single-use codes and refresh-token families, the audit log and key retirement. Runs on
//! the same backends as the entity contract (SQLite in memory and in a file, PostgreSQL
//! when `EDUGRAPH_TEST_PG_URL` is set), with the same harness.

#[allow(dead_code)]
#[path = "../contract/support.rs"]
mod support;

mod apps;
mod audit;
mod tokens;

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
    apps::apps_register_once_and_list_by_tenant,
    apps::secrets_are_added_listed_and_revoked,
    apps::grants_are_per_tenant_and_replaced,
    tokens::auth_codes_work_once,
    tokens::concurrent_takes_hand_out_a_code_once,
    tokens::refresh_tokens_rotate_and_revoke_per_user,
    tokens::expired_refresh_tokens_are_purged,
    tokens::reuse_of_a_spent_token_can_revoke_its_family,
    tokens::user_consents_are_per_tenant_user_and_app,
    audit::audit_appends_in_order_and_filters_by_tenant,
    audit::signing_keys_retire_once,
}
