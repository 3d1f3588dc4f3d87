//! `sprout check` run in the background for the header: how many problems the data has,
//! without slowing the start or a key.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::Loaded;
use super::checked::Over;
use super::judged::Judged;
use crate::rules::time::CLOCK_TOLERANCE_MINUTES;
use crate::store::Store;

/// How many events' signatures fail (`✗`), judged as `status` judges them (only the events
/// appended since its kept verdicts); `None` where signatures do not matter.
pub fn failing(store: &Arc<dyn Store>) -> Option<usize> {
    super::verdicts::failing(store)
}

/// What a run counted: `check`'s problems, events whose signature fails (`None` where
/// signatures do not matter), and, from a replay of the whole journal, its judgement of the
/// events with what it was judged over (`Loaded::judged`, for the state to follow).
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub problems: usize,
    pub failing: Option<usize>,
    pub judged: Option<(Over, Judged)>,
}

/// What a run counts from when the journal is judged (else it replays the whole journal):
/// the state it replays to, whose files and state only are asked again.
struct Judging {
    judged: Judged,
    data: Arc<crate::model::Data>,
    state: Arc<crate::rules::State>,
    over: Over,
}

/// `sprout check` run in the background, so the header can say how many problems the data
/// has without slowing the start: after the first frame, and again after the data changed
/// (no sooner than ten seconds, or five times the last run's length). With the state's
/// journal judged (`Loaded::judged`: kept between starts, followed as events are applied)
/// a run reads no journal; else it replays the whole journal once, and the state takes the
/// judgement from it. The thread runs at the lowest priority.
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
    /// The state the last run counted (its epoch and number of events): another is counted
    /// again, whoever changed it.
    counted: Option<(u64, usize)>,
}

impl Checker {
    /// A checker whose first run starts with the first `poll`, after the first frame is on
    /// screen: the check never delays the rows (nor adds its memory to the load's).
    pub fn new(store: Arc<dyn Store>, now: DateTime<Utc>) -> Checker {
        Checker { store, now, running: None, last: None, took: Duration::ZERO, due: true, counted: None }
    }

    fn spawn(&mut self, live: &Loaded) {
        let (tx, rx) = std::sync::mpsc::channel();
        let (store, now) = (Arc::clone(&self.store), self.now);
        let judging = live.judged.clone().filter(|j| j.holds(now)).map(|judged| Judging {
            judged,
            data: Arc::clone(&live.data),
            state: Arc::clone(&live.state),
            over: Over::of(live),
        });
        let spawned = std::thread::Builder::new().name("check".into()).spawn(move || {
            crate::parallel::background();
            let (problems, judged) = match judging {
                Some(Judging { judged, data, state, over }) => {
                    let problems = super::checked::count_judged(&store, &data, &state, &judged, &over);
                    // Let go before the dashboard hears: a write after this changes the state in place.
                    drop((data, state));
                    super::checked::keep(&store, &over, &judged);
                    (problems, None)
                }
                None => super::checked::count_full(&store, now),
            };
            // Judged as `status` judges them, on this worker, never on a key press.
            let failing = failing(&store);
            let _ = tx.send(Counted { problems, failing, judged });
            // What the count built (the sites of every server in a set, the phases' flags) is
            // freed in this thread's arena: given back, not kept beside the dashboard's state.
            crate::heap::give_back();
        });
        self.running = spawned.ok().map(|_| rx);
        self.last = Some(Instant::now());
        self.due = false;
        self.counted = Some((live.epoch, live.data.journal.len()));
    }

    /// The count, when a run has finished; starts the next run if one is due (the data
    /// `live` holds is not the data last counted) and the last started long enough ago.
    pub fn poll(&mut self, now: DateTime<Utc>, live: &Loaded) -> Option<Counted> {
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
        self.due |= self.counted != Some((live.epoch, live.data.journal.len()));
        // An event dated in the future was a problem when counted; once the clock reaches it,
        // it is not: count again then, though nothing was written.
        let comes =
            live.judged.as_ref().and_then(|j| j.latest).map(|l| l - chrono::Duration::minutes(CLOCK_TOLERANCE_MINUTES));
        self.due |= comes.is_some_and(|c| self.now < c && c <= now);
        let wait = (self.took * 5).max(Duration::from_secs(10));
        if self.due && self.last.is_none_or(|l| l.elapsed() >= wait) {
            self.now = now;
            self.spawn(live);
        }
        None
    }

    /// The data changed: check again when the wait is over.
    pub fn changed(&mut self) {
        self.due = true;
    }
}

/// The state takes a replay's judgement of its journal when it is of the very same data, in
/// place of none or of one that no longer holds.
pub fn adopt(live: &mut Loaded, judged: Option<(Over, Judged)>, now: DateTime<Utc>) {
    if let Some((over, judged)) = judged
        && live.judged.as_ref().is_none_or(|j| !j.holds(now))
        && Over::of(live) == over
        && live.data.journal.len() == judged.lines
    {
        live.judged = Some(judged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::fixture::{now, sample};

    /// Poll as the terminal loop does until a run has counted.
    fn counted(checker: &mut Checker, live: &Loaded) -> Counted {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(counted) = checker.poll(now(), live) {
                return counted;
            }
            assert!(Instant::now() < until, "the check's worker answers");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_first_start_counts_from_its_full_loads_judgement_and_replays_only_when_none_is_kept() {
        let (_, store) = sample();
        let full = super::super::check(&store, now()).err().map_or(0, |p| p.len());
        let live = super::super::load(&store).expect("load");
        assert_eq!(live.source, super::super::Source::Full);
        let first = counted(&mut Checker::new(Arc::clone(&store), now()), &live);
        assert_eq!((first.problems, first.judged), (full, None), "judged by the full load itself: no replay");

        // A state from the cache with no judgement kept beside it (another program's, say).
        store.save_cache_part("check", b"none");
        let mut next = super::super::load(&store).expect("the next start");
        assert!(matches!(next.source, super::super::Source::Cache { .. }) && next.judged.is_none());
        let again = counted(&mut Checker::new(Arc::clone(&store), now()), &next);
        assert_eq!(again.problems, full);
        assert!(again.judged.is_some(), "the whole journal was replayed and judged");
        adopt(&mut next, again.judged, now());
        assert!(next.judged.is_some(), "the state follows the judgement from here");
        let third = super::super::load(&store).expect("a third start");
        let kept = counted(&mut Checker::new(Arc::clone(&store), now()), &third);
        assert_eq!((kept.problems, kept.judged), (full, None), "counted from the judgement the replay kept");
    }

    #[test]
    fn the_dashboards_own_full_load_judges_on_its_way_and_keeps_no_second_fleet() {
        let (_, store) = sample();
        let full = super::super::check(&store, now()).err().map_or(0, |p| p.len());
        let progress = crate::progress::Progress::new();
        let (live, unsaved) = super::super::load_unsaved(&store, &progress).expect("load");
        assert!(unsaved && live.source == super::super::Source::Full && live.judged.is_some());
        assert!(
            live.data.fleet.servers.is_empty(),
            "the baseline's servers let go, as a state from the cache has none"
        );
        assert!(!live.state.servers.is_empty());
        let first = counted(&mut Checker::new(Arc::clone(&store), now()), &live);
        assert_eq!((first.problems, first.judged), (full, None), "counted as check counts, with no replay");
    }

    #[test]
    fn a_count_made_while_an_event_was_in_the_future_is_made_again_when_its_time_comes() {
        let (_, store) = sample();
        let mut live = super::super::load(&store).expect("load");
        let mut checker = Checker::new(Arc::clone(&store), now());
        let first = counted(&mut checker, &live);
        adopt(&mut live, first.judged, now());
        // As if the latest event had been judged ten minutes before its time.
        let judged = live.judged.as_mut().expect("judged");
        (judged.latest, judged.judged_at) = (Some(now() + chrono::Duration::minutes(10)), now());
        // The wait between runs is not what this is about.
        let quiet = |checker: &mut Checker| checker.last = None;
        quiet(&mut checker);
        assert_eq!(checker.poll(now() + chrono::Duration::minutes(1), &live), None);
        assert!(checker.running.is_none(), "nothing changed, the time has not come: no run");
        quiet(&mut checker);
        let at = now() + chrono::Duration::minutes(6);
        assert_eq!(checker.poll(at, &live), None);
        assert!(checker.running.is_some(), "within the clock's tolerance of the event: counted again");
        let again = counted(&mut checker, &live);
        assert!(again.judged.is_some(), "the judgement did not hold: the journal replayed");
        adopt(&mut live, again.judged, at);
        assert!(live.judged.as_ref().is_some_and(|j| j.holds(at)), "the new judgement replaces the old");
    }
}
