//! Choosing the backend, once, from the database URL.

use crate::conflict::other;
use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::{Result, Store};
use std::sync::Arc;

/// Opens the store named by `url` and brings its schema up to date:
///
/// - `sqlite://path/to/file.db` (also `sqlite:path`): an embedded database file, created
///   if missing (with its folder), in WAL mode;
/// - `sqlite::memory:`: an in-memory database that lives as long as the store;
/// - `postgres://...` or `postgresql://...`: a PostgreSQL database.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        // Only the scheme: the rest of a URL may hold a password.
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        Err(other(format!(
            "unsupported database URL scheme {scheme:?}: use sqlite://FILE, sqlite::memory: or postgres://..."
        )))
    }
}
