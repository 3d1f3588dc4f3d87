//! The derived-state cache: the replayed state, the journal index and the fleet's roles,
//! keyed by the store's baseline key and journal mark, kept by the store as bytes.
//!
//! It is used only when every key matches; then only journal lines appended since it was
//! written are read, and only when the store vouches they were appended by sprout's own write
//! path. Anything else is a full load, which rewrites the cache.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{JournalIndex, Role};
use crate::store::{Mark, Plans, Stamp, Store};

use super::parts::{self, ProgressPart, ServersPart};
use super::{Loaded, Source};

/// A load that had to read more journal lines than this after the cache rewrites it.
pub const REWRITE_AFTER: usize = 2000;
const MAGIC: &[u8; 16] = b"sprout-cache-v7\n";
/// The program that wrote a cache must be this one: state rules may change between versions.
const PROGRAM: &str = concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"), " format 10");

/// What the cache is keyed by, and the small parts of the state.
#[derive(Serialize, Deserialize)]
struct Header {
    program: String,
    key: String,
    /// The key without the fleet's identity, and the digest of the fleet's bytes the state was
    /// built from: with both equal, a fleet file that was only touched still matches.
    key_but_fleet: String,
    fleet_digest: Option<String>,
    mark: Mark,
    roles: Vec<Role>,
    sites: Vec<crate::model::Site>,
}

/// Write the cache for `loaded` (best effort: a store may keep none).
/// Layout: magic, BLAKE3 of the rest, then four length-prefixed postcard parts (header,
/// journal index, servers, progress) that are decoded on two threads.
pub fn save(loaded: &Loaded) {
    if loaded.torn.is_some() {
        return;
    }
    let header = Header {
        program: PROGRAM.to_string(),
        key: loaded.key.clone(),
        key_but_fleet: loaded.key_but_fleet.clone(),
        fleet_digest: loaded.fleet_digest.clone(),
        mark: loaded.mark.clone(),
        roles: loaded.data.fleet.roles.clone(),
        sites: loaded.data.fleet.sites.clone(),
    };
    let (servers, progress) = parts::of(&loaded.state);
    let parts = [
        postcard::to_stdvec(&header),
        postcard::to_stdvec(&loaded.data.journal),
        postcard::to_stdvec(&servers),
        postcard::to_stdvec(&progress),
    ];
    let mut body = Vec::new();
    for part in parts {
        let Ok(part) = part else { return };
        body.extend_from_slice(&(part.len() as u64).to_le_bytes());
        body.extend_from_slice(&part);
    }
    let mut bytes = Vec::with_capacity(MAGIC.len() + 32 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(blake3::hash(&body).as_bytes());
    bytes.extend_from_slice(&body);
    loaded.store.save_cache(&bytes);
}

/// Bytes read for the header alone: the roles, sites and keys (a few kilobytes) fit.
const HEAD_BYTES: usize = 64 * 1024;

/// The header from the first bytes of a cache, when they hold all of it; never trusted for more
/// than setting the cache aside (its sum is checked over the whole body before any use).
fn head_of(head: &[u8]) -> Option<Header> {
    let body = head.strip_prefix(MAGIC)?.get(32..)?;
    let (len, rest) = body.split_first_chunk::<8>()?;
    let part = rest.get(..usize::try_from(u64::from_le_bytes(*len)).ok()?)?;
    postcard::from_bytes(part).ok()
}

/// The four parts of a cache body, or `None` if it is cut short.
fn split(mut body: &[u8]) -> Option<[&[u8]; 4]> {
    let mut parts = [&body[..0]; 4];
    for part in &mut parts {
        let (len, rest) = body.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        (*part, body) = rest.split_at_checked(len)?;
    }
    body.is_empty().then_some(parts)
}

/// Whether the cache was built from the baseline the store holds: the same key, or (a fleet
/// file touched, or checked out again with the same content) every part but the fleet's
/// identity the same and the fleet's bytes hashing as the ones the state was built from.
/// Hashing the fleet (tens of milliseconds at 100,000 servers) is far cheaper than a replay.
fn same_baseline(store: &Arc<dyn Store>, header: &Header, plans: &Plans) -> bool {
    if header.key == plans.key {
        return true;
    }
    !plans.key_but_fleet.is_empty()
        && header.key_but_fleet == plans.key_but_fleet
        && header.fleet_digest.as_deref().is_some_and(|digest| store.fleet_matches(digest))
}

/// The state from the cache when every key matches the store, brought up to the journal's
/// end by a tail read, and whether it matched only by the fleet's digest (then it is worth
/// writing again under the new key); `None` when anything differs (then the caller loads in full).
pub fn restore(store: &Arc<dyn Store>, stamp: &Stamp, plans: &Plans) -> Option<(Loaded, bool)> {
    // The header alone first (its parts' lengths come first): a cache of another baseline, the
    // usual reason for a full load, is set aside before the rest is read.
    let mut passed = None;
    if let Some(header) = store.cache_head(HEAD_BYTES).and_then(|head| head_of(&head)) {
        if header.program != PROGRAM || !same_baseline(store, &header, plans) {
            return None;
        }
        passed = Some(header);
    }
    let bytes = store.cache()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, body) = rest.split_at_checked(32)?;
    // The small header first: a cache of another baseline (the usual reason for a full load)
    // is set aside before its tens of megabytes are hashed. Nothing of it is used unless the
    // whole body's sum holds.
    let [header, index, servers, progress] = split(body)?;
    let header: Header = postcard::from_bytes(header).ok()?;
    // The same keys as the header that passed above need not be judged again (the fleet's
    // digest may have cost a read of the whole fleet).
    let keys = |h: &Header| (h.program.clone(), h.key.clone(), h.key_but_fleet.clone(), h.fleet_digest.clone());
    let judged = passed.as_ref().is_some_and(|p| keys(p) == keys(&header));
    if !judged && (header.program != PROGRAM || !same_baseline(store, &header, plans)) {
        return None;
    }
    if blake3::hash(body).as_bytes() != sum {
        return None;
    }
    let rekeyed = header.key != plans.key;
    // The servers on one thread, the journal index and progress on this one.
    let (servers, rest) = crate::parallel::join(
        || postcard::from_bytes::<ServersPart>(servers).ok(),
        || postcard::from_bytes::<JournalIndex>(index).ok().zip(postcard::from_bytes::<ProgressPart>(progress).ok()),
    );
    let (index, progress) = rest?;
    let state = parts::join(servers?, progress)?;
    drop(bytes);
    if state.progress.len() != plans.plan.rollouts.len() {
        return None;
    }
    let fleet = crate::model::Fleet { roles: header.roles, sites: header.sites, servers: Vec::new() };
    let data = crate::model::Data {
        catalog: plans.catalog.clone(),
        fleet,
        plan: plans.plan.clone(),
        journal: index,
        team: plans.team.clone(),
    };
    let mut loaded = Loaded {
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
    };
    let before = loaded.data.journal.len();
    super::catch_up(&mut loaded).ok()?;
    loaded.source = Source::Cache { tail: loaded.data.journal.len() - before };
    Some((loaded, rekeyed))
}
