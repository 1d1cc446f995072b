//! The one application state shared by every handler: configuration, the store, the
//! clock, the token keys, the recorded tenant issuers, the account-state cache of
//! delegated callers and the bound on password hashing. Cloned per request (an `Arc`
//! inside).

use std::sync::Arc;

use edugraph_edu::Clock;
use edugraph_store::Store;

use crate::auth::accounts::Accounts;
use crate::auth::issuers::IssuerCache;
use crate::auth::password::Hashing;
use crate::auth::Keys;
use edugraph_platform::config::Config;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    /// Each tenant's token issuer, as recorded in the store (`auth::issuers`).
    pub issuers: IssuerCache,
    /// Delegated callers' account state (enabled, present), briefly cached; per
    /// server state (not in `Keys`, which tests share between servers).
    pub accounts: Accounts,
    /// The one bound on Argon2 work in this process.
    pub hashing: Hashing,
}

impl AppState {
    pub fn new(config: Config, store: Arc<dyn Store>, clock: Arc<dyn Clock>, keys: Keys) -> Self {
        let hashing = Hashing::from_config(&config);
        Self(Arc::new(Inner {
            hashing,
            config,
            store,
            clock,
            keys,
            issuers: IssuerCache::default(),
            accounts: Accounts::default(),
        }))
    }
    pub fn config(&self) -> &Config {
        &self.0.config
    }
    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }
    pub fn store_arc(&self) -> Arc<dyn Store> {
        self.0.store.clone()
    }
    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }
    pub fn keys(&self) -> &Keys {
        &self.0.keys
    }
    pub fn issuers(&self) -> &IssuerCache {
        &self.0.issuers
    }
    pub fn accounts(&self) -> &Accounts {
        &self.0.accounts
    }
    pub fn hashing(&self) -> &Hashing {
        &self.0.hashing
    }
}
