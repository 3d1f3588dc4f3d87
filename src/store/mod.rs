//! Where the data lives, and nothing more: the baseline, the journal's lines read from a
//! position, one append under the store's lock, change detection, and presence.
//!
//! A store is about bytes and events. Replaying the journal into a state and the derived-state
//! cache sit above it (`crate::live`) and serve every store alike. File identities, byte
//! offsets, journal generations and file names live in the data directory store (`dir`) only;
//! `pg` keeps one rollout in PostgreSQL for several hosts; `memory` is used by tests.

pub mod blocks;
pub mod dir;
pub mod journal;
pub mod line;
pub mod memory;
pub mod operator;
pub mod parse;
pub mod pg;
mod presence;
pub mod sample;
pub mod scan;
pub mod signer;
pub mod trust;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Catalog, Entry, Fleet, JournalIndex, RolloutPlan, Team};

pub use dir::FileStore;
pub use dir::lock::LockError;
pub use journal::{Start, Torn};
pub use memory::MemoryStore;
pub use operator::Operator;
pub use parse::Located;
pub use presence::{Look, Presence};

pub const CATALOG: &str = "catalog.ron";
pub const FLEET: &str = "fleet.ron";
pub const ROLLOUT: &str = "rollout.ron";
pub const JOURNAL: &str = "journal.ron";
pub const TEAM: &str = "team.ron";

/// The small part of the baseline, read on every load (a few kilobytes): the catalog, the
/// rollout plans and the team, and a key that changes whenever any baseline part changes
/// (the fleet included), so the derived-state cache can be keyed by it.
#[derive(Debug, Clone, Default)]
pub struct Plans {
    pub catalog: Catalog,
    pub plan: RolloutPlan,
    pub team: Option<Team>,
    /// Empty when the store cannot vouch for the baseline by identity now (a data directory's
    /// fleet changed within a minute): no cache is then taken by key, only by content.
    pub key: String,
    /// `key` without the fleet's identity, for a store whose key changes when the fleet file is
    /// touched although its content did not change (`Store::fleet_digest`); empty otherwise.
    pub key_but_fleet: String,
}

/// The baseline's texts, for locating a problem that `sprout check` finds in them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub catalog: String,
    pub fleet: String,
    pub rollout: String,
    /// Empty when there is no team.
    pub team: String,
}

/// A cheap identity of everything a store holds: equal stamps mean nothing changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamp {
    pub baseline: String,
    pub journal: String,
}

/// A store's word for "the journal as it was read": compared and kept in the cache, never
/// looked into above the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark(pub String);

/// Where a read of the journal stopped.
#[derive(Debug, Clone)]
pub struct Read {
    /// Where the whole lines end: the next read starts here.
    pub end: Start,
    /// A torn last line (a crash mid-append), not applied.
    pub torn: Option<Torn>,
    /// The journal as read, for the next tail read.
    pub mark: Mark,
    /// The journal part of the store's `Stamp` as read.
    pub stamp: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The store cannot vouch that the journal only grew by appends since the mark: read it all.
    Stale,
    /// Lines were appended that the head does not vouch for yet (a writer between its append
    /// and its head, or lines put there by hand): look again when the head changes, and read
    /// it all if none comes to vouch for them.
    Unvouched,
    /// Damage or an unreadable journal, located for the operator.
    Broken(String),
}

/// Where an appended line landed.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The line's position (the file store: its byte offset) and where the journal now ends.
    pub start: u64,
    pub end: u64,
    pub mark: Mark,
    pub stamp: String,
    /// The first append after the journal was changed by something other than sprout's write
    /// path: a good moment to write the derived-state cache.
    pub fresh: bool,
}

/// A write that the store itself could not make; nothing was recorded.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("{path}: {action} failed: {source}; nothing was recorded")]
    Io { path: String, action: &'static str, source: std::io::Error },
    /// The database refused or could not be reached (its message already names the place).
    #[error("{message}; nothing was recorded")]
    Database { place: String, message: String },
    /// The connection broke while the database was committing: it may or may not have.
    #[error(
        "{message}: the connection broke during the commit, so whether the event was recorded is unknown; look at the journal (`sprout journal`) before recording it again"
    )]
    CommitUnknown { place: String, message: String },
}

/// What changed in a store, as its notifications tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The journal or the baseline.
    Data,
    /// Someone's presence (a join, a leave, a follower's driver moved).
    Presence,
}

/// A store's notifications run while this is kept; dropping it stops them.
pub type Watching = Box<dyn std::any::Any + Send>;

/// What `Store::holds` says when the journal's lines up to `read` are not the ones read.
pub fn changed_in_place(store: &(impl Store + ?Sized), read: &Start) -> String {
    format!(
        "{}: the journal's first {} events are not the ones read (the last one's sum differs): it was \
         changed in place; run `sprout verify` and restore journal.ron from backup",
        store.locate(JOURNAL, &[]),
        read.seq
    )
}

/// A data store: what sprout needs from the place its data lives.
pub trait Store: fmt::Debug + Send + Sync {
    /// Where the data lives, as the header and messages show it.
    fn place(&self) -> String;
    /// A cheap identity of the baseline and the journal: anything changed if it differs.
    fn stamp(&self) -> Stamp;
    /// Catalog, rollout plans and team, parsed, with the baseline key.
    fn plans(&self) -> Result<Plans, Vec<String>>;
    /// The fleet inventory, parsed (the big part of the baseline, read only without a cache).
    fn fleet(&self) -> Result<Fleet, Vec<String>>;
    /// `fleet`, and a digest of the very bytes it was parsed from when the store keeps one
    /// (`fleet_digest`).
    fn fleet_and_digest(&self) -> Result<(Fleet, Option<String>), Vec<String>> {
        self.fleet().map(|f| (f, None))
    }
    /// A digest of the fleet's content now (a data directory: BLAKE3 of `fleet.ron`), so a
    /// derived-state cache whose fleet identity no longer matches (a touch, a checkout of the
    /// same content) can still be proved current; `None` when the store has none.
    fn fleet_digest(&self) -> Option<String> {
        None
    }
    /// Whether the fleet's content now has `digest` (one `fleet_and_digest` gave): a store may
    /// answer no without hashing (a data directory: the length is part of its digest).
    fn fleet_matches(&self, digest: &str) -> bool {
        self.fleet_digest().as_deref() == Some(digest)
    }
    /// The baseline's texts, for `check`.
    fn sources(&self) -> Sources;
    /// Where in the baseline or journal something is, as a message prefix: `file`, `file:line`
    /// or `file:line:col` for `at` of no, one or two numbers.
    fn locate(&self, file: &str, at: &[usize]) -> String;
    /// Journal entries after `since` (the whole journal when `None`), each checked against its
    /// sum and the line before, with its line's position, where it ends and its line number.
    /// A tail read is refused (`Stale`) unless the store vouches that only sprout's write path
    /// appended since `mark`.
    fn read(
        &self,
        since: Option<(&Mark, &Start)>,
        each: &mut dyn FnMut(Entry, u64, u64, usize),
    ) -> Result<Read, ReadError>;
    /// Where the journal's positions end now (a data directory: its length in bytes), so a
    /// reader can say how far through `read` it is. Only progress is shown with it; 0 when the
    /// store cannot tell cheaply.
    fn journal_extent(&self) -> u64 {
        0
    }
    /// Whether `fleet` may be called on another thread while `read` hands on events (a data
    /// directory: two files, no lock between them), so a full load parses the fleet while the
    /// journal's first lines are decoded. A store whose `read` holds a lock `fleet` needs says no.
    fn fleet_beside_read(&self) -> bool {
        false
    }
    /// Whether the journal's lines up to `read` (where a read of it stood) are still the ones
    /// that read found: each line's own sum and its link to the one before checked again, the
    /// last one's sum `read.sum`. A file's identity can stay as it was through an edit (written
    /// through a shared mapping), so a running state asks now and then (`live::audit`); `Err`
    /// says what differs, and where. By default the whole journal is read again.
    fn holds(&self, read: &Start) -> Result<(), String> {
        let mut found = None;
        match self.read(None, &mut |e, _, _, _| {
            if e.seq == read.seq {
                found = Some(e.sum);
            }
        }) {
            Ok(_) => {}
            Err(ReadError::Broken(e)) => return Err(e),
            Err(e) => {
                return Err(format!("{}: the journal could not be read again ({e:?})", self.locate(JOURNAL, &[])));
            }
        }
        if read.seq == 0 || found.as_deref() == Some(read.sum.as_str()) {
            Ok(())
        } else {
            Err(changed_in_place(self, read))
        }
    }
    /// `read` from `start` on, when the lines up to it are proved to be the ones a read found
    /// there (`holds`), whatever else the store would want to vouch for a tail read (a journal
    /// touched, or a new generation after a writer found it changed by something else): the
    /// proof reads the chain, not the events, and the state need not be read again. `Stale`
    /// when the proof fails or the store cannot give one (the caller loads in full).
    fn read_proven(&self, _start: &Start, _each: &mut dyn FnMut(Entry, u64, u64, usize)) -> Result<Read, ReadError> {
        Err(ReadError::Stale)
    }
    /// The events at `positions` (journal order), read again and checked.
    fn read_at(&self, index: &JournalIndex, positions: &[usize]) -> Result<Vec<Entry>, String>;
    /// The journal is still exactly as `mark` describes.
    fn is_current(&self, mark: &Mark) -> bool;
    /// Take the store's write lock, telling `on_wait` once who holds it if it must wait.
    fn lock(
        &self,
        who: &str,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Box<dyn Locked + '_>, StoreError>;
    /// The derived-state cache's bytes, if the store keeps one.
    fn cache(&self) -> Option<Vec<u8>>;
    /// The derived-state cache to read from in parts (a file store keeps the file open: one
    /// rewritten meanwhile is a new file, and this one still reads the old); by default its
    /// bytes read at once.
    fn cache_reader(&self) -> Option<std::sync::Arc<dyn CacheRead>> {
        self.cache().map(|bytes| std::sync::Arc::new(bytes) as std::sync::Arc<dyn CacheRead>)
    }
    /// Keep the derived-state cache (best effort: a store may decline).
    fn save_cache(&self, bytes: &[u8]);
    /// Keep the derived-state cache `write` writes, as `save_cache` does, streamed: at 100,000
    /// servers it is tens of megabytes, never to be held whole in memory beside the state it is
    /// written from. Nothing is kept when `write` fails. By default collected, then saved.
    fn save_cache_with(&self, write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>) {
        let mut bytes = Vec::new();
        if write(&mut bytes).is_ok() {
            self.save_cache(&bytes);
        }
    }
    /// Let go of the derived-state cache: the next load reads everything (an empty cache is
    /// none: no magic, no key).
    fn drop_cache(&self) {
        self.save_cache(&[]);
    }
    /// A smaller result kept beside the derived-state cache, by its name (`check`: the
    /// header's problem count); `None` when the store keeps none.
    fn cache_part(&self, _part: &'static str) -> Option<Vec<u8>> {
        None
    }
    /// Keep a part beside the derived-state cache (best effort, like `save_cache`).
    fn save_cache_part(&self, _part: &'static str, _bytes: &[u8]) {}
    /// Announce or refresh a presence (apart from the journal; allowed when read-only).
    fn announce(&self, presence: &Presence) -> Result<(), String>;
    /// Everyone present now, stale announcements left out.
    fn present(&self, now: DateTime<Utc>) -> Vec<Presence>;
    /// The same, and whether the store looked at every announcement (a flood of them is read
    /// only so far): when it did not, nobody may be taken to have left.
    fn present_complete(&self, now: DateTime<Utc>) -> (Vec<Presence>, bool) {
        (self.present(now), true)
    }
    /// Call `on_change` when the data or a presence changes, soon after (file-system
    /// notifications, a database's LISTEN); `None` when the store cannot tell, and the caller
    /// polls `stamp` and `present` instead. Notifications may be late or lost on some file
    /// systems (NFS): callers keep polling slowly as well.
    fn watch(&self, _on_change: Box<dyn Fn(Changed) + Send + Sync>) -> Option<Watching> {
        None
    }
    /// Remove a session's presence (on exit).
    fn withdraw(&self, session: &str);
    /// Who records through this store: the OS account (`os`) for a data directory; a database
    /// records the role it authenticated (`session_user`), whatever the process's account.
    fn operator(&self, os: &Operator) -> Operator {
        os.clone()
    }
}

/// A store held under its write lock; dropping it releases the lock.
pub trait Locked {
    /// The time to stamp the write with, if the store keeps one (a database: the writing
    /// transaction's `now()`, so hosts with skewed clocks agree); `None`: this host's clock.
    fn clock(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(None)
    }
    /// Move a torn last line out of the journal (kept aside, never lost); returns the warning.
    fn set_aside(&mut self, torn: &Torn) -> Result<String, StoreError>;
    /// Replace the fleet baseline durably (an import); the caller appends the event that
    /// records it right after, under the same lock.
    fn replace_fleet(&mut self, text: &str) -> Result<(), StoreError>;
    /// Append one encoded line durably (returns after it is on disk); `seen` is the journal
    /// the line was checked against.
    fn append(&mut self, line: &str, seen: &Mark) -> Result<Appended, StoreError>;
}

/// The derived-state cache, read in parts.
pub trait CacheRead: Send + Sync {
    /// `len` bytes at `at`; `None` when they are not all there.
    fn read_at(&self, at: u64, len: usize) -> Option<std::borrow::Cow<'_, [u8]>>;
    /// How many bytes it holds.
    fn size(&self) -> Option<u64>;
    /// Whether it holds every byte in memory (then a part read later keeps them all).
    fn in_memory(&self) -> bool {
        false
    }
}

impl CacheRead for Vec<u8> {
    fn read_at(&self, at: u64, len: usize) -> Option<std::borrow::Cow<'_, [u8]>> {
        let at = usize::try_from(at).ok()?;
        self.get(at..at.checked_add(len)?).map(std::borrow::Cow::Borrowed)
    }

    fn size(&self) -> Option<u64> {
        Some(self.len() as u64)
    }

    fn in_memory(&self) -> bool {
        true
    }
}

impl CacheRead for std::fs::File {
    fn read_at(&self, at: u64, len: usize) -> Option<std::borrow::Cow<'_, [u8]>> {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0; len];
        self.read_exact_at(&mut bytes, at).ok()?;
        Some(std::borrow::Cow::Owned(bytes))
    }

    fn size(&self) -> Option<u64> {
        self.metadata().ok().map(|m| m.len())
    }
}
