//! Loading a store: from the derived-state cache when it provably matches, else in full,
//! judging the journal as `check` does on the way unless the first rows come first.

use std::sync::Arc;

use chrono::Utc;

use super::full::Servers;
use super::{LoadError, Loaded, Source, cache, checked, judged, load_full, plans};
use crate::progress::{Progress, Stage};
use crate::store::{Plans, Stamp, Store};

/// Load a store: from the derived-state cache when it provably matches (then only journal
/// lines appended since are read), else in full, rewriting the cache.
pub fn load(store: &Arc<dyn Store>) -> Result<Loaded, LoadError> {
    load_with_progress(store, &Progress::new())
}

/// `load`, telling `progress` what it is doing: a full load of a large fleet takes seconds.
pub fn load_with_progress(store: &Arc<dyn Store>, progress: &Progress) -> Result<Loaded, LoadError> {
    let (loaded, unsaved) = load_unsaved(store, progress)?;
    if unsaved {
        progress.begin(Stage::WritingCache, 0);
        cache::save(&loaded);
    }
    Ok(loaded)
}

/// `load_with_progress`, leaving the derived-state cache for the caller to write
/// (`cache::save`) when the second value says it must be: the dashboard shows its first rows
/// first and writes the cache beside them (a tenth of a second or more at 100,000 servers).
pub fn load_unsaved(store: &Arc<dyn Store>, progress: &Progress) -> Result<(Loaded, bool), LoadError> {
    load_by(store, progress, cache::restore)
}

/// `load` for a record about one server: the derived-state cache's small parts only, each
/// chunk of the fleet read when a rule first looks at it (`record_on_demand` writes through
/// it); in full, rewriting the cache, when the cache does not match.
pub fn load_on_demand(store: &Arc<dyn Store>) -> Result<Loaded, LoadError> {
    let (loaded, unsaved) = load_by(store, &Progress::new(), cache::restore_on_demand)?;
    if unsaved {
        cache::save(&loaded);
    }
    Ok(loaded)
}

/// The derived-state cache's small parts only (`cache::restore_on_demand`), brought up to the
/// journal's end; `None` when the cache does not match (never a full load): the first frame
/// drawn from the cache's front (`app::front`) reads no more than this.
pub fn restore_small(store: &Arc<dyn Store>) -> Option<Loaded> {
    let stamp = store.stamp();
    let plans = store.plans().ok()?;
    cache::restore_on_demand(store, &stamp, &plans).map(|(loaded, _)| loaded)
}

/// A way to restore from the derived-state cache (`cache::restore`, `cache::restore_on_demand`):
/// the state, and whether the cache is worth writing again.
type Restore = fn(&Arc<dyn Store>, &Stamp, &Plans) -> Option<(Loaded, bool)>;

/// A load by `restore` from the derived-state cache, else in full; and whether the cache must
/// be written (a full load, a long tail, or a cache that matched only by the fleet's digest).
fn load_by(store: &Arc<dyn Store>, progress: &Progress, restore: Restore) -> Result<(Loaded, bool), LoadError> {
    let stamp = store.stamp();
    let plans = plans(store).map_err(LoadError::Invalid)?;
    progress.begin(Stage::ReadingCache, 0);
    if let Some((mut loaded, rekeyed)) = restore(store, &stamp, &plans) {
        let stale = matches!(loaded.source, Source::Cache { tail } if tail > cache::REWRITE_AFTER);
        // Kept for the cache's events (taken then) or for these (taken now).
        if loaded.judged.is_none() {
            checked::adopt(&mut loaded);
        }
        return Ok((loaded, stale || rekeyed));
    }
    // The replay judges every event as `check` does on its way: the header's problem count
    // then needs no second replay beside the state, which at 100,000 servers would double the
    // memory of a first start.
    // The baseline's servers are wanted for the files' own problems only, counted before the
    // first event; then the state takes them (a state from the cache keeps none beside it
    // either).
    let now = Utc::now();
    let mut judged = judged::Judged::new(now);
    let mut files = 0;
    let mut count_files = |data: &crate::model::Data| files = crate::rules::check::of_files(data).len();
    let each = |line, e: &_, data: &_, state: &_| judged.count(data, state, line, e, now);
    let mut loaded = load_full(store, stamp, plans, progress, None, Servers::Moved(&mut count_files), each)
        .map_err(LoadError::Invalid)?;
    judged.files = files;
    loaded.judged = Some(judged);
    Ok((loaded, true))
}
