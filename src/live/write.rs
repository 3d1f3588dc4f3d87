//! The one write path: lock, catch up, re-check against the latest state, append, fsync.
//! The CLI, the dashboard and any later sync all record through `record_in`, whatever the store.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::trust::Trust;
use crate::model::{Data, Entry, Event, JournalIndex};
use crate::rules::lookup::Refusal;
use crate::rules::record;
use crate::rules::replay::State;
use crate::store::signer::Signer;
use crate::store::{Operator, Store, StoreError};

use super::{LoadError, Loaded, cache, catch_up, load};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub entry: Entry,
    pub warnings: Vec<String>,
    /// What the event did beyond itself (an override request waiting, a confirmation that
    /// opened a phase), in the latest state.
    pub effect: Option<String>,
    /// The first event `loaded` had not seen (other writers' or this one), or `None` when
    /// the write path had to read everything again.
    pub first_new: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("read-only: this sprout was started with --read-only and records nothing")]
    ReadOnly,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// A chunk of the derived-state cache did not match its sum while the record was checked:
    /// nothing was appended, and the answer it gave is not trusted (`record_on_demand` reads
    /// everything again and records from that).
    #[error("the derived-state cache did not read back whole; nothing was recorded: try again")]
    Damaged,
}

#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub read_only: bool,
    pub lock_timeout: Duration,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { read_only: false, lock_timeout: Duration::from_secs(30) }
    }
}

/// Build an event from the latest state with `make`, check it, and append it durably.
/// Returns only after the line is on disk. Loads the store first; see `record_in`.
pub fn record(
    store: &Arc<dyn Store>,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    make: impl FnOnce(&Data, &State, &str) -> Result<Event, Refusal>,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    if options.read_only {
        return Err(WriteError::ReadOnly);
    }
    let mut loaded = load(store)?;
    record_in(&mut loaded, operator, now, options, make, on_wait)
}

/// Replace fleet.ron and record the change, as one step under the lock: `build` reads the
/// latest state (the fleet as it is now, under the lock) and returns the new file's text and
/// the `BaselineChanged` event that records it, or a refusal. The file is replaced durably
/// first, then the event appended; nothing is written if `build` or the rules refuse.
pub fn record_baseline(
    store: &Arc<dyn Store>,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    build: impl FnOnce(&Loaded) -> Result<(String, Event), Refusal>,
    mut on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    if options.read_only {
        return Err(WriteError::ReadOnly);
    }
    // The store may know better who this is (a database's authenticated role).
    let operator = &store.operator(operator);
    let mut locked = store.lock(&operator.name, options.lock_timeout, &mut on_wait)?;
    let loaded = load(store)?;
    let mut signer = signer(&loaded, operator)?;
    let now = stamp_clock(locked.as_mut(), now)?;
    let (text, event) = build(&loaded)?;
    let unsigned = still_signs(&loaded, operator, signer.as_ref(), &event)?;
    let mut warnings = record::check(&loaded.data, &loaded.state, &event, &operator.name, now)?;
    warnings.extend(unsigned);
    let (entry, line) = encode(&loaded.data.journal, now, operator, event, signer.as_mut())?;
    if line.len() > crate::store::journal::MAX_LINE_BYTES {
        return Err(
            Refusal("the baseline change lists more than a journal line may hold; import in parts".into()).into()
        );
    }
    if let Some(torn) = &loaded.torn {
        warnings.insert(0, locked.set_aside(torn)?);
    }
    locked.replace_fleet(&text)?;
    locked.append(&line, &loaded.mark)?;
    Ok(Recorded { entry, warnings, effect: None, first_new: None })
}

/// The operator's key for the next event of `loaded`'s journal, found before the lock is taken
/// (the agent is asked which keys it holds, which may be slow over a forwarded connection); it
/// signs under the lock, once `seq` and `prev` are known. Refused, with what to do, where
/// signatures are required and there is none, or where their key was revoked.
fn signer(loaded: &Loaded, operator: &Operator) -> Result<Option<Signer>, Refusal> {
    let trust = trust_at_head(loaded).map_err(Refusal)?;
    crate::store::signer::for_operator(&trust, &operator.name, loaded.data.journal.seq + 1).map_err(Refusal)
}

/// The trust at the head of `loaded`'s journal (`signing::Signing`).
fn trust_at_head(loaded: &Loaded) -> Result<Trust, String> {
    super::signing::Signing::at_head(loaded).map(|s| s.trust)
}

/// After catching up under the lock: the signer's key must still sign at the next sequence (a
/// key change another writer appended may have revoked it), and a key change or checkpoint
/// is never written unsigned. An unsigned event by an operator who has a key is written (where
/// signatures are not required) with a warning: it will show as not proven.
fn still_signs(
    loaded: &Loaded,
    operator: &Operator,
    signer: Option<&Signer>,
    event: &Event,
) -> Result<Option<String>, Refusal> {
    let seq = loaded.data.journal.seq + 1;
    let needs = crate::rules::keys::must_be_signed(event);
    let trust = trust_at_head(loaded).map_err(Refusal)?;
    if signer.is_none() && !needs {
        let listed = trust.keys_of(&operator.name).any(|k| k.signs_at(seq));
        return Ok(listed.then(|| {
            let why = crate::store::signer::why_none(&trust, &operator.name, seq)
                .unwrap_or_else(|| "no key was found before the lock was taken".into());
            format!(
                "recorded without a signature, so it shows as not proven (?): a key is listed for {}, but {why}",
                operator.name
            )
        }));
    }
    if let Some(refused) = crate::rules::keys::refusal(&trust, loaded.data.team.as_ref(), event, &operator.name, seq) {
        return Err(refused);
    }
    let Some(signer) = signer else {
        let why = crate::store::signer::why_none(&trust, &operator.name, seq);
        return Err(Refusal(format!(
            "a key change or checkpoint must be signed by an approver's trusted key: {}",
            why.unwrap_or_else(|| "no key was found before the lock was taken; try again".into())
        )));
    };
    let theirs: Vec<_> = trust.keys_of(&operator.name).filter(|k| k.fingerprint == signer.fingerprint()).collect();
    if theirs.iter().any(|k| k.signs_at(seq)) {
        return Ok(None);
    }
    let when = theirs.iter().find_map(|k| k.revoked).map_or(String::new(), |r| format!(" at event {r}"));
    Err(Refusal(format!(
        "your key {} for {} was revoked{when}; it signs nothing after that: load a key trusted for {} into your agent",
        signer.fingerprint(),
        operator.name,
        operator.name
    )))
}

/// The next line: the event chained to `index`'s last, signed when there is a signer.
fn encode(
    index: &JournalIndex,
    now: DateTime<Utc>,
    operator: &Operator,
    event: Event,
    signer: Option<&mut Signer>,
) -> Result<(Entry, String), Refusal> {
    let mut entry = Entry {
        seq: index.seq + 1,
        at: now,
        by: operator.name.clone(),
        from: operator.from.clone(),
        event,
        // The first line of a new journal carries its identity, so that no signed line of
        // another directory's history fits this one.
        prev: if index.seq == 0 { crate::store::journal::new_identity() } else { index.sum.clone() },
        sig: None,
        sum: String::new(),
    };
    if let Some(signer) = signer {
        let canonical = entry.canonical().map_err(|e| Refusal(format!("cannot encode the event: {e}")))?;
        entry.sig = Some(signer.sign(canonical.as_bytes()).map_err(Refusal)?);
    }
    crate::store::journal::seal(entry).map_err(|e| Refusal(format!("cannot encode the event: {e}")))
}

/// The time a record is stamped with: the real clock, read under the lock after the person
/// confirmed. A pinned clock (`--now`) is for reading; only a test build (the `test-clock`
/// feature) stamps with it.
fn append_clock(pinned: DateTime<Utc>) -> DateTime<Utc> {
    if cfg!(feature = "test-clock") { pinned } else { Utc::now() }
}

/// The store's clock when it keeps one (a database's), else this host's (`append_clock`).
fn stamp_clock(locked: &mut dyn crate::store::Locked, pinned: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    Ok(locked.clock()?.unwrap_or_else(|| append_clock(pinned)))
}

/// The sequence and hash the next line chains to come from the journal itself, never from a
/// cache: the last event the state holds is read back from the store and must be that event.
fn chained_to_journal(loaded: &Loaded) -> bool {
    let index = &loaded.data.journal;
    let Some(last) = index.len().checked_sub(1) else { return true };
    matches!(loaded.entries(&[last]).as_deref(), Ok([e]) if e.seq == index.seq && e.sum == index.sum)
}

/// Whether `loaded` answered from a chunk of the cache that did not match its sum.
fn damaged(loaded: &Loaded) -> bool {
    loaded.state.damaged() || loaded.data.journal.lines.damaged()
}

/// What `record_in` appends, checked against the latest state: the event `make` builds, its
/// line, the warnings, and the override it confirms (found before it is applied).
type Checked = (Entry, String, Vec<String>, Option<crate::rules::replay::Request>);

fn decide(
    loaded: &Loaded,
    operator: &Operator,
    signer: Option<&mut Signer>,
    now: DateTime<Utc>,
    make: impl FnOnce(&Data, &State, &str) -> Result<Event, Refusal>,
) -> Result<Checked, WriteError> {
    let event = make(&loaded.data, &loaded.state, &operator.name)?;
    let unsigned = still_signs(loaded, operator, signer.as_deref(), &event)?;
    let mut warnings = record::check(&loaded.data, &loaded.state, &event, &operator.name, now)?;
    warnings.extend(unsigned);
    let confirmed = crate::rules::approval::confirmed(&loaded.data, &loaded.state, &event);
    let (entry, line) = encode(&loaded.data.journal, now, operator, event, signer)?;
    if line.len() > crate::store::journal::MAX_LINE_BYTES {
        return Err(Refusal(format!(
            "the event is {} bytes, more than a journal line may hold ({}); shorten its text",
            line.len(),
            crate::store::journal::MAX_LINE_BYTES
        ))
        .into());
    }
    Ok((entry, line, warnings, confirmed))
}

/// Record with a state read from the derived-state cache on demand (`live::load_on_demand`):
/// `record_in`, and if a chunk it looked at did not match its sum (nothing was appended), the
/// same again from a state read and checked in full. `make` may be asked twice.
pub fn record_on_demand(
    mut loaded: Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    make: impl Fn(&Data, &State, &str) -> Result<Event, Refusal>,
    mut on_wait: impl FnMut(&str),
) -> (Loaded, Result<Recorded, WriteError>) {
    let recorded = record_in(&mut loaded, operator, now, options, &make, &mut on_wait);
    if !matches!(recorded, Err(WriteError::Damaged)) {
        return (loaded, recorded);
    }
    match load(&loaded.store) {
        Ok(fresh) => loaded.replace_with(fresh),
        Err(e) => return (loaded, Err(e.into())),
    }
    let mut recorded = record_in(&mut loaded, operator, now, options, &make, &mut on_wait);
    if let Ok(r) = &mut recorded {
        r.first_new = None;
    }
    (loaded, recorded)
}

/// The one write path. Under the store's lock: bring `loaded` up to the journal (reading only
/// what other writers appended, or everything if anything else changed it), set a torn last
/// line aside, build the event from that latest state, check it, append it durably, and apply
/// it to `loaded`. Cost: independent of the journal's length when it changed only by appends.
pub fn record_in(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    make: impl FnOnce(&Data, &State, &str) -> Result<Event, Refusal>,
    mut on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    if options.read_only {
        return Err(WriteError::ReadOnly);
    }
    let store = loaded.store.clone();
    // The store may know better who this is (a database's authenticated role).
    let operator = &store.operator(operator);
    let mut signer = signer(loaded, operator)?;
    let mut locked = store.lock(&operator.name, options.lock_timeout, &mut on_wait)?;
    let mut first_new = Some(loaded.data.journal.len());
    if catch_up(loaded).is_err() || !store.is_current(&loaded.mark) || !chained_to_journal(loaded) {
        loaded.replace_with(load(&store)?);
        first_new = None;
    }
    // Evaluated and stamped at the moment of appending, under the lock.
    let now = stamp_clock(locked.as_mut(), now)?;
    let checked = decide(loaded, operator, signer.as_mut(), now, make);
    // A state read from the cache on demand answers only from chunks that matched their sums.
    if damaged(loaded) {
        return Err(WriteError::Damaged);
    }
    let (entry, line, mut warnings, confirmed) = checked?;
    // Only an accepted record repairs a torn last line: a refused one writes nothing at all.
    if let Some(torn) = loaded.torn.take() {
        warnings.insert(0, locked.set_aside(&torn)?);
    }
    let appended = locked.append(&line, &loaded.mark)?;
    let Loaded { data, state, judged, .. } = loaded;
    let (data, state) = (Arc::make_mut(data), Arc::make_mut(state));
    // Judged as `check` judges every event, with the state just before it.
    if let Some(judged) = judged {
        judged.count(data, state, data.journal.line_count + 1, &entry, now);
    }
    let pos = data.journal.len();
    let server = state.apply(data, pos, &entry);
    let mut effect = crate::rules::approval::effect(data, state, &entry, confirmed.as_ref());
    data.journal.push(&entry, appended.start, appended.end, server);
    data.journal.line_count += 1;
    loaded.mark = appended.mark;
    loaded.stamp.journal = appended.stamp;
    if damaged(loaded) {
        // The line is on disk; what it did is read again from the journal in full.
        drop(locked);
        effect = None;
        if let Ok(fresh) = load(&store) {
            loaded.replace_with(fresh);
            effect = crate::rules::approval::effect(&loaded.data, &loaded.state, &entry, confirmed.as_ref());
        }
    } else {
        if appended.fresh {
            // Once per generation (the first write, or the first after an outside change): a
            // cache in this generation, so later loads read only the tail.
            cache::save(loaded);
        }
        // The next load (another command, the next start) takes the judgement from here.
        super::checked::keep_loaded(loaded);
    }
    Ok(Recorded { entry, warnings, effect, first_new })
}
