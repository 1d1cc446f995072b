//! The identity store on SQLite: the shared implementation (`identity::store_impl`).
//! Writes take this process's writer turn like every other SQLite write, which also orders
//! audit appends; the single-use takes are one statement each, so each is handed out at
//! most once even across processes.

use super::{SqliteStore, Write};
use crate::identity::store_impl::identity_store_impl;
use crate::Result;

impl SqliteStore {
    async fn audit_write(&self) -> Result<Write<'_>> {
        self.write().await
    }
}

identity_store_impl!(SqliteStore);
