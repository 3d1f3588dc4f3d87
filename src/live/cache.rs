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
const MAGIC: &[u8; 16] = b"sprout-cache-v8\n";
/// The program that wrote a cache must be this one: state rules may change between versions.
const PROGRAM: &str = concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"), " format 10");

/// What the cache is keyed by, the small parts of the state, and where the chunks are.
#[derive(Serialize, Deserialize)]
struct Header<P> {
    program: String,
    key: String,
    mark: Mark,
    roles: Vec<Role>,
    sites: Vec<crate::model::Site>,
    state: parts::StateHead<P>,
}

/// Where the body starts after a header of `len` bytes: magic, the header's length and BLAKE3.
fn body_start(len: u64) -> u64 {
    MAGIC.len() as u64 + 8 + 32 + len
}

/// Write the cache for `loaded` (best effort: a store may keep none).
/// Layout: magic, the header's length and BLAKE3, the header (postcard), then the body: every
/// chunk the header lists, each with its own BLAKE3, so a reader takes only those it needs.
pub fn save(loaded: &Loaded) {
    if loaded.torn.is_some() {
        return;
    }
    let mut body = Vec::new();
    let Some(state) = parts::write(&loaded.state, &loaded.data.journal, &mut body) else { return };
    // A state read on demand reads the rest of the old cache to write this one.
    if loaded.state.damaged() || loaded.data.journal.lines.damaged() {
        return;
    }
    let header = Header {
        program: PROGRAM.to_string(),
        key: loaded.key.clone(),
        mark: loaded.mark.clone(),
        roles: loaded.data.fleet.roles.clone(),
        sites: loaded.data.fleet.sites.clone(),
        state,
    };
    let Ok(header) = postcard::to_stdvec(&header) else { return };
    let mut bytes = Vec::with_capacity(body_start(header.len() as u64) as usize + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(blake3::hash(&header).as_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&body);
    loaded.store.save_cache(&bytes);
}

/// The state from the cache with every chunk read back and checked (the dashboard and every
/// command that reads the whole fleet), brought up to the journal's end by a tail read; `None`
/// when any key or sum differs (then the caller loads in full).
pub fn restore(store: &Arc<dyn Store>, stamp: &Stamp, plans: &Plans) -> Option<Loaded> {
    let file: Arc<dyn CacheRead> = Arc::new(store.cache()?);
    let (mut loaded, damaged) = open(store, file, stamp, plans)?;
    // The servers' vectors on one thread, the rollouts' members and the journal's lines on this.
    let (state, journal) = (&loaded.state, &loaded.data.journal);
    crate::parallel::join(
        || {
            let _ = (state.servers.as_vec(), state.last_backup.as_vec(), state.last_install.as_vec());
            let _ = (state.previous_levels.as_vec(), state.history.as_vec());
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
    catch_up_from_cache(loaded)
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
pub fn restore_on_demand(store: &Arc<dyn Store>, stamp: &Stamp, plans: &Plans) -> Option<Loaded> {
    let (loaded, _) = open(store, store.cache_reader()?, stamp, plans)?;
    catch_up_from_cache(loaded)
}

/// The cache's header checked against the store, and the state it describes, every chunk yet
/// to read.
fn open(
    store: &Arc<dyn Store>,
    file: Arc<dyn CacheRead>,
    stamp: &Stamp,
    plans: &Plans,
) -> Option<(Loaded, Arc<AtomicBool>)> {
    let first = file.read_at(0, MAGIC.len() + 8 + 32)?;
    let rest = first.strip_prefix(MAGIC)?;
    let (len, sum) = rest.split_first_chunk::<8>()?;
    let len = u64::from_le_bytes(*len);
    let header = file.read_at(body_start(0), usize::try_from(len).ok()?)?;
    if blake3::hash(&header).as_bytes() != sum {
        return None;
    }
    let header: Header<parts::ProgressHead> = postcard::from_bytes(&header).ok()?;
    if header.program != PROGRAM || header.key != plans.key {
        return None;
    }
    let damaged = Arc::new(AtomicBool::new(false));
    let reader = parts::Reader { file: file.clone(), base: body_start(len), damaged: damaged.clone() };
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
        epoch: 0,
    };
    Some((loaded, damaged))
}

/// `loaded` brought up to the journal's end; `None` when the store cannot vouch for the tail.
fn catch_up_from_cache(mut loaded: Loaded) -> Option<Loaded> {
    let before = loaded.data.journal.len();
    super::catch_up(&mut loaded).ok()?;
    loaded.source = Source::Cache { tail: loaded.data.journal.len() - before };
    Some(loaded)
}

/// Where the servers' chunk `c` is in a cache's bytes.
#[cfg(test)]
fn servers_chunk(bytes: &[u8], c: usize) -> std::ops::Range<usize> {
    let len = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    let header: Header<parts::ProgressHead> =
        postcard::from_bytes(&bytes[body_start(0) as usize..body_start(len) as usize]).expect("header");
    let (at, n) = header.state.servers_chunk(c);
    let at = (body_start(len) + at) as usize;
    at..at + n as usize
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
