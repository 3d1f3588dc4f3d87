//! The minute tick derived off the input path: a worker derives what the clock changed (the
//! soaks and the rollout's gates and waiting-on; every row when the date changed, keeping those
//! that changed) from the
//! state as it stands, and the terminal loop takes the result in when it is ready. A key never
//! waits for it; a result derived from a state that has changed since is dropped and derived
//! again.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

use chrono::{DateTime, Utc};

use crate::rules::{FleetView, Ticked};

use super::App;

/// What a result was derived from: taken in only if the dashboard still shows that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Basis {
    epoch: u64,
    events: usize,
    rollout: Option<usize>,
    now: DateTime<Utc>,
}

impl Basis {
    pub(crate) fn of(app: &App) -> Basis {
        Basis { epoch: app.live.epoch, events: app.live.data.journal.len(), rollout: app.rollout, now: app.now }
    }
}

/// What the worker derived.
enum Derived {
    /// Within a day: what changed.
    Tick(Ticked),
    /// A new date: the rows that changed, and the rollout's view.
    Date(Ticked),
}

/// The clock's worker, one run at a time.
pub struct Clock {
    running: Option<(Basis, DateTime<Utc>, Receiver<Derived>)>,
    /// A later minute that came while a run was under way.
    wanted: Option<DateTime<Utc>>,
    /// Called by the worker when its result is ready (wakes the terminal loop).
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Clock {
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Clock {
        Clock { running: None, wanted: None, wake: Arc::new(wake) }
    }

    /// A run is under way.
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// The clock moved to `now`: derive what that changes on the worker (a pinned clock
    /// never moves).
    pub fn start(&mut self, app: &mut App, now: DateTime<Utc>) {
        if app.pinned {
            return;
        }
        if self.running.is_some() {
            self.wanted = Some(now);
            return;
        }
        let basis = Basis::of(app);
        let (data, state) = (Arc::clone(&app.live.data), Arc::clone(&app.live.state));
        let rows = Arc::clone(&app.view.rows);
        let shown = app.view.rollout.as_ref().map(|v| v.rollout);
        let ahead = app.ahead.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let wake = Arc::clone(&self.wake);
        let spawned = std::thread::Builder::new().name("clock".into()).spawn(move || {
            crate::parallel::background();
            // The hidden Agenda and Plan derived ahead (10 MB at 100,000 servers) are out of
            // date at the new minute: let go of them and give the memory back before the
            // minute is derived and taken in, so that is not stacked on them.
            ahead.let_go();
            crate::heap::give_back();
            let derived = match FleetView::ticked_rows(&rows, shown, &data, &state, basis.now, now) {
                Some(ticked) => Derived::Tick(ticked),
                None => Derived::Date(FleetView::dated_rows(&rows, shown, &data, &state, now)),
            };
            // The shared state is let go before the dashboard hears: a write after this
            // changes it in place.
            drop((data, state, rows));
            if tx.send(derived).is_ok() {
                wake();
            }
        });
        match spawned {
            Ok(_) => self.running = Some((basis, now, rx)),
            // No thread to be had: derive here, as before.
            Err(_) => app.tick(now),
        }
    }

    /// Take a finished run in: true when the dashboard changed (draw it). A run derived from
    /// a state that changed since is dropped and started again.
    pub fn poll(&mut self, app: &mut App) -> bool {
        let Some((basis, now, rx)) = &self.running else {
            return self.start_wanted(app);
        };
        let derived = match rx.try_recv() {
            Ok(derived) => derived,
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => {
                // The worker died: derive on this thread rather than show a stale clock.
                let now = *now;
                self.running = None;
                app.tick(now);
                return true;
            }
        };
        let (basis, now) = (*basis, *now);
        self.running = None;
        if basis != Basis::of(app) {
            self.wanted = Some(self.wanted.map_or(now, |w| w.max(now)));
            return self.start_wanted(app);
        }
        app.now = now;
        let (ticked, date) = match derived {
            Derived::Tick(ticked) => (ticked, false),
            Derived::Date(ticked) => (ticked, true),
        };
        let (changed, old) = app.view.take_tick(ticked, &app.live.data, &app.live.state, now);
        // At a new date the views are derived whole, as at a start: some read the date.
        app.derive_views(if date { None } else { Some(&changed) });
        // Freeing a rollout's lines costs milliseconds at 100,000 servers.
        if let Some(old) = old {
            let _ = std::thread::Builder::new().name("free".into()).spawn(move || {
                drop(old);
                crate::heap::give_back();
            });
        }
        self.start_wanted(app);
        true
    }

    fn start_wanted(&mut self, app: &mut App) -> bool {
        if let Some(now) = self.wanted.take() {
            self.start(app, now);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, Utc};

    use super::Clock;
    use crate::app::{Action, App, Tab};
    use crate::rules::FleetView;
    use crate::store::{Operator, Store};

    fn open(store: &std::sync::Arc<dyn Store>, now: DateTime<Utc>) -> App {
        let loaded = crate::live::load(store).expect("load");
        App::from_loaded(loaded, Operator { name: "tester".into(), from: None }, false, now, false, Some(0))
    }

    /// The Agenda's items and the Plan's forecast as `a` shows them.
    fn agenda_and_plan(a: &mut App) -> (Vec<crate::rules::agenda::Item>, Option<crate::rules::forecast::Forecast>) {
        a.update(Action::Tab(Tab::Agenda));
        let items = a.panes.agenda.items.clone();
        a.update(Action::Tab(Tab::Plan));
        let plan = a.panes.plan.forecast.clone();
        a.update(Action::Tab(Tab::Fleet));
        (items, plan)
    }

    #[test]
    fn no_worker_ahead_starts_while_a_first_starts_cache_is_written_and_all_start_after() {
        let now = crate::rules::fixture::now();
        let store = crate::synthetic::memory_store(2000, 5000, now).arc();
        let mut a = open(&store, now);
        let (hold, held) = crate::app::Hold::new();
        a.wait_for(held);
        let t = std::time::Instant::now();
        assert!(a.sort_ahead().is_none(), "no sorts while the cache is written");
        assert!(!a.derive_ahead(t) && !a.derive_ahead(t + crate::app::ahead::STILL), "nothing derived ahead");
        drop(hold);
        a.sort_ahead().expect("the sorts start once it is written").join().expect("the sorts' worker");
        assert!(!a.derive_ahead(t) && a.derive_ahead(t + crate::app::ahead::STILL), "derived ahead after it");
    }

    #[test]
    fn a_minute_taken_in_from_the_worker_at_thousands_of_members_shows_what_a_fresh_start_shows() {
        let now = crate::rules::fixture::now();
        let store = crate::synthetic::memory_store(30_000, 100_000, now).arc();
        let midnight = now.date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let at = |minutes: i64| midnight + chrono::Duration::minutes(minutes);
        let mut a = open(&store, at(1));
        let shown = a.view.rollout.clone().expect("a rollout");
        let p = shown.current.expect("a phase open");
        assert!(shown.members[p].len() >= crate::parallel::MIN_SPLIT, "the phase's lines are derived on two threads");
        let (tx, rx) = std::sync::mpsc::channel();
        let mut clock = Clock::new(move || {
            let _ = tx.send(());
        });
        // The hidden Agenda and Plan derived ahead for the first minute: let go of at the next.
        let t = std::time::Instant::now();
        assert!(!a.derive_ahead(t) && a.derive_ahead(t + crate::app::ahead::STILL), "derived ahead");
        let until = std::time::Instant::now() + Duration::from_secs(60);
        while !a.ahead_ready() {
            assert!(std::time::Instant::now() < until, "the worker finishes");
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut lines_moved = false;
        // Later the same day (soaks cross a day's mark), then the next date (every row).
        for minutes in [600, 926, 1439, 48 * 60 - 1] {
            let before = a.view.rollout.clone().expect("a rollout");
            clock.start(&mut a, at(minutes));
            assert!(clock.busy(), "derived on the worker");
            rx.recv_timeout(Duration::from_secs(60)).expect("the clock's worker finishes");
            assert!(clock.poll(&mut a), "the minute is taken in");
            let fresh = FleetView::build(&a.live.data, &a.live.state, Some(0), at(minutes));
            let (v, f) = (a.view.rollout.as_deref().expect("a rollout"), fresh.rollout.as_deref().expect("a rollout"));
            let differ = v.waiting.iter().zip(&f.waiting).position(|(v, f)| v != f);
            assert_eq!((v.waiting.len(), differ), (f.waiting.len(), None), "waiting-on at {minutes} min");
            assert!(a.view == fresh, "the view at {minutes} min");
            lines_moved |= v.waiting != before.waiting;
        }
        assert!(lines_moved, "the day moved some waiting-on line");
        let (shown, fresh) = (agenda_and_plan(&mut a), agenda_and_plan(&mut open(&store, at(48 * 60 - 1))));
        assert_eq!(shown.0, fresh.0, "the Agenda");
        assert!(shown.1.is_some() && shown.1 == fresh.1, "the Plan");
    }
}
