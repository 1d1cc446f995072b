//! A bounded in-process cache of entity documents, in front of SQLite's get-by-id.
//!
//! Why: a point read through sqlx-sqlite costs tens of microseconds of CPU (a hop to the
//! connection's worker thread and back), more than the rest of a GET request. SQLite is
//! embedded, so this process is the only writer of entities and can keep the cache
//! exact: every entity write updates or drops its entry after committing.
//!
//! Readers that miss fill the cache only if no write touched the shard since they looked
//! (a generation count per shard), so a slow reader can never put back a document that
//! a write replaced meanwhile. Entries carry the entity's version with its document:
//! an update's compare-and-swap names the version a read returned, so a stale entry would
//! make every retry lose.

use crate::EntityKind;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard};

const SHARDS: usize = 16;

pub(crate) struct DocCache {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    /// Bytes of document text each shard may hold.
    shard_budget: usize,
}

#[derive(Default)]
struct Shard {
    map: HashMap<u64, Entry>,
    bytes: usize,
    generation: u64,
}

struct Entry {
    tenant: Box<str>,
    kind: EntityKind,
    id: Box<str>,
    json: Box<str>,
    version: i64,
}

impl Entry {
    fn new(tenant: &str, kind: EntityKind, id: &str, json: &str, version: i64) -> Self {
        Entry {
            tenant: tenant.into(),
            kind,
            id: id.into(),
            json: json.into(),
            version,
        }
    }

    fn is(&self, tenant: &str, kind: EntityKind, id: &str) -> bool {
        self.kind == kind && &*self.id == id && &*self.tenant == tenant
    }
}

/// What a reader that missed must show to fill the cache.
#[derive(Debug)]
pub(crate) struct Ticket {
    key: u64,
    generation: u64,
}

impl DocCache {
    pub(crate) fn new(budget_bytes: usize) -> Self {
        DocCache {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            shard_budget: budget_bytes / SHARDS,
        }
    }

    fn key(&self, tenant: &str, kind: EntityKind, id: &str) -> u64 {
        self.hasher.hash_one((tenant, kind, id))
    }

    fn shard(&self, key: u64) -> MutexGuard<'_, Shard> {
        // A panic while holding the lock cannot leave a shard inconsistent in a way that
        // matters (at worst a stale byte count), so a poisoned lock is simply reused.
        self.shards[(key % SHARDS as u64) as usize]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The cached document and version, or a ticket for filling the cache after reading
    /// the database.
    pub(crate) fn get(
        &self,
        tenant: &str,
        kind: EntityKind,
        id: &str,
    ) -> Result<(String, i64), Ticket> {
        let key = self.key(tenant, kind, id);
        let shard = self.shard(key);
        match shard.map.get(&key) {
            Some(e) if e.is(tenant, kind, id) => Ok((e.json.to_string(), e.version)),
            _ => Err(Ticket {
                key,
                generation: shard.generation,
            }),
        }
    }

    /// Caches what a reader found, unless a write touched the shard since its ticket.
    pub(crate) fn fill(
        &self,
        ticket: Ticket,
        tenant: &str,
        kind: EntityKind,
        id: &str,
        json: &str,
        version: i64,
    ) {
        let mut shard = self.shard(ticket.key);
        if shard.generation == ticket.generation {
            let entry = Entry::new(tenant, kind, id, json, version);
            self.insert(&mut shard, ticket.key, entry);
        }
    }

    /// A write committed this document.
    pub(crate) fn put(&self, tenant: &str, kind: EntityKind, id: &str, json: &str, version: i64) {
        let key = self.key(tenant, kind, id);
        let mut shard = self.shard(key);
        shard.generation += 1;
        self.insert(&mut shard, key, Entry::new(tenant, kind, id, json, version));
    }

    /// A write deleted the entity, or may have changed it.
    pub(crate) fn invalidate(&self, tenant: &str, kind: EntityKind, id: &str) {
        let key = self.key(tenant, kind, id);
        let mut shard = self.shard(key);
        shard.generation += 1;
        remove(&mut shard, key);
    }

    /// A bulk write: forget everything.
    pub(crate) fn clear(&self) {
        for i in 0..SHARDS {
            let mut shard = self.shards[i].lock().unwrap_or_else(|e| e.into_inner());
            shard.generation += 1;
            shard.map.clear();
            shard.bytes = 0;
        }
    }

    fn insert(&self, shard: &mut Shard, key: u64, entry: Entry) {
        remove(shard, key);
        let size = entry.json.len();
        if size > self.shard_budget {
            return;
        }
        // Evict until the newcomer fits. Hash order is as good as random here.
        while shard.bytes + size > self.shard_budget {
            let Some(&victim) = shard.map.keys().next() else {
                break;
            };
            remove(shard, victim);
        }
        shard.bytes += size;
        shard.map.insert(key, entry);
    }
}

fn remove(shard: &mut Shard, key: u64) {
    if let Some(old) = shard.map.remove(&key) {
        shard.bytes -= old.json.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: EntityKind = EntityKind::User;

    #[test]
    fn miss_fill_hit() {
        let c = DocCache::new(1 << 20);
        let ticket = c.get("t", U, "a").unwrap_err();
        c.fill(ticket, "t", U, "a", "{\"id\":\"a\"}", 3);
        assert_eq!(c.get("t", U, "a").unwrap(), ("{\"id\":\"a\"}".into(), 3));
        // Tenant and kind are part of the key.
        assert!(c.get("t2", U, "a").is_err());
        assert!(c.get("t", EntityKind::Class, "a").is_err());
    }

    #[test]
    fn a_write_between_miss_and_fill_wins() {
        let c = DocCache::new(1 << 20);
        let ticket = c.get("t", U, "a").unwrap_err();
        c.put("t", U, "a", "new", 1);
        c.fill(ticket, "t", U, "a", "old", 1);
        assert_eq!(c.get("t", U, "a").unwrap(), ("new".into(), 1));

        let ticket = c.get("t", U, "b").unwrap_err();
        c.invalidate("t", U, "b");
        c.fill(ticket, "t", U, "b", "stale", 1);
        assert!(c.get("t", U, "b").is_err());

        let ticket = c.get("t", U, "c").unwrap_err();
        c.clear();
        c.fill(ticket, "t", U, "c", "stale", 1);
        assert!(c.get("t", U, "c").is_err());
    }

    #[test]
    fn invalidate_and_clear_forget() {
        let c = DocCache::new(1 << 20);
        c.put("t", U, "a", "1", 1);
        c.put("t", U, "b", "2", 1);
        c.invalidate("t", U, "a");
        assert!(c.get("t", U, "a").is_err());
        assert_eq!(c.get("t", U, "b").unwrap().0, "2");
        c.clear();
        assert!(c.get("t", U, "b").is_err());
    }

    #[test]
    fn stays_within_its_budget() {
        let c = DocCache::new(SHARDS * 100);
        for i in 0..1000 {
            c.put("t", U, &i.to_string(), &"x".repeat(30), 1);
        }
        for shard in &c.shards {
            let s = shard.lock().unwrap();
            assert!(s.bytes <= 100);
            assert_eq!(s.bytes, s.map.values().map(|e| e.json.len()).sum::<usize>());
        }
        // Too big for any shard: not cached at all.
        c.put("t", U, "big", &"x".repeat(101), 1);
        assert!(c.get("t", U, "big").is_err());
        // The latest write is always readable (when it fits).
        c.put("t", U, "last", "y", 1);
        assert_eq!(c.get("t", U, "last").unwrap().0, "y");
    }
}
