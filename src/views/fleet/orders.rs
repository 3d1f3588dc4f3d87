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
/// `u32` server indices.
pub(super) type Order = Arc<Vec<Vec<u32>>>;

/// A column's order ascending, and where each of its runs of equal values starts (a bit a
/// place, a list a group): descending is the runs in reverse, each still in name order, made
/// when asked (`reversed`, a fraction of a millisecond at 100,000 servers). Every column kept
/// one way is 4 MB at 100,000 servers; both ways were 8, and a first start's peak.
#[derive(Debug, Clone)]
struct Sorted {
    order: Order,
    runs: Arc<Vec<Vec<u64>>>,
}

impl Sorted {
    fn way(&self, descending: bool) -> Order {
        if descending { Arc::new(reversed(&self.order, &self.runs)) } else { Arc::clone(&self.order) }
    }
}

/// `order` (ascending) the other way: its runs of equal values (starting where `runs` has a
/// bit) last to first, each in the order it has (name order), as a stable sort descending
/// gives.
pub(super) fn reversed(order: &[Vec<u32>], runs: &[Vec<u64>]) -> Vec<Vec<u32>> {
    order
        .iter()
        .zip(runs)
        .map(|(members, starts)| {
            let mut out = Vec::with_capacity(members.len());
            let mut end = members.len();
            while end > 0 {
                let start = last_start_before(starts, end);
                out.extend_from_slice(&members[start..end]);
                end = start;
            }
            out
        })
        .collect()
}

/// The last place below `end` whose bit is set (the first place always has one).
fn last_start_before(bits: &[u64], end: usize) -> usize {
    let mut k = end - 1;
    loop {
        let (w, b) = (k / 64, k % 64);
        let word = bits.get(w).copied().unwrap_or(0) & (u64::MAX >> (63 - b));
        if word != 0 {
            return w * 64 + 63 - word.leading_zeros() as usize;
        }
        if w == 0 {
            return 0;
        }
        k = w * 64 - 1;
    }
}

/// A number no other derivation of any fleet table has had (a clone of a dashboard included),
/// so an order sorted from other rows can never pass for this one's.
pub(super) fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Where `column`'s order is kept.
fn slot(column: Column) -> usize {
    Column::ALL.iter().position(|&c| c == column).unwrap_or(0)
}

#[derive(Debug, Default)]
struct Ready {
    /// The generation the orders were sorted from.
    generation: u64,
    /// By `slot`.
    orders: Vec<Sorted>,
    /// The generation a worker is sorting now.
    running: Option<u64>,
    /// The order by site, and the fleet it was sorted for: it reads no row, so it holds
    /// through every change of the rows (a minute's tick, a write) until the fleet itself
    /// changes.
    by_site: Option<(u64, Sorted)>,
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
        let sorted = {
            let ready = self.shared.lock().ok()?;
            if ready.generation == generation {
                ready.orders.get(slot(column)).cloned()
            } else {
                match &ready.by_site {
                    Some((f, sorted)) if column == Column::Site && *f == fleet => Some(sorted.clone()),
                    _ => None,
                }
            }
        }?;
        // The other way is made outside the lock.
        Some(sorted.way(descending))
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
    /// The order by site already sorted for this fleet.
    by_site: Option<Sorted>,
    input: Option<Input>,
    shared: Arc<Mutex<Ready>>,
    /// The older generation's orders, freed with the job (on the worker).
    stale: Vec<Sorted>,
}

impl SortJob {
    /// Sort every column (on the worker), then leave the orders for the table.
    pub fn run(mut self) {
        drop(std::mem::take(&mut self.stale));
        let Some(input) = self.input.take() else { return };
        let Input { roles, by_name, rows, words } = &input;
        let groups = groups(*roles, by_name.iter().map(|&i| i as usize), words);
        // The room to sort the largest group in, taken once for every column.
        let mut keyed = Vec::with_capacity(groups.iter().map(Vec::len).max().unwrap_or(0));
        let orders: Vec<Sorted> = Column::ALL
            .iter()
            .map(|&column| match &self.by_site {
                Some(kept) if column == Column::Site => kept.clone(),
                _ => {
                    let (order, runs) = order_of(column, false, &groups, rows, words, &mut keyed);
                    Sorted { order: Arc::new(order), runs: Arc::new(runs) }
                }
            })
            .collect();
        drop((keyed, groups));
        // The shared state is let go before the orders are offered: a change after this copies
        // nothing.
        drop(input);
        let by_site = Some((self.fleet, orders[slot(Column::Site)].clone()));
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
    by_name: impl Iterator<Item = usize> + Clone,
    rows: &[ServerRow],
    words: &Words,
) -> Vec<Vec<u32>> {
    order_of(column, descending, &groups(roles, by_name, words), rows, words, &mut Vec::new()).0
}

/// Each role's servers in name order: one group per role (`roles` in fleet.ron), and a last
/// one for servers whose role fleet.ron does not know (nothing disappears silently). Each
/// group at its final size: counted first, not grown.
pub(super) fn groups(roles: usize, by_name: impl Iterator<Item = usize> + Clone, words: &Words) -> Vec<Vec<u32>> {
    let invalid = roles;
    let group = |i: usize| words.role(i).filter(|&g| g < invalid).unwrap_or(invalid);
    let mut sizes = vec![0usize; invalid + 1];
    by_name.clone().for_each(|i| sizes[group(i)] += 1);
    let mut order: Vec<Vec<u32>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for i in by_name {
        order[group(i)].push(i as u32);
    }
    order
}

/// `groups` (each role's servers in name order) in the order of `column`, each group a list of
/// its final size, and where in each group a run of equal values starts (a bit a place).
/// `keyed` is room the caller keeps from one column to the next: a job sorting every column
/// allocates each order once, and frees nothing between them (a first start's memory was
/// higher by what the freed lists left scattered).
pub(super) fn order_of(
    column: Column,
    descending: bool,
    groups: &[Vec<u32>],
    rows: &[ServerRow],
    words: &Words,
    keyed: &mut Vec<(u128, u32)>,
) -> (Vec<Vec<u32>>, Vec<Vec<u64>>) {
    let bits = |n: usize| vec![0u64; n.div_ceil(64)];
    groups
        .iter()
        .map(|members| match (column, descending) {
            // Names are unique: every place starts a run.
            (Column::Server, false) => (members.clone(), every(members.len())),
            (Column::Server, true) => (members.iter().rev().copied().collect(), every(members.len())),
            // Every other column sorts one number per server, its place in name order
            // breaking ties: the order a stable sort by the column would give, without
            // comparing rows.
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
                let mut runs = bits(members.len());
                for (p, w) in keyed.windows(2).enumerate() {
                    if w[0].0 != w[1].0 {
                        runs[(p + 1) / 64] |= 1 << ((p + 1) % 64);
                    }
                }
                if let Some(first) = runs.first_mut() {
                    *first |= 1;
                }
                (keyed.iter().map(|&(_, place)| members[place as usize]).collect(), runs)
            }
        })
        .unzip()
}

/// A run starting at each of `n` places.
fn every(n: usize) -> Vec<u64> {
    let mut bits = vec![u64::MAX; n.div_ceil(64)];
    if let Some(last) = bits.last_mut()
        && !n.is_multiple_of(64)
    {
        *last = (1 << (n % 64)) - 1;
    }
    bits
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
