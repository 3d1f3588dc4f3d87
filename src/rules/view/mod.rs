//! Derived state for display: built once per change, read by every view and command.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{CheckoutResult, Data, Rating, Rollout, Server};

use super::gates::GateStatus;
use super::hotfix::{HotFixStatus, pending};
use super::levels::{Compliance, behind, latest_released};
use super::phase::{SoakState, Start, Target, Window, member_phase, soak_state};
use super::replay::{MemberRecord, State};
use super::risk::{Ratings, ratings};

mod lines;
mod rollout;
mod tick;
use rollout::rollout_view;
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

/// Each row's soak as the rollout's view reads it: the rows', or the minute tick's where it
/// changed one (`ticked_rows`), without a copy of every row (17 MB at 100,000 servers, held
/// beside the rows each minute).
#[derive(Clone, Copy)]
pub(crate) struct Soaks<'a> {
    rows: Placed<'a>,
    /// The soaks changed, by server index, ascending.
    changed: &'a [(usize, Option<SoakState>)],
}

/// Where each server's phase and soak are read: the fleet's rows, or (the gates alone, as a
/// phase's opening asks them) each server's place only.
#[derive(Clone, Copy)]
enum Placed<'a> {
    Rows(&'a [ServerRow]),
    Places(&'a [Place]),
}

/// A server's phase and soak in one rollout, without the rest of its row.
#[derive(Clone, Copy)]
struct Place {
    phase: Option<usize>,
    soak: Option<SoakState>,
}

impl<'a> Soaks<'a> {
    pub(crate) fn of_rows(rows: &'a [ServerRow]) -> Soaks<'a> {
        Soaks { rows: Placed::Rows(rows), changed: &[] }
    }

    /// The soaks in `changed` (by server index, ascending) in place of the rows'.
    pub(crate) fn changed(self, changed: &'a [(usize, Option<SoakState>)]) -> Soaks<'a> {
        Soaks { changed, ..self }
    }

    /// Server `i`'s soak.
    pub(crate) fn of(&self, i: usize) -> Option<SoakState> {
        match self.changed.binary_search_by_key(&i, |(k, _)| *k) {
            Ok(k) => self.changed[k].1,
            Err(_) => match self.rows {
                Placed::Rows(rows) => rows.get(i).and_then(|r| r.soak),
                Placed::Places(places) => places.get(i).and_then(|p| p.soak),
            },
        }
    }

    /// Server `i`'s phase.
    pub(crate) fn phase(&self, i: usize) -> Option<usize> {
        match self.rows {
            Placed::Rows(rows) => rows.get(i).and_then(|r| r.phase),
            Placed::Places(places) => places.get(i).and_then(|p| p.phase),
        }
    }

    /// How many servers there are.
    pub(crate) fn len(&self) -> usize {
        match self.rows {
            Placed::Rows(rows) => rows.len(),
            Placed::Places(places) => places.len(),
        }
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
    /// false when the change reaches other servers' lines (a halt began or ended, the lab
    /// phase, a staggered start): then the caller builds the rollout's view again.
    fn update(
        &mut self,
        data: &Data,
        state: &State,
        servers: &[usize],
        rows: &[ServerRow],
        now: DateTime<Utc>,
    ) -> bool {
        if self.current.is_none() {
            return true;
        }
        lines::lines_of(data, state, self.rollout, servers, Soaks::of_rows(rows), now).is_some_and(|l| self.put(l))
    }

    pub fn gates_met(&self) -> bool {
        self.gates.iter().all(GateStatus::met)
    }

    pub fn unmet(&self) -> Vec<String> {
        self.gates.iter().flat_map(|g| g.unmet.iter().cloned()).collect()
    }

    /// Rollout `r`'s view at `now` (its phases' members, the current phase's gates), as
    /// `FleetView::build` derives it, from each server's phase and soak alone: what a phase's
    /// opening asks of the rules, without a row of every server (17 MB at 100,000 servers,
    /// built for each opening a full load judges).
    pub fn of(data: &Data, state: &State, r: usize, now: DateTime<Utc>) -> RolloutView {
        let parts = crate::parallel::halves(&state.servers, |from, part| {
            (from..from + part.len())
                .map(|i| {
                    let placed = placed(data, state, r, i, now);
                    Place { phase: placed.as_ref().and_then(|p| p.2), soak: placed.and_then(|p| p.3) }
                })
                .collect::<Vec<_>>()
        });
        let places: Vec<Place> = parts.into_iter().flatten().collect();
        rollout_view(data, state, r, Soaks { rows: Placed::Places(&places), changed: &[] }, now)
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
        view.rollout =
            selected.map(|r| std::sync::Arc::new(rollout_view(data, state, r, Soaks::of_rows(&view.rows), now)));
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
            self.rollout = Some(std::sync::Arc::new(rollout_view(data, state, r, Soaks::of_rows(&self.rows), now)));
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
    if let Some(r) = selected
        && let Some((rated, priority, phase, soak)) = placed(data, state, r, index, now)
    {
        let record = &state.progress[r].members[index];
        row.priority_overridden = record.priority_override.is_some();
        row.phase = phase;
        row.soak = soak;
        row.last_checkout = record.checkouts.last().map(|c| (c.result, c.at));
        row.priority = Some(priority);
        row.ratings = Some(rated);
    }
    row
}

/// Server `index`'s ratings, priority, phase and (in a phase) soak in rollout `r`, when it
/// runs the rollout's product.
fn placed(
    data: &Data,
    state: &State,
    r: usize,
    index: usize,
    now: DateTime<Utc>,
) -> Option<(Ratings, u8, Option<usize>, Option<SoakState>)> {
    let (ro, server) = (&data.plan.rollouts[r], &state.servers[index]);
    if !server.products.contains_key(&ro.product) {
        return None;
    }
    let record = &state.progress[r].members[index];
    let (rated, priority, phase) = placement(ro, record, server);
    let soak = phase.map(|p| {
        let window = Window::of(ro, p, state.progress[r].extra_days[p]);
        let start = match record.installed_at {
            Some(_) => Start::Installable,
            None => Target { catalog: &data.catalog, rollout: ro }.start(server),
        };
        soak_state(record, start, window, now)
    });
    Some((rated, priority, phase, soak))
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
