//! The forecast: the earliest each phase of a rollout can open and finish, the projected end,
//! and how many days each open item of the current phase holds the end back.
//!
//! What it assumes (README, "The forecast"), every time read in the server's site time:
//! - Nothing is done before `now`, nor in a phase before it opens.
//! - An install (its backup with it, and a missing prerequisite in the same window) happens at
//!   the first hour of the phase's install window at or after the phase opens, outside every
//!   change freeze of the server's site.
//! - Staggered start: the first servers (those installed already, in install order, then the
//!   others in the fleet's order) install first; the rest at the first window after the first ones
//!   have soaked the stagger's days and passed a checkout.
//! - A soak lasts the phase's minimum days, extensions included. Its checkout is recorded at
//!   the first working hour (a weekday, not after hours) at or after the minimum soak ends.
//! - What is due or late already (a checkout due or overdue, a Fail, a verification) is done
//!   at the first working hour from now: someone acts today.
//! - A back-out halts the phase: the server installs again at the next window and soaks anew;
//!   the phase's other installs wait for it.
//! - Sign-offs come with the last checkout; the phase's gates are then met and the next phase
//!   opens at once. Lab coverage follows from the lab members passing.
//! - An item's delay: how many days (rounded up) earlier the projected end would be if that
//!   item were met now.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{CheckoutResult, Data, InstallWindow, Rollout, Site};

use super::phase::{SoakState, Target, Window};
use super::replay::State;
use super::time;
use super::view::FleetView;

/// One phase's dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhasePlan {
    /// When it opened, from the journal.
    pub opened: Option<DateTime<Utc>>,
    /// The earliest it can open: the day it opened, once it has.
    pub open: Option<DateTime<Utc>>,
    /// The earliest its gates can all be met (a phase done: when the next one opened).
    pub finish: Option<DateTime<Utc>>,
}

impl PhasePlan {
    pub fn is_actual(&self) -> bool {
        self.opened.is_some()
    }
}

/// One unmet item of the current phase and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    /// The server it is about (index into `State::servers`); none for a sign-off.
    pub server: Option<usize>,
    pub text: String,
    /// When it is projected to be met.
    pub at: Option<DateTime<Utc>>,
    /// Days the projected end would come earlier were it met now (none: no end in sight).
    pub days: Option<i64>,
    key: Key,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Forecast {
    pub phases: Vec<PhasePlan>,
    /// When the last phase's gates can be met.
    pub end: Option<DateTime<Utc>>,
    /// The current phase's open items, the costliest first.
    pub items: Vec<OpenItem>,
}

/// An open item: its server (`u32::MAX` for a sign-off) and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
enum Key {
    Verify(u32),
    /// The install, soak and checkout of one member, in whatever stage it is.
    Member(u32),
    SignOff(u32),
}

/// Rounded up: an item that holds the end back by an hour costs a day.
fn days(later: DateTime<Utc>, earlier: DateTime<Utc>) -> i64 {
    let seconds = (later - earlier).num_seconds().max(0);
    (seconds + 86_399) / 86_400
}

/// The forecast of the selected rollout of `view` at `now`.
pub fn forecast(data: &Data, state: &State, view: &FleetView, now: DateTime<Utc>) -> Option<Forecast> {
    let rv = view.rollout.as_ref()?;
    let ctx =
        Ctx { data, state, view, ro: &data.plan.rollouts[rv.rollout], r: rv.rollout, now, slots: Default::default() };
    let (phases, mut items) = ctx.plan(None);
    let end = phases.last().and_then(|p| p.finish);
    let finish = rv.current.and_then(|c| phases[c].finish);
    // Sign-offs come with the last member item: only members' items are counted here.
    let at_finish = items.iter().filter(|i| i.server.is_some() && i.at == finish).count();
    let member_items = items.iter().any(|i| i.server.is_some());
    for item in &mut items {
        // An item met before the phase's last, or beside another as late, that holds up no
        // other install costs nothing; only the rest are planned again without them.
        let free = match item.key {
            Key::SignOff(_) => member_items,
            _ => !ctx.holds_others(item) && (item.at < finish || at_finish > 1),
        };
        item.days = match end {
            Some(_) if free => Some(0),
            Some(end) => ctx.plan(Some(item.key)).0.last().and_then(|p| p.finish).map(|e| days(end, e)),
            None => None,
        };
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.days));
    Some(Forecast { phases, end, items })
}

/// A site, an install window (0: working hours) and the time to look from.
type SlotKey = (compact_str::CompactString, u8, DateTime<Utc>);

struct Ctx<'a> {
    data: &'a Data,
    state: &'a State,
    view: &'a FleetView,
    ro: &'a Rollout,
    r: usize,
    now: DateTime<Utc>,
    /// Windows already looked up, by (site, window or working hours, from): a phase of
    /// thousands of servers asks a few sites the same question.
    slots: RefCell<HashMap<SlotKey, Option<DateTime<Utc>>>>,
}

impl Ctx<'_> {
    fn site(&self, i: usize) -> Option<&Site> {
        self.data.fleet.site(&self.state.servers[i].site)
    }

    /// The first install window (`Some`) or working hour (`None`) at `i`'s site from `from`.
    fn slot(&self, i: usize, window: Option<InstallWindow>, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let key = (self.state.servers[i].site.clone(), window.map_or(0, |w| w as u8 + 1), from);
        if let Some(hit) = self.slots.borrow().get(&key) {
            return *hit;
        }
        let site = self.site(i);
        let found = match window {
            Some(w) => time::next_install(w, site, from),
            None => time::next_working(site, from),
        };
        self.slots.borrow_mut().insert(key, found);
        found
    }

    /// A member's item that other installs wait for: a first one of a staggered start, or a
    /// back-out that halts the phase.
    fn holds_others(&self, item: &OpenItem) -> bool {
        let Some(c) = self.view.rollout.as_ref().and_then(|v| v.current) else { return false };
        let Some(i) = item.server else { return false };
        self.ro.phases[c].stagger.is_some() || self.state.progress[self.r].members[i].backed_out_at.is_some()
    }

    /// Every phase's dates and the current phase's items, with `resolved` taken as met now.
    fn plan(&self, resolved: Option<Key>) -> (Vec<PhasePlan>, Vec<OpenItem>) {
        let progress = &self.state.progress[self.r];
        let current = self.view.rollout.as_ref().and_then(|v| v.current);
        let mut phases = Vec::with_capacity(self.ro.phases.len());
        let mut items = Vec::new();
        let mut open = Some(self.now);
        for p in 0..self.ro.phases.len() {
            let opened = progress.opened[p].as_ref().map(|o| o.at);
            let plan = match current {
                Some(c) if p < c => {
                    PhasePlan { opened, open: opened, finish: progress.opened[p + 1].as_ref().map(|o| o.at) }
                }
                Some(c) if p == c => {
                    let start = opened.map_or(self.now, |at| at.max(self.now));
                    items = self.phase(p, start, resolved);
                    PhasePlan { opened, open: opened, finish: finish(start, &items) }
                }
                _ => {
                    let finish = open.and_then(|start| self.phase_finish(p, start, None));
                    PhasePlan { opened: None, open, finish }
                }
            };
            open = plan.finish.map(|f| f.max(self.now));
            phases.push(plan);
        }
        (phases, items)
    }
}

/// When the last item is met, or `start` if none is open; `None` if one never is.
fn finish(start: DateTime<Utc>, items: &[OpenItem]) -> Option<DateTime<Utc>> {
    items.iter().try_fold(start, |last, i| i.at.map(|at| at.max(last)))
}

mod members;

#[cfg(test)]
mod tests;

/// Whether a member's checkouts in `phase` since its install include a Pass.
fn passed(record: &super::replay::MemberRecord, phase: usize) -> bool {
    record.checkouts_in(phase).any(|c| c.result == CheckoutResult::Pass)
}

/// The phase's soak and the rollout's target, as the members module needs them.
fn window(ro: &Rollout, state: &State, r: usize, p: usize) -> (Window, Duration) {
    let w = Window::of(ro, p, state.progress[r].extra_days[p]);
    (w, Duration::days(i64::from(w.min)))
}

fn target<'a>(data: &'a Data, ro: &'a Rollout) -> Target<'a> {
    Target { catalog: &data.catalog, rollout: ro }
}

fn soak(view: &FleetView, i: usize) -> Option<SoakState> {
    view.rows.get(i).and_then(|r| r.soak)
}
