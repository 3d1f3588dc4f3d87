//! `sprout check` run in the background for the dashboard's header: how many problems the
//! data has, without slowing the start or a key.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::store::Store;

/// How many events' signatures fail (`✗`), judged as `status` judges them (only the events
/// appended since its kept verdicts); `None` where signatures do not matter.
pub fn failing(store: &Arc<dyn Store>) -> Option<usize> {
    super::verdicts::failing(store)
}

/// What a run counted: `check`'s problems, and events whose signature fails (`None` where
/// signatures do not matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub problems: usize,
    pub failing: Option<usize>,
}

/// `sprout check` run in the background, so the header can say how many problems the data
/// has without slowing the start (the count is kept between starts: `checked`): after the first frame, and again after the data changed
/// (no sooner than ten seconds, or five times the last run's length). The thread runs at the
/// lowest priority.
pub struct Checker {
    store: Arc<dyn Store>,
    now: DateTime<Utc>,
    running: Option<std::sync::mpsc::Receiver<Counted>>,
    /// When the last run started.
    last: Option<Instant>,
    /// How long the last run took: the next waits five times that (ten seconds at least), so
    /// checking a large fleet never takes more than a fifth of a core.
    took: Duration,
    /// A run is wanted (at the start, and after a change made outside the write path).
    due: bool,
}

impl Checker {
    /// A checker whose first run starts with the first `poll`, after the first frame is on
    /// screen: the check never delays the rows (nor adds its memory to the load's).
    pub fn new(store: Arc<dyn Store>, now: DateTime<Utc>) -> Checker {
        Checker { store, now, running: None, last: None, took: Duration::ZERO, due: true }
    }

    fn spawn(&mut self) {
        let (tx, rx) = std::sync::mpsc::channel();
        let (store, now) = (Arc::clone(&self.store), self.now);
        let spawned = std::thread::Builder::new().name("check".into()).spawn(move || {
            crate::parallel::background();
            let problems = super::checked::count(&store, now);
            // Judged as `status` judges them, on this worker, never on a key press.
            let failing = failing(&store);
            let _ = tx.send(Counted { problems, failing });
        });
        self.running = spawned.ok().map(|_| rx);
        self.last = Some(Instant::now());
        self.due = false;
    }

    /// The count, when a run has finished; starts the next run if one is due and the last
    /// started a minute ago or more.
    pub fn poll(&mut self, now: DateTime<Utc>) -> Option<Counted> {
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Ok(n) => {
                    self.running = None;
                    self.took = self.last.map_or(Duration::ZERO, |l| l.elapsed());
                    return Some(n);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => return None,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.running = None,
            }
        }
        let wait = (self.took * 5).max(Duration::from_secs(10));
        if self.due && self.last.is_none_or(|l| l.elapsed() >= wait) {
            self.now = now;
            self.spawn();
        }
        None
    }

    /// The data changed: check again when the wait is over.
    pub fn changed(&mut self) {
        self.due = true;
    }
}
