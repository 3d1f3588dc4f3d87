//! Derived state for display: built once per change, read by every view and command.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::{CheckoutResult, Data, Rating, Rollout, Server};

use super::gates::{self, GateStatus};
use super::hotfix::{HotFixStatus, pending};
use super::levels::{Compliance, behind, latest_released};
use super::phase::{SoakState, Window, member_phase, soak_state};
use super::replay::{MemberRecord, State};
use super::risk::{Ratings, ratings};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelCell {
    pub product: String,
    pub installed: u8,
    pub latest: u8,
    pub behind: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerRow {
    /// Index into `State::servers`.
    pub index: usize,
    pub levels: Vec<LevelCell>,
    pub behind: u8,
    pub compliance: Compliance,
    pub ready: u16,
    pub blocked: u16,
    pub superseded: u16,
    /// Ratings for the selected rollout, when the server runs its product.
    pub ratings: Option<Ratings>,
    /// Derived priority, or the journaled override.
    pub priority: Option<u8>,
    pub priority_overridden: bool,
    pub phase: Option<usize>,
    pub soak: Option<SoakState>,
    pub last_checkout: Option<(CheckoutResult, DateTime<Utc>)>,
}

impl ServerRow {
    pub fn tier(&self) -> Option<Rating> {
        self.ratings.as_ref().map(Ratings::tier)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutView {
    /// Index into the plan's rollouts.
    pub rollout: usize,
    /// Members of each phase, indices into `State::servers`.
    pub members: Vec<Vec<usize>>,
    pub current: Option<usize>,
    /// Gates of the current phase (empty before the first phase opens).
    pub gates: Vec<GateStatus>,
    /// Set when a back-out halted the current phase.
    pub halted: Option<String>,
    /// Who the current phase waits on: checkouts, sign-offs, backups.
    pub waiting: Vec<String>,
}

impl RolloutView {
    pub fn gates_met(&self) -> bool {
        self.gates.iter().all(GateStatus::met)
    }

    pub fn unmet(&self) -> Vec<String> {
        self.gates.iter().flat_map(|g| g.unmet.iter().cloned()).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FleetView {
    pub rows: Vec<ServerRow>,
    pub rollout: Option<RolloutView>,
}

impl FleetView {
    /// Derive everything once for `state` at `now`, with `rollout` selected. The rows are
    /// built on two threads above a few thousand servers: each is independent of the others.
    pub fn build(data: &Data, state: &State, rollout: Option<usize>, now: DateTime<Utc>) -> FleetView {
        let selected = rollout.filter(|&r| r < data.plan.rollouts.len());
        let n = state.servers.len();
        let rows = if n < 4096 {
            (0..n).map(|i| server_row(data, state, selected, i, now)).collect()
        } else {
            let half = n / 2;
            std::thread::scope(|s| {
                let second =
                    s.spawn(|| (half..n).map(|i| server_row(data, state, selected, i, now)).collect::<Vec<_>>());
                let mut rows: Vec<ServerRow> = (0..half).map(|i| server_row(data, state, selected, i, now)).collect();
                rows.extend(second.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                rows
            })
        };
        let mut view = FleetView { rows, rollout: None };
        view.rollout = selected.map(|r| rollout_view(data, state, r, &view.rows, now));
        view
    }

    /// Re-derive after events about `servers` only: their rows, then the rollout's phases
    /// and gates. The same result as `build`, at the cost of one rollout, not the fleet.
    pub fn update(&mut self, data: &Data, state: &State, servers: &[usize], now: DateTime<Utc>) {
        let selected = self.rollout.as_ref().map(|v| v.rollout);
        for &i in servers {
            if i < self.rows.len() {
                self.rows[i] = server_row(data, state, selected, i, now);
            }
        }
        self.rollout = selected.map(|r| rollout_view(data, state, r, &self.rows, now));
    }
}

/// One server's row, for the selected rollout.
fn server_row(data: &Data, state: &State, selected: Option<usize>, index: usize, now: DateTime<Utc>) -> ServerRow {
    let today = now.date_naive();
    let server = &state.servers[index];
    let levels = level_cells(data, server, today);
    let worst = levels.iter().map(|l| l.behind).max().unwrap_or(0);
    let (mut ready, mut blocked, mut superseded) = (0, 0, 0);
    for fix in pending(&data.catalog, server, today) {
        match fix.status {
            HotFixStatus::Ready => ready += 1,
            HotFixStatus::Blocked { .. } => blocked += 1,
            HotFixStatus::Superseded { .. } => superseded += 1,
        }
    }
    let mut row = ServerRow {
        index,
        levels,
        behind: worst,
        compliance: Compliance::from_behind(worst),
        ready,
        blocked,
        superseded,
        ratings: None,
        priority: None,
        priority_overridden: false,
        phase: None,
        soak: None,
        last_checkout: None,
    };
    let selected = selected.map(|r| (r, &data.plan.rollouts[r]));
    if let Some((r, ro)) = selected.filter(|(_, ro)| server.products.contains_key(&ro.product)) {
        let record = &state.progress[r].members[index];
        let (rated, priority, phase) = placement(ro, record, server);
        row.priority_overridden = record.priority_override.is_some();
        row.phase = phase;
        if let Some(p) = row.phase {
            let window = Window::of(&ro.phases[p], state.progress[r].extra_days[p]);
            row.soak = Some(soak_state(record, window, now));
        }
        row.last_checkout = record.checkouts.last().map(|c| (c.result, c.at));
        row.priority = Some(priority);
        row.ratings = Some(rated);
    }
    row
}

/// Phases' members, the current phase's gates, and who it waits on.
fn rollout_view(data: &Data, state: &State, r: usize, rows: &[ServerRow], now: DateTime<Utc>) -> RolloutView {
    let ro = &data.plan.rollouts[r];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ro.phases.len()];
    for row in rows {
        if let Some(p) = row.phase {
            members[p].push(row.index);
        }
    }
    let progress = &state.progress[r];
    let current = progress.current;
    let gates = current.map(|p| gates::evaluate(ro, progress, state, p, &members[p], now)).unwrap_or_default();
    let halted = current.and_then(|p| {
        members[p]
            .iter()
            .find(|&&i| progress.members[i].backed_out_at.is_some())
            .map(|&i| format!("halted: {} was backed out; re-install or exclude it", state.servers[i].name))
    });
    let waiting = current.map(|p| waiting_on(data, state, r, &members[p], rows, &gates)).unwrap_or_default();
    RolloutView { rollout: r, members, current, gates, halted, waiting }
}

/// A server's ratings, priority (derived or overridden) and phase in one rollout.
pub fn placement(rollout: &Rollout, record: &MemberRecord, server: &Server) -> (Ratings, u8, Option<usize>) {
    let rated = ratings(rollout, server);
    let priority = record.priority_override.as_ref().map_or(rated.priority(), |(p, _)| *p);
    let phase = member_phase(rollout, server, priority, rated.tier());
    (rated, priority, phase)
}

fn level_cells(data: &Data, server: &Server, today: NaiveDate) -> Vec<LevelCell> {
    server
        .products
        .iter()
        .map(|(id, &installed)| {
            let (latest, behind) = data
                .catalog
                .product(id)
                .map_or((installed, 0), |p| (latest_released(p, today), behind(p, installed, today)));
            LevelCell { product: id.clone(), installed, latest, behind }
        })
        .collect()
}

/// Overdue servers first, then checkouts due, backups unconfirmed, sign-offs owed.
fn waiting_on(
    data: &Data,
    state: &State,
    rollout: usize,
    members: &[usize],
    rows: &[ServerRow],
    gates: &[GateStatus],
) -> Vec<String> {
    let ro = &data.plan.rollouts[rollout];
    let target = data.catalog.product(&ro.product).map_or(String::new(), |p| p.level_name(ro.target));
    let (mut overdue, mut due, mut backups) = (Vec::new(), Vec::new(), Vec::new());
    for (o, d, b) in super::in_halves(members, |part| waiting_members(state, &target, part, rows)) {
        overdue.extend(o);
        due.extend(d);
        backups.extend(b);
    }
    let signoffs = gates.iter().filter(|g| g.gate == gates::Gate::SignedOff).flat_map(|g| g.unmet.iter().cloned());
    overdue.into_iter().chain(due).chain(backups).chain(signoffs).collect()
}

/// Overdue, due and backup lines for `members`.
fn waiting_members(
    state: &State,
    target: &str,
    members: &[usize],
    rows: &[ServerRow],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut overdue = Vec::new();
    let mut due = Vec::new();
    let mut backups = Vec::new();
    for &i in members {
        let name = &state.servers[i].name;
        match rows[i].soak {
            Some(SoakState::Overdue { day, max }) => {
                overdue.push(format!("{name}: checkout OVERDUE (day {day}, max {max})"))
            }
            Some(SoakState::CheckoutDue { day, max, .. }) => {
                due.push(format!("{name}: checkout due (day {day} of {max})"))
            }
            Some(SoakState::Failed { .. }) => overdue.push(format!("{name}: checkout failed; back out or re-check")),
            Some(SoakState::NotStarted | SoakState::BackedOut) => {
                let backed_up = state.backup_confirmed(i);
                if backed_up {
                    due.push(format!("{name}: backup confirmed, install {target}"));
                } else {
                    backups.push(format!("{name}: backup not confirmed before installing {target}"));
                }
            }
            _ => {}
        }
    }
    (overdue, due, backups)
}
