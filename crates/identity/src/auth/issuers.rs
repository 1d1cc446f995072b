//! The issuer of a tenant's tokens (`iss` is `{issuer base}/{tenant}/v2.0`) is a recorded
//! fact of the tenant (`tenants.issuer_base`), not something each process works out from
//! its own address: `edugraph token` and `edugraph serve` on whatever port agree because
//! both read the same record. Every process follows one rule:
//!
//! - with `public_url` configured, that URL is the tenant's issuer base, and it is
//!   recorded (replacing an earlier value: the operator said where the service lives);
//! - without, the recorded base is used; when none was ever recorded, the process records
//!   its own origin (`Config::issuer_base`: the listen address, `https` with TLS), and the
//!   first process to do so wins.
//!
//! `serve` applies the rule to every tenant at startup; minting and verification apply it
//! to their tenant when they first meet it. A running server caches each tenant's base for
//! its lifetime ([`IssuerCache`] in the application state), so the hot path never asks
//! the store; the cache holds only tenants that exist, so it stays as small as their
//! number.

use std::collections::HashMap;
use std::sync::RwLock;

use edugraph_store::{Store, StoreError};

use crate::AppState;
use edugraph_platform::config::Config;

/// Issuer base per tenant met, which also says the tenant exists.
#[derive(Debug, Default)]
pub struct IssuerCache(RwLock<HashMap<String, String>>);

impl IssuerCache {
    fn get(&self, tenant: &str) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(tenant)
            .cloned()
    }

    fn insert(&self, tenant: &str, base: String) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tenant.to_string(), base);
    }
}

/// Applies the rule to one tenant and returns its issuer base, or `None` when there is no
/// such tenant.
pub async fn record(
    store: &dyn Store,
    config: &Config,
    tenant: &str,
) -> Result<Option<String>, StoreError> {
    match &config.public_url {
        Some(url) => {
            store
                .record_issuer_base(tenant, url.trim_end_matches('/'), true)
                .await
        }
        None => {
            store
                .record_issuer_base(tenant, &config.issuer_base(), false)
                .await
        }
    }
}

/// The issuer base of a tenant for a running server (cached), or `None` when there is no
/// such tenant.
pub async fn of_tenant(state: &AppState, tenant: &str) -> Result<Option<String>, StoreError> {
    let cache = state.issuers();
    if let Some(base) = cache.get(tenant) {
        return Ok(Some(base));
    }
    let base = record(state.store(), state.config(), tenant).await?;
    if let Some(base) = &base {
        cache.insert(tenant, base.clone());
    }
    Ok(base)
}

/// `serve` at startup: applies the rule to every tenant and returns `(tenant, issuer
/// base)` for the log.
pub async fn record_all(state: &AppState) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    for tenant in state.store().tenants().await? {
        if let Some(base) = of_tenant(state, &tenant.id).await? {
            out.push((tenant.id, base));
        }
    }
    Ok(out)
}
