//! Derived state for display: built once per change, read by every view and command.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{CheckoutResult, Data, Rating, Rollout, Server};

use super::gates::{self, GateStatus};
use super::hotfix::{HotFixStatus, pending};
use super::levels::{Compliance, behind, latest_released};
use super::phase::{SoakState, Start, Target, Window, member_phase, soak_state};
use super::replay::{MemberRecord, State};
use super::risk::{Ratings, ratings};
use super::waiting;

mod tick;
pub use tick::Ticked;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelCell {
    pub product: compact_str::CompactString,
    pub installed: u8,
    pub latest: u8,
    pub behind: u8,
}

/// Serialized for `--json` and read back for the front of the derived-state cache (`app::front`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRow {
    /// Index into `State::servers`.
    pub index: usize,
    /// Inline: a server runs two or three products, and a vector each was 100,000
    /// allocations at 100,000 servers.
    pub levels: smallvec::SmallVec<[LevelCell; 2]>,
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
    /// Index into the rollout's phases (in JSON numbered from 1, as everywhere a person reads).
    #[serde(serialize_with = "one_based", deserialize_with = "from_one_based")]
    pub phase: Option<usize>,
    pub soak: Option<SoakState>,
    pub last_checkout: Option<(CheckoutResult, DateTime<Utc>)>,
}

fn rows_of<S: serde::Serializer>(rows: &std::sync::Arc<Vec<ServerRow>>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(rows.as_slice(), s)
}

fn rollout_of<S: serde::Serializer>(rollout: &Option<std::sync::Arc<RolloutView>>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&rollout.as_deref(), s)
}

fn one_based<S: serde::Serializer>(phase: &Option<usize>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&phase.map(|p| p + 1), s)
}

fn from_one_based<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    match Option::<usize>::deserialize(d)? {
        Some(0) => Err(serde::de::Error::custom("phases are numbered from 1")),
        p => Ok(p.map(|p| p - 1)),
    }
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
    /// The server each line of each member gate is about (indexed like `gates`), so an event
    /// about one server replaces only its lines.
    #[serde(skip)]
    gate_owners: Vec<Vec<u32>>,
    /// (kind, server) of each waiting line: 0 overdue, 1 due, 2 backup, 3 sign-off.
    #[serde(skip)]
    waiting_owners: Vec<(u8, u32)>,
}

impl RolloutView {
    /// Replace the gate and waiting lines of `servers` (their rows already updated). Returns
    /// false when the change reaches other servers' lines (a halt began or ended): then the
    /// caller builds the rollout's view again.
    fn update(
        &mut self,
        data: &Data,
        state: &State,
        servers: &[usize],
        rows: &[ServerRow],
        now: DateTime<Utc>,
    ) -> bool {
        let Some(p) = self.current else { return true };
        let ro = &data.plan.rollouts[self.rollout];
        let progress = &state.progress[self.rollout];
        let halted = waiting::halted(ro, state, progress, p);
        if halted.is_some() != self.halted.is_some() {
            return false;
        }
        self.halted = halted;
        if ro.phases[p].is_lab() {
            // The lab coverage gate reads every member's row: build the rollout's view again.
            return false;
        }
        let window = Window::of(ro, p, progress.extra_days[p]);
        let target_name = waiting::target_name(data, ro);
        if ro.phases[p].stagger.is_some() {
            // Who waits for the first ones changes with any install: build the view again.
            return false;
        }
        let facts = waiting::Facts {
            target: Target { catalog: &data.catalog, rollout: ro },
            target_name: &target_name,
            progress,
            halted: self.halted.is_some(),
            holds: Vec::new(),
        };
        for &i in servers {
            let owner = i as u32;
            for (g, owners) in self.gate_owners.iter_mut().enumerate() {
                if let Ok(k) = owners.binary_search(&owner) {
                    owners.remove(k);
                    self.gates[g].unmet.remove(k);
                }
            }
            // A server may have several waiting lines (a verification and a checkout due).
            while let Some(k) = self.waiting_owners.iter().position(|&(_, s)| s == owner) {
                self.waiting_owners.remove(k);
                self.waiting.remove(k);
            }
            if rows.get(i).and_then(|r| r.phase) != Some(p) {
                continue;
            }
            let lines = gates::evaluate_owned(&facts.target, progress, state, window, &[i], now);
            for (g, lines) in lines.into_iter().enumerate() {
                for (_, line) in lines {
                    let k = self.gate_owners[g].partition_point(|&o| o < owner);
                    self.gate_owners[g].insert(k, owner);
                    self.gates[g].unmet.insert(k, line);
                }
            }
            for (kind, lines) in waiting::members(&facts, state, &[i], rows).into_iter().enumerate() {
                for (_, line) in lines {
                    let key = (kind as u8, owner);
                    let k = self.waiting_owners.partition_point(|&o| o < key);
                    self.waiting_owners.insert(k, key);
                    self.waiting.insert(k, line);
                }
            }
        }
        true
    }

    pub fn gates_met(&self) -> bool {
        self.gates.iter().all(GateStatus::met)
    }

    pub fn unmet(&self) -> Vec<String> {
        self.gates.iter().flat_map(|g| g.unmet.iter().cloned()).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FleetView {
    /// Shared with a worker that derives what the clock changes (`app::clock`).
    #[serde(serialize_with = "rows_of")]
    pub rows: std::sync::Arc<Vec<ServerRow>>,
    /// Shared too: a worker copies the view without copying the rollout's lines.
    #[serde(serialize_with = "rollout_of")]
    pub rollout: Option<std::sync::Arc<RolloutView>>,
}

impl FleetView {
    /// Derive everything once for `state` at `now`, with `rollout` selected. The rows are
    /// built on two threads above a few thousand servers: each is independent of the others.
    pub fn build(data: &Data, state: &State, rollout: Option<usize>, now: DateTime<Utc>) -> FleetView {
        let selected = rollout.filter(|&r| r < data.plan.rollouts.len());
        let parts = crate::parallel::halves(&state.servers, |from, part| {
            (from..from + part.len()).map(|i| server_row(data, state, selected, i, now)).collect::<Vec<_>>()
        });
        // Collected into one allocation of the final size: 100k rows are not copied while growing.
        let mut rows = Vec::with_capacity(state.servers.len());
        for part in parts {
            rows.extend(part);
        }
        let mut view = FleetView { rows: std::sync::Arc::new(rows), rollout: None };
        view.rollout = selected.map(|r| std::sync::Arc::new(rollout_view(data, state, r, &view.rows, now)));
        view
    }

    /// Re-derive after events about `servers` only: their rows, then the rollout's phases
    /// and gates. The same result as `build`, at the cost of one rollout, not the fleet.
    pub fn update(&mut self, data: &Data, state: &State, servers: &[usize], now: DateTime<Utc>) {
        let selected = self.rollout.as_ref().map(|v| v.rollout);
        let n = self.rows.len();
        let rows = std::sync::Arc::make_mut(&mut self.rows);
        for &i in servers.iter().filter(|&&i| i < n) {
            let before = rows[i].phase;
            rows[i] = server_row(data, state, selected, i, now);
            let after = rows[i].phase;
            if let Some(v) = self.rollout.as_mut().map(std::sync::Arc::make_mut).filter(|_| before != after) {
                if let Some(k) = before.and_then(|p| v.members[p].binary_search(&i).ok().map(|k| (p, k))) {
                    v.members[k.0].remove(k.1);
                }
                if let Some(p) = after {
                    let k = v.members[p].partition_point(|&m| m < i);
                    v.members[p].insert(k, i);
                }
            }
        }
        if let Some(v) = self.rollout.as_mut().map(std::sync::Arc::make_mut)
            && !v.update(data, state, servers, &self.rows, now)
        {
            let r = v.rollout;
            self.rollout = Some(std::sync::Arc::new(rollout_view(data, state, r, &self.rows, now)));
        }
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
            let window = Window::of(ro, p, state.progress[r].extra_days[p]);
            let start = match record.installed_at {
                Some(_) => Start::Installable,
                None => Target { catalog: &data.catalog, rollout: ro }.start(server),
            };
            row.soak = Some(soak_state(record, start, window, now));
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
    let mut view = RolloutView {
        rollout: r,
        members,
        current,
        gates: Vec::new(),
        halted: None,
        waiting: Vec::new(),
        gate_owners: Default::default(),
        waiting_owners: Vec::new(),
    };
    let Some(p) = current else { return view };
    let members = &view.members[p];
    let window = Window::of(ro, p, progress.extra_days[p]);
    let target = Target { catalog: &data.catalog, rollout: ro };
    let owned = gates::evaluate_owned(&target, progress, state, window, members, now);
    let lab = ro.phases[p].is_lab().then(|| lab_roles(data, state, r, &view.members, rows, p));
    let mut gates = gates::evaluate(&data.catalog, ro, progress, state, p, &[], lab.as_deref(), now);
    view.gate_owners = vec![Vec::new(); gates.len()];
    for ((lines, d), (owners, status)) in
        owned.into_iter().zip(gates::GATES).zip(view.gate_owners.iter_mut().zip(&mut gates))
    {
        if let gates::Check::Member(_) = d.check {
            (*owners, status.unmet) = lines.into_iter().unzip();
        }
    }
    let halted = waiting::halted(ro, state, progress, p);
    let target_name = waiting::target_name(data, ro);
    let holds = waiting::holds(data, state, r, p, members, now);
    let facts = waiting::Facts { target, target_name: &target_name, progress, halted: halted.is_some(), holds };
    let mut lines = Vec::new();
    for part in crate::parallel::halves(members, |_, part| waiting::members(&facts, state, part, rows)) {
        for (kind, block) in part.into_iter().enumerate() {
            lines.push((kind, block));
        }
    }
    // Overdue first, then due, then to-do (each in member order), then sign-offs and approvers.
    lines.sort_by_key(|(kind, _)| *kind);
    for (kind, block) in lines {
        for (owner, line) in block {
            view.waiting_owners.push((kind as u8, owner));
            view.waiting.push(line);
        }
    }
    let owed = ro.phases[p].signoffs.iter().filter(|g| !progress.signoffs[p].iter().any(|s| &s.group == *g));
    for group in owed {
        view.waiting_owners.push((3, u32::MAX));
        view.waiting.push(format!("{group}: sign-off of phase {} ({})", p + 1, ro.phases[p].name));
    }
    for line in waiting::approvers(data, progress) {
        view.waiting_owners.push((4, u32::MAX));
        view.waiting.push(line);
    }
    view.halted = halted;
    view.gates = gates;
    // Kept until the next change: without the spare room pushing left (at 100,000 members).
    view.members.iter_mut().for_each(Vec::shrink_to_fit);
    view.waiting.shrink_to_fit();
    view.waiting_owners.shrink_to_fit();
    view
}

/// Each role among the rollout's members (in fleet.ron's order), with its lab members in phase
/// `lab` and how many of them passed: what the lab coverage gate asks.
fn lab_roles(
    data: &Data,
    state: &State,
    r: usize,
    members: &[Vec<usize>],
    rows: &[ServerRow],
    lab: usize,
) -> Vec<gates::LabRole> {
    let progress = &state.progress[r];
    let in_rollout = |i: usize| progress.members[i].excluded.is_none();
    let mut roles: Vec<gates::LabRole> = data
        .fleet
        .roles
        .iter()
        .filter(|role| members.iter().flatten().any(|&i| in_rollout(i) && state.servers[i].role == role.id))
        .map(|role| gates::LabRole { role: role.name.clone(), lab_members: 0, passed: 0 })
        .collect();
    for &i in members[lab].iter().filter(|&&i| in_rollout(i)) {
        let Some(k) = data.fleet.roles.iter().position(|x| x.id == state.servers[i].role) else { continue };
        let Some(line) = roles.iter_mut().find(|l| l.role == data.fleet.roles[k].name) else { continue };
        line.lab_members += 1;
        let passed = matches!(rows[i].soak, Some(SoakState::Ready { .. } | SoakState::AtTarget { verified: true }));
        line.passed += usize::from(passed);
    }
    roles
}

/// A server's ratings, priority (derived or overridden) and phase in one rollout.
pub fn placement(rollout: &Rollout, record: &MemberRecord, server: &Server) -> (Ratings, u8, Option<usize>) {
    let rated = ratings(rollout, server);
    let priority = record.priority_override.as_deref().map_or(rated.priority(), |(p, _)| *p);
    let phase = member_phase(rollout, server, priority, rated.tier());
    (rated, priority, phase)
}

fn level_cells(data: &Data, server: &Server, today: NaiveDate) -> smallvec::SmallVec<[LevelCell; 2]> {
    server
        .products
        .iter()
        .map(|(id, &installed)| {
            let (latest, behind) = data
                .catalog
                .product(id)
                .map_or((installed, 0), |p| (latest_released(p, today), behind(p, installed, today)));
            LevelCell { product: id.into(), installed, latest, behind }
        })
        .collect()
}

#[cfg(test)]
mod tests;
