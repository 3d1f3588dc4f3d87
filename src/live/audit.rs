//! The content a running state was built from, proved again now and then in the background.
//!
//! Between changes a look compares files' identities (length, times, inode): any write call
//! sets a file's times. A write through a shared mapping sets them only at the first write to
//! a page, until the system writes the page back (on tmpfs, never again): an edit made that way
//! after a look leaves the identity the look took, and a running dashboard, the derived-state
//! cache kept under that identity and every start that trusts it would go on showing what the
//! files held before, without a word. So the state's content is proved again: the small
//! files' hash, the fleet's digest, and the journal's chain up to where the state stands (each
//! line's own sum and link again, the last one's sum the one held; an edit anywhere before it
//! changes that sum). A difference is said, and the state is read again from the files with
//! the cache let go (`reload_afresh`).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::{LoadError, Loaded};
use crate::store::{Start, Store};

/// The first proof after a start (the start's own work and the check's first run come first).
pub const FIRST: Duration = Duration::from_secs(15);
/// Between two proofs at least, or five times the processor time the last one took if longer
/// (never more than a sixth of a core: about 0.5 s a proof at 1,000,000 events), and never
/// more than `LONGEST`. Processor time, not the clock's: a dashboard stopped (`ctrl-z`) during a
/// proof does not put the next one off.
pub const EVERY: Duration = Duration::from_secs(60);
pub const LONGEST: Duration = Duration::from_secs(600);

/// `wait`, or a second in a debug build with `SPROUT_TEST_AUDIT_SOON` set: the tmux test of an
/// edit made through a shared mapping does not wait a minute.
fn pace(wait: Duration) -> Duration {
    #[cfg(debug_assertions)]
    if std::env::var_os("SPROUT_TEST_AUDIT_SOON").is_some() {
        return Duration::from_secs(1);
    }
    wait
}

/// The processor time this thread has used.
fn thread_time() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map(Duration::from).unwrap_or_default()
}

/// What a state was built from, as it can be proved again.
#[derive(Debug, Clone)]
pub struct Basis {
    epoch: u64,
    key: String,
    small: String,
    fleet: Option<String>,
    journal: Start,
}

impl Basis {
    pub fn of(loaded: &Loaded) -> Basis {
        Basis {
            epoch: loaded.epoch,
            key: loaded.key.clone(),
            small: loaded.key_but_fleet.clone(),
            fleet: loaded.fleet_digest.clone(),
            journal: Start::after(&loaded.data.journal),
        }
    }
}

/// Whether the store still holds what `basis` names; else what differs, for the operator.
pub fn audit(store: &Arc<dyn Store>, basis: &Basis) -> Result<(), String> {
    let place = |file: &str| store.locate(file, &[]);
    let plans = store.plans().map_err(|errors| errors.join("; "))?;
    let small = if basis.small.is_empty() { plans.key == basis.key } else { plans.key_but_fleet == basis.small };
    if !small {
        return Err(format!(
            "{}, {} or {}: not what the dashboard was showing, though no file's length or times changed (written in place through a shared mapping?)",
            place(crate::store::CATALOG),
            place(crate::store::ROLLOUT),
            place(crate::store::TEAM)
        ));
    }
    if basis.fleet.as_deref().is_some_and(|digest| !store.fleet_matches(digest)) {
        return Err(format!(
            "{}: not what the dashboard was showing, though its length and times did not change (written in place through a shared mapping?)",
            place(crate::store::FLEET)
        ));
    }
    store.holds(&basis.journal)
}

/// The state read again from the files, the derived-state cache let go first: it was kept
/// under identities that the files' content no longer matches. On an error the cache stays
/// let go (the next start reads everything and reports it) and `loaded` is as it was.
pub fn reload_afresh(loaded: &mut Loaded) -> Result<(), LoadError> {
    loaded.store.drop_cache();
    let fresh = super::load(&loaded.store)?;
    loaded.replace_with(fresh);
    Ok(())
}

/// A proof's answer: the epoch of the state it proved, what it found, its processor time.
type Proof = (u64, Result<(), String>, Duration);

/// Proves a running state's content in the background (`audit`), at the lowest priority.
pub struct Auditor {
    store: Arc<dyn Store>,
    running: Option<Receiver<Proof>>,
    /// When the next proof may start.
    next: Instant,
    /// The last difference said, and of which state: the same one found again (a journal that
    /// stays damaged) is not said again, nor read again on the input thread every minute.
    said: Option<(u64, String)>,
    every: Duration,
}

impl Auditor {
    pub fn new(store: Arc<dyn Store>) -> Auditor {
        Auditor::paced(store, pace(FIRST), pace(EVERY))
    }

    /// An auditor whose first proof starts `first` from now, and the next ones `every` apart at
    /// least (the tests: at once, and one after another).
    pub fn paced(store: Arc<dyn Store>, first: Duration, every: Duration) -> Auditor {
        Auditor { store, running: None, next: Instant::now() + first, every, said: None }
    }

    /// What differs, when a proof of the state `live` still holds (its epoch) has found a
    /// difference; starts the next proof when its time has come.
    pub fn poll(&mut self, live: &Loaded) -> Option<String> {
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => self.running = None,
                Ok((epoch, found, took)) => {
                    self.running = None;
                    self.next = Instant::now() + self.every.max(took * 5).min(LONGEST);
                    // A state read again since was built from what the files hold now.
                    let found = found.err().filter(|_| epoch == live.epoch)?;
                    if self.said.as_ref().is_some_and(|(e, f)| *e == epoch && *f == found) {
                        return None;
                    }
                    self.said = Some((epoch, found.clone()));
                    return Some(found);
                }
            }
        }
        if Instant::now() >= self.next {
            let (tx, rx) = std::sync::mpsc::channel();
            let (store, basis) = (Arc::clone(&self.store), Basis::of(live));
            let spawned = std::thread::Builder::new().name("audit".into()).spawn(move || {
                crate::parallel::background();
                let found = audit(&store, &basis);
                let _ = tx.send((basis.epoch, found, thread_time()));
            });
            self.running = spawned.ok().map(|_| rx);
            if self.running.is_none() {
                self.next = Instant::now() + self.every;
            }
        }
        None
    }
}
