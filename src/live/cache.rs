//! The derived-state cache: the replayed state, the journal index and the fleet's roles,
//! keyed by the store's baseline key and journal mark, kept by the store as bytes.
//!
//! It is used only when every key matches; then only journal lines appended since it was
//! written are read, and only when the store vouches they were appended by sprout's own write
//! path. Anything else is a full load, which rewrites the cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::model::Role;
use crate::store::{CacheRead, Mark, Plans, Stamp, Store};

use super::parts;
use super::{Loaded, Source};

/// A load that had to read more journal lines than this after the cache rewrites it.
pub const REWRITE_AFTER: usize = 2000;
const MAGIC: &[u8; 16] = b"sprout-cache-v9\n";
/// The program that wrote a cache must be this one: state rules may change between versions.
pub(crate) const PROGRAM: &str = concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"), " format 11");

/// What the cache is keyed by, the small parts of the state, and where the chunks are.
#[derive(Serialize, Deserialize)]
struct Header<P> {
    program: String,
    key: String,
    /// The key without the fleet's identity, and the digest of the fleet's bytes the state was
    /// built from: with both equal, a fleet file that was only touched still matches.
    key_but_fleet: String,
    fleet_digest: Option<String>,
    mark: Mark,
    roles: Vec<Role>,
    sites: Vec<crate::model::Site>,
    state: parts::StateHead<P>,
}

/// Where the body starts: right after the magic.
const BODY: u64 = MAGIC.len() as u64;
/// The trailer: the header's length and BLAKE3.
const TRAILER: usize = 8 + 32;

/// Write the cache for `loaded` (best effort: a store may keep none).
/// Layout: magic; the body, every chunk the header lists, each with its own BLAKE3, so a
/// reader takes only those it needs; the header (postcard); the header's length and BLAKE3.
/// The header comes last so the body is streamed to the file as it is encoded: held whole, it
/// was the largest thing in memory at 100,000 servers (67 MB, and 37 more for the file's
/// bytes), beside the state it was written from.
pub fn save(loaded: &Loaded) {
    if loaded.torn.is_some() {
        return;
    }
    let mut written = false;
    loaded.store.save_cache_with(&mut |out| {
        out.write_all(MAGIC)?;
        let mut body = parts::Body::new(out);
        let state = parts::write(&loaded.state, &loaded.data.journal, &mut body);
        if let Some(e) = body.failed() {
            return Err(e);
        }
        // A state read on demand reads the rest of the old cache to write this one.
        let damaged = loaded.state.damaged() || loaded.data.journal.lines.damaged();
        let state = state.filter(|_| !damaged).ok_or_else(|| std::io::Error::other("not written"))?;
        let header = Header {
            program: PROGRAM.to_string(),
            key: loaded.key.clone(),
            key_but_fleet: loaded.key_but_fleet.clone(),
            fleet_digest: loaded.fleet_digest.clone(),
            mark: loaded.mark.clone(),
            roles: loaded.data.fleet.roles.clone(),
            sites: loaded.data.fleet.sites.clone(),
            state,
        };
        let header = postcard::to_stdvec(&header).map_err(std::io::Error::other)?;
        out.write_all(&header)?;
        out.write_all(&(header.len() as u64).to_le_bytes())?;
        out.write_all(blake3::hash(&header).as_bytes())?;
        written = true;
        Ok(())
    });
    // The count's judgement goes with it: the next start from this cache takes it.
    if written {
        super::checked::keep_loaded(loaded);
    }
}

/// A judged cache's header and trailer as read (`judge`), and where in the file they start:
/// the same bytes at the same place, at the file's end, prove a file read later is the one
/// judged (its header holds every chunk's sum).
struct Head {
    bytes: Vec<u8>,
    at: u64,
}

impl Head {
    fn header(&self) -> Option<Header<parts::ProgressHead>> {
        postcard::from_bytes(self.bytes.get(..self.bytes.len().checked_sub(TRAILER)?)?).ok()
    }

    /// `file` ends with these bytes.
    fn ends(&self, file: &dyn CacheRead) -> bool {
        file.size() == self.at.checked_add(self.bytes.len() as u64)
            && file.read_at(self.at, self.bytes.len()).is_some_and(|b| *b == *self.bytes)
    }
}

/// Whether the cache was built from the baseline the store holds: the same key, or (a fleet
/// file touched, or checked out again with the same content) every part but the fleet's
/// identity the same and the fleet's bytes hashing as the ones the state was built from.
/// Hashing the fleet (tens of milliseconds at 100,000 servers) is far cheaper than a replay.
fn same_baseline<P>(store: &Arc<dyn Store>, header: &Header<P>, plans: &Plans) -> bool {
    // An empty key vouches for nothing (`Plans::key`), not even for another empty one.
    if !plans.key.is_empty() && header.key == plans.key {
        return true;
    }
    !plans.key_but_fleet.is_empty()
        && header.key_but_fleet == plans.key_but_fleet
        && header.fleet_digest.as_deref().is_some_and(|digest| store.fleet_matches(digest))
}

/// The cache's header and trailer (`Head`), when the header's sum holds and it was written by
/// this program from the store's baseline; and whether it matched only by the fleet's digest
/// (then it is worth writing again under the new key). Read in place: a cache of another
/// baseline, the usual reason for a full load, is set aside before its tens of megabytes are
/// read.
fn judge(file: &dyn CacheRead, store: &Arc<dyn Store>, plans: &Plans) -> Option<(Head, bool)> {
    if *file.read_at(0, MAGIC.len())? != *MAGIC {
        return None;
    }
    let size = file.size()?;
    let trailer = file.read_at(size.checked_sub(TRAILER as u64)?, TRAILER)?;
    let (len, sum) = trailer.split_first_chunk::<8>()?;
    let len = u64::from_le_bytes(*len);
    let at = size.checked_sub(TRAILER as u64)?.checked_sub(len).filter(|&at| at >= BODY)?;
    let bytes = file.read_at(at, usize::try_from(len).ok()? + TRAILER)?.into_owned();
    let head = Head { at, bytes };
    if blake3::hash(&head.bytes[..head.bytes.len() - TRAILER]).as_bytes() != sum {
        return None;
    }
    let header = head.header()?;
    if header.program != PROGRAM || !same_baseline(store, &header, plans) {
        return None;
    }
    // Written again under a key that vouches; with none (a young fleet) it would be the same.
    let rekeyed = !plans.key.is_empty() && header.key != plans.key;
    Some((head, rekeyed))
}

/// The state from the cache with every chunk read back and checked (the dashboard and every
/// command that reads the whole fleet), brought up to the journal's end by a tail read, and
/// whether the cache is worth writing again (`judge`); `None` when any key or sum differs
/// (then the caller loads in full).
pub fn restore(store: &Arc<dyn Store>, stamp: &Stamp, plans: &Plans) -> Option<(Loaded, bool)> {
    let (head, rekeyed) = judge(&*store.cache_reader()?, store, plans)?;
    // Then the whole file at once (quicker than a read per chunk); it must end with the
    // header judged: another sprout may have put a new cache in its place meanwhile.
    let file: Arc<dyn CacheRead> = Arc::new(store.cache()?);
    if !head.ends(&*file) {
        return None;
    }
    let (mut loaded, damaged) = open(store, file, &head, stamp, plans)?;
    // Each server's history and the levels its installs replaced are wanted one server at a
    // time (its Server view, a back-out): read when wanted from the open file (the one judged,
    // whatever replaces it meanwhile), not kept (8 MB and 100,000 allocations at 100,000
    // servers). A store whose reader holds the bytes in memory decodes them now, as the rest.
    let lazy = store
        .cache_reader()
        .filter(|reader| !reader.in_memory() && head.ends(&**reader))
        .and_then(|reader| per_server_when_wanted(reader, &head));
    if let Some((history, previous_levels)) = &lazy {
        let state = Arc::make_mut(&mut loaded.state);
        (state.history, state.previous_levels) = (history.clone(), previous_levels.clone());
    }
    // The servers' vectors on one thread, the rollouts' members and the journal's lines on this.
    let (state, journal) = (&loaded.state, &loaded.data.journal);
    crate::parallel::join(
        || {
            let _ = (state.servers.as_vec(), state.last_backup.as_vec(), state.last_install.as_vec());
            if lazy.is_none() {
                let _ = (state.previous_levels.as_vec(), state.history.as_vec());
            }
        },
        || {
            let _ = journal.lines.as_vec();
            state.progress.iter().for_each(|p| {
                let _ = p.members.as_vec();
            });
        },
    );
    if damaged.load(Ordering::Relaxed) {
        return None;
    }
    settle(&mut loaded);
    let (loaded, proven) = catch_up_from_cache(loaded, true)?;
    Some((loaded, rekeyed || proven))
}

/// Let go of the cache's bytes once every chunk is decoded.
fn settle(loaded: &mut Loaded) {
    let state = Arc::make_mut(&mut loaded.state);
    state.servers.settle();
    state.history.settle();
    state.last_backup.settle();
    state.last_install.settle();
    state.previous_levels.settle();
    state.progress.iter_mut().for_each(|p| p.members.settle());
    Arc::make_mut(&mut loaded.data).journal.lines.settle();
}

/// The state from the cache with only its small parts read (the header, the sorted names): a
/// chunk is read from the open file when a lookup first wants it. For the write path, which
/// looks at one server; a chunk that does not match its sum marks the state `damaged`, and
/// the write path then loads in full before it appends anything.
pub fn restore_on_demand(store: &Arc<dyn Store>, stamp: &Stamp, plans: &Plans) -> Option<(Loaded, bool)> {
    let file = store.cache_reader()?;
    let (head, rekeyed) = judge(&*file, store, plans)?;
    let (loaded, _) = open(store, file, &head, stamp, plans)?;
    let (loaded, proven) = catch_up_from_cache(loaded, false)?;
    Some((loaded, rekeyed || proven))
}

/// `parts::Reader::per_server_when_wanted` over a judged header (`judge`) and its file.
fn per_server_when_wanted(file: Arc<dyn CacheRead>, head: &Head) -> Option<parts::PerServer> {
    let header = head.header()?;
    let reader = parts::Reader { file, base: BODY, damaged: Arc::default() };
    reader.per_server_when_wanted(&header.state)
}

/// The state a judged header (`judge`) describes, every chunk of `file` yet to read.
fn open(
    store: &Arc<dyn Store>,
    file: Arc<dyn CacheRead>,
    head: &Head,
    stamp: &Stamp,
    plans: &Plans,
) -> Option<(Loaded, Arc<AtomicBool>)> {
    let header = head.header()?;
    let damaged = Arc::new(AtomicBool::new(false));
    let reader = parts::Reader { file: file.clone(), base: BODY, damaged: damaged.clone() };
    let (state, journal) = reader.state(header.state)?;
    if state.progress.len() != plans.plan.rollouts.len() {
        return None;
    }
    let fleet = crate::model::Fleet { roles: header.roles, sites: header.sites, servers: Vec::new() };
    let data = crate::model::Data {
        catalog: plans.catalog.clone(),
        fleet,
        plan: plans.plan.clone(),
        journal,
        team: plans.team.clone(),
    };
    let loaded = Loaded {
        store: store.clone(),
        data: Arc::new(data),
        state: Arc::new(state),
        torn: None,
        stamp: stamp.clone(),
        mark: header.mark,
        source: Source::Cache { tail: 0 },
        key: plans.key.clone(),
        key_but_fleet: plans.key_but_fleet.clone(),
        fleet_digest: header.fleet_digest,
        epoch: 0,
        unvouched: None,
        judged: None,
    };
    Some((loaded, damaged))
}

/// `loaded` brought up to the journal's end by a tail read, and whether the cache must be
/// written again; `None` when neither the store nor the chain vouches for the tail. When no head
/// vouches for the lines since (a touched journal, a new generation begun by a writer that found
/// it changed, lines appended by hand), the lines the cache was read from are proved by their
/// chain and only the rest read (`Store::read_proven`; half a second at 1,000,000 events,
/// against seconds for a full load), and the cache is kept under the new mark.
fn catch_up_from_cache(mut loaded: Loaded, judge_tail: bool) -> Option<(Loaded, bool)> {
    // The judgement kept with the cache (`checked`), taken before the tail: each event
    // appended since is judged as it is applied, so the count needs no replay. Not for a
    // record (`judge_tail` false): judging a tail of up to `REWRITE_AFTER` events would read
    // the chunks of their servers; the next dashboard judges it from its whole state.
    if judge_tail {
        super::checked::adopt(&mut loaded);
    }
    let before = loaded.data.journal.len();
    let proven = match super::catch_up(&mut loaded) {
        Ok(_) => false,
        Err(_) => {
            super::catch_up_proven(&mut loaded).ok()?;
            true
        }
    };
    loaded.source = Source::Cache { tail: loaded.data.journal.len() - before };
    Some((loaded, proven))
}

/// Where the servers' chunk `c` is in a cache's bytes.
#[cfg(test)]
fn servers_chunk(bytes: &[u8], c: usize) -> std::ops::Range<usize> {
    chunk(bytes, |head| head.servers_chunk(c))
}

/// Where the histories' chunk `c` is in a cache's bytes.
#[cfg(test)]
fn history_chunk(bytes: &[u8], c: usize) -> std::ops::Range<usize> {
    chunk(bytes, |head| head.history_chunk(c))
}

#[cfg(test)]
fn chunk(bytes: &[u8], span: impl Fn(&parts::StateHead<parts::ProgressHead>) -> (u64, u64)) -> std::ops::Range<usize> {
    let trailer = bytes.len() - TRAILER;
    let len = u64::from_le_bytes(bytes[trailer..trailer + 8].try_into().expect("8 bytes")) as usize;
    let header: Header<parts::ProgressHead> = postcard::from_bytes(&bytes[trailer - len..trailer]).expect("header");
    let (at, n) = span(&header.state);
    let at = (BODY + at) as usize;
    at..at + n as usize
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
