//! The minute tick derived off the input path: a worker derives what the clock changed (the
//! soaks and the rollout's gates and waiting-on; everything when the date changed) from the
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
    /// A new date: the whole fleet view.
    Whole(FleetView),
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
        let (tx, rx) = std::sync::mpsc::channel();
        let wake = Arc::clone(&self.wake);
        let spawned = std::thread::Builder::new().name("clock".into()).spawn(move || {
            crate::parallel::background();
            let derived = match FleetView::ticked_rows(&rows, shown, &data, &state, basis.now, now) {
                Some(ticked) => Derived::Tick(ticked),
                None => Derived::Whole(FleetView::build(&data, &state, basis.rollout, now)),
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
        match derived {
            Derived::Tick(ticked) => {
                let (changed, old) = app.view.take_tick(ticked, &app.live.data, &app.live.state, now);
                app.derive_views(Some(&changed));
                // Freeing a rollout's lines costs milliseconds at 100,000 servers.
                if let Some(old) = old {
                    let _ = std::thread::Builder::new().name("free".into()).spawn(move || {
                        drop(old);
                        crate::heap::give_back();
                    });
                }
            }
            Derived::Whole(view) => {
                app.view = view;
                app.derive_views(None);
            }
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
