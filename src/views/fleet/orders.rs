//! Each column's sort order derived ahead, on a worker, after each change of the rows: a sort
//! key then takes the ready order instead of sorting 100,000 servers on the input path. An
//! order is taken only for the very rows it was sorted from (its generation); until it is
//! ready, the key sorts on the input thread as before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::rules::ServerRow;

use super::Column;
use super::words::Words;
use crate::rules::SoakState;

/// Each role's servers in sort order (a last group for servers of a role fleet.ron lacks), as
/// `u32` server indices: every column's order is kept both ways, 20 of them, 8 MB at 100,000
/// servers rather than 16.
pub(super) type Order = Arc<Vec<Vec<u32>>>;

/// A number no other derivation of any fleet table has had (a clone of a dashboard included),
/// so an order sorted from other rows can never pass for this one's.
pub(super) fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Where `column` in `descending` order is kept.
fn slot(column: Column, descending: bool) -> usize {
    Column::ALL.iter().position(|&c| c == column).unwrap_or(0) * 2 + usize::from(descending)
}

#[derive(Debug, Default)]
struct Ready {
    /// The generation the orders were sorted from.
    generation: u64,
    /// By `slot`.
    orders: Vec<Order>,
    /// The generation a worker is sorting now.
    running: Option<u64>,
    /// The orders by site, both ways, and the fleet they were sorted for: they read no row, so
    /// they hold through every change of the rows (a minute's tick, a write) until the fleet
    /// itself changes.
    by_site: Option<(u64, [Order; 2])>,
}

/// The orders derived ahead, shared by the table and its worker.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    shared: Arc<Mutex<Ready>>,
}

impl Orders {
    /// The order of `column` sorted from the rows of `generation` (or, by site, for `fleet`),
    /// if the worker has made it.
    pub(super) fn ready(&self, (generation, fleet): (u64, u64), column: Column, descending: bool) -> Option<Order> {
        let ready = self.shared.lock().ok()?;
        if ready.generation == generation {
            return ready.orders.get(slot(column, descending)).cloned();
        }
        match &ready.by_site {
            Some((f, orders)) if column == Column::Site && *f == fleet => {
                Some(Arc::clone(&orders[usize::from(descending)]))
            }
            _ => None,
        }
    }

    /// The orders of `generation` are ready.
    pub(super) fn is_ready(&self, generation: u64) -> bool {
        self.shared.lock().is_ok_and(|r| r.generation == generation && !r.orders.is_empty())
    }

    /// A worker is sorting.
    pub(super) fn sorting(&self) -> bool {
        self.shared.lock().is_ok_and(|r| r.running.is_some())
    }

    /// A worker would be started for `generation`: its orders are not ready, and no worker is
    /// sorting (checked before the name order is copied for one).
    pub(super) fn wanted(&self, generation: u64) -> bool {
        self.shared.lock().is_ok_and(|r| r.generation != generation && r.running.is_none())
    }

    /// A worker's job for `generation`, unless its orders are ready or a worker is sorting
    /// (one at a time: the next starts when the loop comes round after it).
    pub(super) fn job(&self, generation: u64, fleet: u64, input: Input) -> Option<SortJob> {
        let mut ready = self.shared.lock().ok()?;
        if ready.generation == generation || ready.running.is_some() {
            return None;
        }
        ready.running = Some(generation);
        // An older generation's orders are never taken again: let go of them before the new
        // are sorted (both held was 8 MB more at every change, each minute's tick included),
        // freed by the worker, off the input path.
        let stale = std::mem::take(&mut ready.orders);
        // The orders by site of this fleet are taken as they are, not sorted again.
        let by_site = ready.by_site.clone().filter(|(f, _)| *f == fleet).map(|(_, orders)| orders);
        Some(SortJob { generation, fleet, input: Some(input), shared: Arc::clone(&self.shared), stale, by_site })
    }
}

/// What an order is sorted from: the table's state at one generation. The rows and words are
/// shared; the name order is copied (400 KB at 100,000 servers) so that the worker holds no
/// part of the replayed state, which a write would otherwise have to copy whole.
pub(super) struct Input {
    pub(super) roles: usize,
    pub(super) by_name: Vec<u32>,
    pub(super) rows: Arc<Vec<ServerRow>>,
    pub(super) words: Arc<Words>,
}

/// Every column's order in both directions, for one generation of the rows.
pub struct SortJob {
    generation: u64,
    fleet: u64,
    /// The orders by site already sorted for this fleet, both ways.
    by_site: Option<[Order; 2]>,
    input: Option<Input>,
    shared: Arc<Mutex<Ready>>,
    /// The older generation's orders, freed with the job (on the worker).
    stale: Vec<Order>,
}

impl SortJob {
    /// Sort every column both ways (on the worker), then leave the orders for the table.
    pub fn run(mut self) {
        drop(std::mem::take(&mut self.stale));
        let Some(input) = self.input.take() else { return };
        let Input { roles, by_name, rows, words } = &input;
        let orders: Vec<Order> = Column::ALL
            .iter()
            .flat_map(|&c| [false, true].map(|d| (c, d)))
            .map(|(column, descending)| match &self.by_site {
                Some(kept) if column == Column::Site => Arc::clone(&kept[usize::from(descending)]),
                _ => Arc::new(order_by(column, descending, *roles, by_name.iter().map(|&i| i as usize), rows, words)),
            })
            .collect();
        // The shared state is let go before the orders are offered: a change after this copies
        // nothing.
        drop(input);
        let site = |d| Arc::clone(&orders[slot(Column::Site, d)]);
        let by_site = Some((self.fleet, [site(false), site(true)]));
        if let Ok(mut ready) = self.shared.lock() {
            *ready = Ready { generation: self.generation, orders, running: None, by_site };
        }
    }
}

impl Drop for SortJob {
    /// A job dropped unrun (no thread to be had) leaves the way open for the next.
    fn drop(&mut self) {
        if let Ok(mut ready) = self.shared.lock()
            && ready.running == Some(self.generation)
        {
            ready.running = None;
        }
    }
}

/// Each role's servers in the order of `column`. Starts from the name order the state keeps
/// (`by_name`),
/// so sorting by name (the default) compares nothing and the other columns sort stably by one
/// small key, ties in name order whichever the direction.
pub(super) fn order_by(
    column: Column,
    descending: bool,
    roles: usize,
    by_name: impl Iterator<Item = usize>,
    rows: &[ServerRow],
    words: &Words,
) -> Vec<Vec<u32>> {
    // One group per role (`roles` in fleet.ron), and a last one for servers whose role
    // fleet.ron does not know: nothing disappears silently.
    let invalid = roles;
    let mut order = vec![Vec::new(); invalid + 1];
    for i in by_name {
        let g = words.role(i).filter(|&g| g < invalid).unwrap_or(invalid);
        order[g].push(i as u32);
    }
    // Every other column sorts one number per server, its place in name order breaking
    // ties: the order a stable sort by the column would give, without comparing rows.
    let mut keyed: Vec<(u128, u32)> = Vec::new();
    for members in &mut order {
        match (column, descending) {
            (Column::Server, false) => {}
            (Column::Server, true) => members.reverse(),
            (column, descending) => {
                keyed.clear();
                keyed.extend(members.iter().enumerate().map(|(place, &i)| {
                    let i = i as usize;
                    let key = sort_key(column, &rows[i], words, i);
                    (if descending { !key } else { key }, place as u32)
                }));
                // Stable, on the key alone: few distinct values and long runs sort in about
                // one pass.
                keyed.sort_by_key(|&(key, _)| key);
                let names = std::mem::take(members);
                members.extend(keyed.iter().map(|&(_, place)| names[place as usize]));
            }
        }
    }
    order
}

/// The column's value for row `row` (server `i`) as one number ordered as the column sorts:
/// an absent value first, then the values in their own order.
pub(super) fn sort_key(column: Column, row: &ServerRow, words: &Words, i: usize) -> u128 {
    let some = |v: u128| (1u128 << 100) | v;
    match column {
        Column::Server => 0,
        Column::Site => u128::from(words.site_rank(i)),
        Column::Levels | Column::Behind => u128::from(row.behind),
        Column::HotFixes => (u128::from(row.ready) << 16) | u128::from(row.blocked),
        Column::Tier => row.tier().map_or(0, |t| some(t as u128)),
        Column::Priority => row.priority.map_or(0, |p| some(u128::from(p))),
        Column::Phase => row.phase.map_or(0, |p| some(p as u128)),
        Column::Soak => {
            let (rank, day) = soak_rank(row.soak);
            (u128::from(rank) << 32) | u128::from(day)
        }
        Column::Checkout => row.last_checkout.map_or(0, |(_, at)| {
            // Seconds as an order-keeping unsigned number, then the nanoseconds.
            let seconds = (at.timestamp() as u64) ^ (1 << 63);
            some((u128::from(seconds) << 32) | u128::from(at.timestamp_subsec_nanos()))
        }),
    }
}

/// Most urgent last, so a descending sort puts overdue servers on top.
pub(super) fn soak_rank(s: Option<SoakState>) -> (u8, u32) {
    match s {
        None => (0, 0),
        Some(SoakState::Excluded) => (1, 0),
        Some(SoakState::NotStarted) => (2, 0),
        Some(SoakState::AtTarget { verified: true }) => (3, 0),
        Some(SoakState::AtTarget { verified: false }) => (4, 0),
        Some(SoakState::Blocked) => (5, 0),
        Some(SoakState::Ready { day }) => (6, day),
        Some(SoakState::Soaking { day, .. }) => (7, day),
        Some(SoakState::CheckoutDue { day, .. }) => (8, day),
        Some(SoakState::BackedOut) => (9, 0),
        Some(SoakState::Failed { day }) => (10, day),
        Some(SoakState::Overdue { day, .. }) => (11, day),
    }
}
