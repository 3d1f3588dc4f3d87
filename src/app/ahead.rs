//! The Risk grid, the Agenda and the Plan derived ahead, on a worker, while they are hidden: the
//! first show of one takes what the worker derived instead of deriving on the input path (at
//! 100,000 servers that is 10-60 ms for the grid, 70-180 ms for the others). Derived only once the data has been still for `STILL`, so a
//! run of writes is not chased (a write while the worker reads the state copies the state).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::rules::agenda::Item;
use crate::rules::forecast::{Forecast, forecast};
use crate::views::risk::{Tally, tally};

use super::clock::Basis;
use super::{App, Tab};

/// How long the data must be unchanged before the worker derives ahead.
pub const STILL: Duration = Duration::from_secs(2);

/// What the worker derived, and from what.
#[derive(Debug, Default)]
struct Derived {
    basis: Option<Basis>,
    agenda: Option<Vec<Item>>,
    plan: Option<Option<Forecast>>,
    risk: Option<Tally>,
}

/// Shared by the dashboard and its worker (a clone of the dashboard shares it too).
#[derive(Debug, Clone, Default)]
pub struct Ahead {
    derived: Arc<Mutex<Derived>>,
    /// The basis last seen, and since when: derived ahead once it has held for `STILL`.
    seen: Option<(Basis, Instant)>,
    /// The basis a worker was started for.
    started: Option<Basis>,
    /// Set while a job the workers wait for runs (`Hold`).
    held: Option<Arc<AtomicBool>>,
}

/// A job the workers ahead (the sorts, the Agenda, the Plan, the Risk grid) wait for: the
/// derived-state cache written at a first start. Beside another process's large write it ran
/// a quarter second and more beside them, and their memory stacked on its. Set from `new`
/// until dropped, however the job ends.
#[derive(Debug)]
pub struct Hold(Arc<AtomicBool>);

impl Hold {
    /// The hold, and the flag for `App::wait_for`.
    pub fn new() -> (Hold, Arc<AtomicBool>) {
        let flag = Arc::new(AtomicBool::new(true));
        (Hold(Arc::clone(&flag)), flag)
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Ahead {
    /// The result for `tab` derived from `basis`, taken out.
    fn take_agenda(&self, basis: Basis) -> Option<Vec<Item>> {
        let mut d = self.derived.lock().ok()?;
        if d.basis != Some(basis) { None } else { d.agenda.take() }
    }

    fn take_plan(&self, basis: Basis) -> Option<Option<Forecast>> {
        let mut d = self.derived.lock().ok()?;
        if d.basis != Some(basis) { None } else { d.plan.take() }
    }

    fn take_risk(&self, basis: Basis) -> Option<Tally> {
        let mut d = self.derived.lock().ok()?;
        if d.basis != Some(basis) { None } else { d.risk.take() }
    }

    /// A job the workers wait for is under way.
    fn held(&self) -> bool {
        self.held.as_ref().is_some_and(|h| h.load(Ordering::Acquire))
    }

    /// Let go of what was derived ahead, on the calling thread (a worker: tens of thousands
    /// of Agenda lines cost milliseconds to free). The clock's worker calls it before a new
    /// minute, which makes it out of date, is taken in: a show meanwhile derives on show.
    pub(super) fn let_go(&self) {
        let derived = self.derived.lock().map(|mut d| std::mem::take(&mut *d));
        drop(derived);
    }
}

impl App {
    /// No worker ahead starts while `held` is set (by a `Hold`).
    pub fn wait_for(&mut self, held: Arc<AtomicBool>) {
        self.ahead.held = Some(held);
    }

    /// Start the worker that derives the hidden Risk grid, Agenda and Plan, when they are out of date and
    /// the data has been still for `STILL` (the terminal loop calls this when idle). True when
    /// a worker was started.
    pub fn derive_ahead(&mut self, at: Instant) -> bool {
        let (agenda, plan) = (self.stale.contains(&Tab::Agenda), self.stale.contains(&Tab::Plan));
        let risk = self.stale.contains(&Tab::Risk);
        let basis = Basis::of(self);
        // One worker at a time: the sorts' keys (3 MB at 100,000 servers) and the Agenda's
        // items, built at once, were the peak of a first start.
        if !(agenda || plan || risk)
            || self.ahead.started == Some(basis)
            || self.panes.fleet.sorting()
            || self.ahead.held()
        {
            return false;
        }
        match self.ahead.seen {
            Some((seen, since)) if seen == basis => {
                if at.duration_since(since) < STILL {
                    return false;
                }
            }
            _ => {
                self.ahead.seen = Some((basis, at));
                return false;
            }
        }
        self.ahead.started = Some(basis);
        // What was derived for an older state goes before the worker derives the new.
        if let Ok(mut d) = self.ahead.derived.lock() {
            *d = Derived::default();
        }
        let (data, state, view, now) =
            (Arc::clone(&self.live.data), Arc::clone(&self.live.state), self.view.clone(), self.now);
        let derived = Arc::clone(&self.ahead.derived);
        let spawned = std::thread::Builder::new().name("ahead".into()).spawn(move || {
            crate::parallel::background();
            // What the hidden views let go of when they went out of date is still the
            // allocator's: given back first, the new ones are not stacked on it.
            crate::heap::give_back();
            let agenda = agenda.then(|| crate::rules::agenda::agenda(&data, &state, &view));
            let plan = plan.then(|| forecast(&data, &state, &view, now));
            let risk = risk.then(|| tally(&state, &view.rows));
            drop((data, state, view));
            if let Ok(mut d) = derived.lock() {
                *d = Derived { basis: Some(basis), agenda, plan, risk };
            }
            crate::heap::give_back();
        });
        spawned.is_ok()
    }

    /// The worker has derived ahead for the state shown now.
    pub fn ahead_ready(&self) -> bool {
        let basis = Basis::of(self);
        self.ahead.derived.lock().is_ok_and(|d| d.basis == Some(basis))
    }

    /// `tab` is about to be shown out of date: take what the worker derived for the state
    /// shown now, if it did. True when taken (the caller derives otherwise).
    pub(crate) fn take_ahead(&mut self, tab: Tab) -> bool {
        let basis = Basis::of(self);
        match tab {
            Tab::Agenda => self.ahead.take_agenda(basis).map(|items| self.panes.agenda.take(items)).is_some(),
            Tab::Plan => self.ahead.take_plan(basis).map(|f| self.panes.plan.forecast = f).is_some(),
            Tab::Risk => self.ahead.take_risk(basis).map(|t| self.panes.risk.take(t)).is_some(),
            _ => false,
        }
    }
}

impl App {
    /// Start the worker that sorts every column of the fleet table ahead for the rows shown
    /// now, unless that is done or under way (the terminal loop calls this when idle). The
    /// handle is for tests to wait on.
    pub fn sort_ahead(&mut self) -> Option<std::thread::JoinHandle<()>> {
        if self.ahead.held() {
            return None;
        }
        let job = self.panes.fleet.sort_job(&self.live.data, &self.live.state, &self.view)?;
        // A job that cannot start is dropped, which lets the next one start.
        std::thread::Builder::new()
            .name("sorts".into())
            .spawn(move || {
                crate::parallel::background();
                job.run();
                crate::heap::give_back();
            })
            .ok()
    }
}

impl App {
    /// Once the Journal's filter is open (or set), derive its events' keys ahead on a worker
    /// (its events listed by kind, operator and server: 12 bytes an event), unless they are ready or under way (the
    /// terminal loop calls this when idle). Not merely when the Journal is shown: the keys
    /// read every event's index line, which a Journal never filtered leaves unread. True
    /// when a worker was started.
    pub fn filter_ahead(&mut self) -> bool {
        let filtering =
            matches!(self.overlay, Some(super::Overlay::Filter(_))) || !self.panes.journal.filter.is_empty();
        self.tab == Tab::Journal && filtering && self.panes.journal.keys_ahead(&self.live)
    }

    /// Wait (up to `limit`) for the Journal's keys' worker: false if still under way (for
    /// tests and benches).
    pub fn settle_filter_ahead(&self, limit: Duration) -> bool {
        self.panes.journal.settle_keys(limit)
    }
}
