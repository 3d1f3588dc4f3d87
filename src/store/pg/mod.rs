//! The PostgreSQL store: one rollout that several admin hosts record into and watch live.
//! `--data postgres://...` selects it. Split by idea: `conn` (connecting), `schema` (tables,
//! triggers, grants, migrations), `read` (baseline and journal), `locked` (the locked append),
//! `notify` (LISTEN/NOTIFY), `presence`, `transfer` (import from and export to a directory).
//!
//! The operator recorded is the database role (`session_user`) and the time the server's
//! (`now()` of the writing transaction): the journal's insert trigger refuses anything else.

pub mod conn;
mod locked;
mod notify;
mod presence;
mod read;
pub mod schema;
pub mod transfer;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{Entry, Fleet, JournalIndex};

use super::journal::Start;
use super::{
    Changed, Locked, Mark, Operator, Plans, Presence, Read, ReadError, Sources, Stamp, Store, StoreError, Watching,
};

pub use conn::is_url;

/// A database holding a rollout.
#[derive(Debug)]
pub struct PgStore {
    /// As given (the password too, to connect); `place` is what messages show.
    url: String,
    place: String,
    /// Reads, presence and the role's name.
    reader: conn::Conn,
    /// The writers' lock and the append's transaction, apart so reads under the lock go on.
    writer: conn::Conn,
    /// The database's identity (`meta.id`), fixed at migration.
    id: OnceLock<String>,
    /// The authenticated role (`session_user`), once asked.
    role: OnceLock<String>,
}

impl PgStore {
    /// A store on `url`; nothing is connected until it is first used.
    pub fn new(url: &str) -> PgStore {
        PgStore {
            url: url.to_string(),
            place: conn::redact(url),
            reader: conn::Conn::new(url),
            writer: conn::Conn::new(url),
            id: OnceLock::new(),
            role: OnceLock::new(),
        }
    }

    pub fn open(url: &str) -> Arc<dyn Store> {
        Arc::new(PgStore::new(url))
    }

    /// The database's identity, checking once that its schema is the one this sprout knows.
    fn id(&self) -> Result<String, String> {
        if let Some(id) = self.id.get() {
            return Ok(id.clone());
        }
        let (version, id) = self.reader.with(|c| {
            let version = schema::version(c)?;
            let id = if version > 0 { c.query_one("SELECT id::text FROM meta", &[])?.get(0) } else { String::new() };
            Ok((version, id))
        })?;
        if version == 0 {
            return Err(format!(
                "{}: no sprout schema here: run `sprout db migrate {}` as the tables' owner",
                self.place, self.place
            ));
        }
        if version != schema::latest() {
            return Err(format!(
                "{}: the schema is at version {version}, this sprout needs {}: run `sprout db migrate` with the newer sprout",
                self.place,
                schema::latest()
            ));
        }
        Ok(self.id.get_or_init(|| id).clone())
    }

    /// Where this database's derived-state cache is kept: in the running user's own cache
    /// directory, named by the URL (no password) and the database's identity, like a data
    /// directory's. A tail read from it checks that the event it starts after is unchanged.
    pub fn cache_path(&self) -> Option<std::path::PathBuf> {
        let id = self.id().ok()?;
        let base = dirs::cache_dir()?.join("sprout");
        let mut h = blake3::Hasher::new();
        h.update(self.place.as_bytes());
        h.update(b"|");
        h.update(id.as_bytes());
        Some(base.join(format!("pg-{}.cache", &h.finalize().to_hex()[..32])))
    }

    fn locate_at(&self, file: &str, at: &[usize]) -> String {
        let at: String = at.iter().map(|n| format!(":{n}")).collect();
        format!("{} {file}{at}", self.place)
    }
}

impl Store for PgStore {
    fn place(&self) -> String {
        self.place.clone()
    }

    fn stamp(&self) -> Stamp {
        self.stamp_now()
    }

    fn plans(&self) -> Result<Plans, Vec<String>> {
        self.id().map_err(|e| vec![e])?;
        self.plans_now()
    }

    fn fleet(&self) -> Result<Fleet, Vec<String>> {
        self.fleet_now()
    }

    fn sources(&self) -> Sources {
        self.sources_now()
    }

    fn locate(&self, file: &str, at: &[usize]) -> String {
        self.locate_at(file, at)
    }

    fn read(
        &self,
        since: Option<(&Mark, &Start)>,
        each: &mut dyn FnMut(Entry, u64, u64, usize),
    ) -> Result<Read, ReadError> {
        self.read_now(since, each)
    }

    fn holds(&self, read: &Start) -> Result<(), String> {
        self.holds_now(read)
    }

    fn journal_extent(&self) -> u64 {
        self.head().map_or(0, |(seq, _)| seq as u64)
    }

    fn read_at(&self, index: &JournalIndex, positions: &[usize]) -> Result<Vec<Entry>, String> {
        self.read_at_now(index, positions)
    }

    fn is_current(&self, seen: &Mark) -> bool {
        match (self.id(), self.head()) {
            (Ok(id), Ok((seq, sum))) => *seen == read::mark(&id, seq, &sum),
            _ => false,
        }
    }

    fn lock(
        &self,
        _who: &str,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Box<dyn Locked + '_>, StoreError> {
        self.id().map_err(|message| StoreError::Database { place: self.place.clone(), message })?;
        self.lock_now(timeout, on_wait)
    }

    fn cache(&self) -> Option<Vec<u8>> {
        super::dir::files::read_own(&self.cache_path()?)
    }

    fn cache_reader(&self) -> Option<std::sync::Arc<dyn crate::store::CacheRead>> {
        Some(std::sync::Arc::new(super::dir::files::open_own(&self.cache_path()?)?))
    }

    fn save_cache(&self, bytes: &[u8]) {
        if let Some(path) = self.cache_path() {
            super::dir::files::save_own(&path, bytes);
        }
    }

    fn save_cache_with(&self, write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>) {
        if let Some(path) = self.cache_path() {
            super::dir::files::save_own_with(&path, write);
        }
    }

    fn operator(&self, os: &Operator) -> Operator {
        let role = match self.role.get() {
            Some(r) => Some(r.clone()),
            None => self
                .reader
                .with(|c| c.query_one("SELECT session_user::text", &[]).map(|r| r.get::<_, String>(0)))
                .ok()
                .map(|r| self.role.get_or_init(|| r).clone()),
        };
        // Unknown while the database is unreachable: the write is refused then anyway.
        Operator { name: role.unwrap_or_else(|| os.name.clone()), from: os.from.clone() }
    }

    fn announce(&self, presence: &Presence) -> Result<(), String> {
        self.announce_now(presence)
    }

    fn present(&self, now: DateTime<Utc>) -> Vec<Presence> {
        self.present_now(now).0
    }

    fn present_complete(&self, now: DateTime<Utc>) -> (Vec<Presence>, bool) {
        self.present_now(now)
    }

    fn watch(&self, on_change: Box<dyn Fn(Changed) + Send + Sync>) -> Option<Watching> {
        notify::watch(&self.url, on_change)
    }

    fn withdraw(&self, session: &str) {
        self.withdraw_now(session);
    }
}
