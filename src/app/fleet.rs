//! The fleet table's state: grouping by role, sort, filter and folds. Its lines are
//! derived once per change; the view builds cells for the visible window only.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::model::Data;
use crate::rules::{Compliance, FleetView, ServerRow, SoakState, State};

use super::filter::{Filter, Words};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Server,
    Site,
    Levels,
    Behind,
    HotFixes,
    Tier,
    Priority,
    Phase,
    Soak,
    Checkout,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Server,
        Column::Site,
        Column::Levels,
        Column::Behind,
        Column::HotFixes,
        Column::Tier,
        Column::Priority,
        Column::Phase,
        Column::Soak,
        Column::Checkout,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Server => "server",
            Column::Site => "site",
            Column::Levels => "levels",
            Column::Behind => "behind",
            Column::HotFixes => "hot fixes",
            Column::Tier => "tier",
            Column::Priority => "priority",
            Column::Phase => "phase",
            Column::Soak => "soak",
            Column::Checkout => "last checkout",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A role's heading: `role` indexes `fleet.roles`.
    Group {
        role: usize,
        count: usize,
        worst: Compliance,
        folded: bool,
    },
    Server(usize),
}

#[derive(Debug, Clone)]
pub struct FleetTable {
    pub sort: Column,
    pub descending: bool,
    pub filter: String,
    pub folded: HashSet<String>,
    pub lines: Vec<Line>,
    pub cursor: usize,
    pub offset: usize,
    /// What a filter word is matched against, built once per change (derived).
    words: Words,
    /// The longest server name, for the name column.
    pub name_width: usize,
    /// Servers that pass the filter (folded ones included).
    pub matched: usize,
    /// Each role's servers in sort order, and the order they were sorted for (derived).
    order: Vec<Vec<usize>>,
    sorted_for: Option<(Column, bool)>,
}

impl Default for FleetTable {
    fn default() -> Self {
        FleetTable {
            sort: Column::Server,
            descending: false,
            filter: String::new(),
            folded: HashSet::new(),
            lines: Vec::new(),
            cursor: 0,
            offset: 0,
            words: Words::default(),
            name_width: 8,
            matched: 0,
            order: Vec::new(),
            sorted_for: None,
        }
    }
}

impl FleetTable {
    /// Rebuild what filter words match against after the data changed.
    pub fn index(&mut self, data: &Data, state: &State, view: &FleetView) {
        self.sorted_for = None;
        self.name_width = state.servers.iter().map(|s| s.name.chars().count()).max().unwrap_or(8);
        self.words = Words::build(data, state, view);
    }

    /// Per server, whether its name contains `word` (lower-case), from the filter index.
    pub fn name_hits(&self, word: &str) -> Vec<bool> {
        self.words.name_hits(word)
    }

    /// Some rows changed: sort again unless the order is by name (names never change).
    pub fn changed(&mut self, servers: &[usize], view: &FleetView) {
        self.words.refresh(servers, view);
        if self.sort != Column::Server {
            self.sorted_for = None;
        }
    }

    /// Each role's servers in sort order, once per change of data or sort order, not per
    /// keystroke. Starts from the name order the state keeps, so sorting by name (the
    /// default) compares nothing and other columns sort stably by one small key.
    fn sort(&mut self, data: &Data, state: &State, view: &FleetView) {
        if self.sorted_for == Some((self.sort, self.descending)) {
            return;
        }
        let mut order = vec![Vec::new(); data.fleet.roles.len()];
        for i in state.by_name() {
            if let Some(members) = self.words.role(i).and_then(|g| order.get_mut(g)) {
                members.push(i);
            }
        }
        for members in &mut order {
            match (self.sort, self.descending) {
                (Column::Server, false) => {}
                (Column::Server, true) => members.reverse(),
                (column, descending) => members.sort_by(|&a, &b| {
                    let o = compare(column, &view.rows[a], &view.rows[b], state);
                    if descending { o.reverse() } else { o }
                }),
            }
        }
        self.order = order;
        self.sorted_for = Some((self.sort, self.descending));
    }

    /// Rebuild the visible lines after a change of data, filter, sort or folds.
    pub fn rebuild(&mut self, data: &Data, state: &State, view: &FleetView) {
        self.sort(data, state, view);
        let keep = self.selected_server();
        let filter = Filter::new(&self.filter, &self.words);
        // Each role's members that pass, on two threads when there is a filter to evaluate.
        let words = &self.words;
        let pass = |i: usize| filter.passes(i, &view.rows, words);
        let filter_roles = |roles: &[Vec<usize>]| -> Vec<Vec<usize>> {
            roles.iter().map(|order| order.iter().copied().filter(|&i| pass(i)).collect()).collect()
        };
        let passed: Vec<Vec<usize>> = if filter.is_empty() {
            Vec::new()
        } else {
            let total: usize = self.order.iter().map(Vec::len).sum();
            let mut seen = 0;
            let cut = self.order.iter().position(|o| {
                seen += o.len();
                seen * 2 >= total
            });
            let (a, b) = self.order.split_at(cut.map_or(0, |c| c + 1).min(self.order.len()));
            let (mut first, second) = crate::parallel::join(|| filter_roles(a), || filter_roles(b));
            first.extend(second);
            first
        };
        // The last lines' memory is reused: no fresh pages per keystroke.
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        self.matched = 0;
        for (g, role) in data.fleet.roles.iter().enumerate() {
            let members: &[usize] =
                if filter.is_empty() { self.order.get(g).map_or(&[], Vec::as_slice) } else { &passed[g] };
            if members.is_empty() {
                continue;
            }
            self.matched += members.len();
            let worst = self.words.worst(members);
            let folded = self.folded.contains(&role.id);
            lines.push(Line::Group { role: g, count: members.len(), worst, folded });
            if !folded {
                lines.extend(members.iter().map(|&i| Line::Server(i)));
            }
        }
        self.lines = lines;
        if let Some(i) = keep.and_then(|k| self.lines.iter().position(|l| *l == Line::Server(k))) {
            self.cursor = i;
        }
        self.cursor = self.cursor.min(self.lines.len().saturating_sub(1));
    }

    pub fn selected_server(&self) -> Option<usize> {
        match self.lines.get(self.cursor) {
            Some(Line::Server(i)) => Some(*i),
            _ => None,
        }
    }

    /// Keep the cursor inside a window of `height` rows.
    pub fn scroll_to_cursor(&mut self, height: usize) {
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
    }
}

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

/// Most urgent last, so a descending sort puts overdue servers on top.
fn soak_rank(s: Option<SoakState>) -> (u8, u32) {
    match s {
        None => (0, 0),
        Some(SoakState::Excluded) => (1, 0),
        Some(SoakState::NotStarted) => (2, 0),
        Some(SoakState::Ready { day }) => (3, day),
        Some(SoakState::Soaking { day, .. }) => (4, day),
        Some(SoakState::CheckoutDue { day, .. }) => (5, day),
        Some(SoakState::BackedOut) => (6, 0),
        Some(SoakState::Failed { day }) => (7, day),
        Some(SoakState::Overdue { day, .. }) => (8, day),
    }
}
