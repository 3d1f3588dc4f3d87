//! The fleet table's sort: every column as a stable sort by its values would give.

use std::cmp::Ordering;

use super::orders::soak_rank;
use super::*;
use crate::rules::ServerRow;

/// The comparison the table sorted by before it sorted numbers (the reference).
fn compare(column: Column, a: &ServerRow, b: &ServerRow, state: &State) -> Ordering {
    match column {
        Column::Server => state.servers[a.index].name.cmp(&state.servers[b.index].name),
        Column::Site => state.servers[a.index].site.cmp(&state.servers[b.index].site),
        Column::Levels | Column::Behind => a.behind.cmp(&b.behind),
        Column::HotFixes => (a.ready, a.blocked).cmp(&(b.ready, b.blocked)),
        Column::Tier => a.tier().cmp(&b.tier()),
        Column::Priority => a.priority.cmp(&b.priority),
        Column::Phase => a.phase.cmp(&b.phase),
        Column::Soak => soak_rank(a.soak).cmp(&soak_rank(b.soak)),
        Column::Checkout => a.last_checkout.map(|c| c.1).cmp(&b.last_checkout.map(|c| c.1)),
    }
}

/// A generated fleet of 3,000 servers, its view, and its table indexed.
fn generated() -> (crate::live::Loaded, FleetView, FleetTable) {
    let now = crate::rules::fixture::now();
    let store = crate::synthetic::memory_store(3000, 30000, now);
    let loaded = crate::live::load(&store.arc()).expect("load");
    let view = FleetView::build(&loaded.data, &loaded.state, Some(0), now);
    let mut table = FleetTable::default();
    table.index(&loaded.data, &loaded.state, &view);
    (loaded, view, table)
}

#[test]
fn every_column_sorts_as_a_stable_sort_by_its_values_in_both_directions() {
    let (loaded, view, mut table) = generated();
    let (data, state) = (&loaded.data, &loaded.state);
    for column in Column::ALL {
        for descending in [false, true] {
            table.sort = column;
            table.descending = descending;
            table.sort(data, state, &view);
            for (g, members) in table.order.iter().enumerate() {
                let mut expected: Vec<u32> = state
                    .by_name()
                    .filter(|&i| table.words.role(i).unwrap_or(usize::MAX).min(data.fleet.roles.len()) == g)
                    .map(|i| i as u32)
                    .collect();
                if column == Column::Server && descending {
                    expected.reverse();
                } else {
                    expected.sort_by(|&a, &b| {
                        let o = compare(column, &view.rows[a as usize], &view.rows[b as usize], state);
                        if descending { o.reverse() } else { o }
                    });
                }
                assert_eq!(members, &expected, "{column:?}, descending {descending}, group {g}");
            }
        }
    }
}

#[test]
fn every_columns_order_made_the_other_way_from_its_runs_is_the_order_sorted_descending() {
    let (loaded, view, table) = generated();
    let (data, state) = (&loaded.data, &loaded.state);
    let groups = orders::groups(data.fleet.roles.len(), state.by_name(), &table.words);
    assert!(groups.iter().any(|g| g.len() > 200), "groups of several words of bits");
    let mut keyed = Vec::new();
    for column in Column::ALL {
        let (up, runs) = orders::order_of(column, false, &groups, &view.rows, &table.words, &mut keyed);
        let (down, _) = orders::order_of(column, true, &groups, &view.rows, &table.words, &mut keyed);
        let ties = up.iter().map(Vec::len).sum::<usize>()
            - runs.iter().flatten().map(|w| w.count_ones() as usize).sum::<usize>();
        assert!(column == Column::Server || ties > 0, "{column:?} has ties to keep in name order");
        assert_eq!(orders::reversed(&up, &runs), down, "{column:?}");
    }
}
