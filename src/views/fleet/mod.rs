//! The fleet view: servers grouped by role, sorted, filtered and folded. Its lines are derived
//! once per change; drawing builds cells for the visible window only (`draw`).

mod columns;
mod draw;
mod filter;
mod matching;
mod orders;
mod words;

use std::collections::HashSet;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;

use crate::app::action::{self, Action, Binding, Group, binding};
use crate::model::Data;
use crate::rules::{Compliance, FleetView, State};
use crate::ui::scroll::Scroll;
use crate::ui::theme::Theme;

use super::{Effect, Names, Snapshot, View};
pub use columns::{Column, LEGEND};
use filter::Filter;
use matching::Matching;
pub use matching::ON_WORKER;
pub use orders::SortJob;
use orders::{Order, Orders};
use words::Words;

/// Kept in the front of the derived-state cache (`app::front`) as the first frame shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    pub scroll: Scroll,
    /// What a filter word is matched against, built once per change (derived; shared with
    /// the sorting worker).
    words: Arc<Words>,
    /// Servers that pass the filter (folded ones included).
    pub matched: usize,
    /// Each role's servers in sort order, and the order they were sorted for (derived).
    order: Order,
    sorted_for: Option<(Column, bool)>,
    /// Which rows the table shows: a new number at every change of them (`orders`).
    generation: u64,
    /// Which fleet the table shows (its servers' names, roles and sites): a new number at every
    /// `index`, kept through changes of the rows, which leave the orders by name and by site
    /// as they were.
    fleet: u64,
    /// Every column's order, sorted ahead on a worker (`App::sort_ahead`).
    orders: Orders,
    /// Sorts that took an order sorted ahead rather than sorting on the input thread.
    pub sorts_taken: usize,
    /// The filter being matched on a worker as the operator types (a large fleet).
    matching: Option<Matching>,
    /// Fleets larger than this are matched on the worker (`ON_WORKER`; tests lower it).
    pub on_worker: usize,
    /// Rung by the filter's worker when its lines are ready.
    pub doorbell: crate::views::Doorbell,
}

impl Default for FleetTable {
    fn default() -> Self {
        FleetTable {
            sort: Column::Server,
            descending: false,
            filter: String::new(),
            folded: HashSet::new(),
            lines: Vec::new(),
            scroll: Scroll::default(),
            words: Arc::default(),
            matched: 0,
            order: Arc::default(),
            sorted_for: None,
            generation: orders::next_generation(),
            fleet: orders::next_generation(),
            orders: Orders::default(),
            sorts_taken: 0,
            matching: None,
            on_worker: ON_WORKER,
            doorbell: Default::default(),
        }
    }
}

impl FleetTable {
    /// Rebuild what filter words match against after the data changed.
    pub fn index(&mut self, data: &Data, state: &State, view: &FleetView) {
        self.sorted_for = None;
        self.generation = orders::next_generation();
        self.fleet = orders::next_generation();
        self.words = Arc::new(Words::build(data, state, view));
    }

    /// Some rows changed: sort again unless the order is by name (names never change).
    pub fn changed(&mut self, servers: &[usize], view: &FleetView) {
        // A worker sorting still holds the words: it keeps its copy.
        Arc::make_mut(&mut self.words).refresh(servers, view);
        self.generation = orders::next_generation();
        if !self.sort.by_fleet() {
            self.sorted_for = None;
        }
    }

    /// Each role's servers in sort order, once per change of data or sort order, not per
    /// keystroke: the order sorted ahead for these very rows when the worker has made it,
    /// else sorted here.
    fn sort(&mut self, data: &Data, state: &State, view: &FleetView) {
        if self.sorted_for == Some((self.sort, self.descending)) {
            return;
        }
        self.order = match self.orders.ready((self.generation, self.fleet), self.sort, self.descending) {
            Some(order) => {
                self.sorts_taken += 1;
                order
            }
            None => Arc::new(orders::order_by(
                self.sort,
                self.descending,
                data.fleet.roles.len(),
                state.by_name(),
                &view.rows,
                &self.words,
            )),
        };
        self.sorted_for = Some((self.sort, self.descending));
    }

    /// The worker's job of sorting every column for the rows shown now, unless that is done
    /// or a worker is sorting (`App::sort_ahead` runs it).
    pub fn sort_job(&self, data: &Data, state: &State, view: &FleetView) -> Option<SortJob> {
        if !self.orders.wanted(self.generation) {
            return None;
        }
        let input = orders::Input {
            roles: data.fleet.roles.len(),
            by_name: state.by_name().map(|i| i as u32).collect(),
            rows: Arc::clone(&view.rows),
            words: Arc::clone(&self.words),
        };
        self.orders.job(self.generation, self.fleet, input)
    }

    /// A worker is sorting the columns ahead.
    pub fn sorting(&self) -> bool {
        self.orders.sorting()
    }

    /// Every column's order is sorted ahead for the rows shown now.
    pub fn orders_ready(&self) -> bool {
        self.orders.is_ready(self.generation)
    }

    /// Rebuild the visible lines after a change of data, filter, sort or folds (a filter under
    /// way on the worker is superseded: this one applies the filter here).
    pub fn rebuild(&mut self, data: &Data, state: &State, view: &FleetView, names: &Names) {
        self.matching = None;
        self.sort(data, state, view);
        let filter = Filter::new(&self.filter, &self.words, names);
        let passed = (!filter.is_empty()).then(|| matching::passed(&self.order, &filter, &view.rows, &self.words));
        self.lay_out(data, passed);
    }

    /// The lines from each role's members that passed (`None`: no filter, every member).
    fn lay_out(&mut self, data: &Data, passed: Option<Vec<Vec<u32>>>) {
        let keep = self.selected_server();
        // The last lines' memory is reused: no fresh pages per keystroke.
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        // Room for every line at once (a group's line and its members): pushed into, 100,000
        // lines were held twice over while the vector doubled.
        let members: usize = passed.as_ref().unwrap_or(&self.order).iter().map(Vec::len).sum();
        lines.reserve(members + self.order.len());
        self.matched = 0;
        for g in 0..self.order.len() {
            let members: &[u32] = match &passed {
                None => self.order.get(g).map_or(&[], Vec::as_slice),
                Some(passed) => passed.get(g).map_or(&[], Vec::as_slice),
            };
            if members.is_empty() {
                continue;
            }
            self.matched += members.len();
            let worst = self.words.worst(members);
            let folded = data.fleet.roles.get(g).is_some_and(|role| self.folded.contains(&role.id));
            lines.push(Line::Group { role: g, count: members.len(), worst, folded });
            if !folded {
                lines.extend(members.iter().map(|&i| Line::Server(i as usize)));
            }
        }
        self.lines = lines;
        if let Some(i) = keep.and_then(|k| self.lines.iter().position(|l| *l == Line::Server(k))) {
            self.scroll.cursor = i;
        }
        self.scroll.clamp(self.lines.len());
    }

    /// The table as the first frame shows it, from lines kept in the front of the
    /// derived-state cache (`app::front`): the default order, nothing filtered or folded.
    pub fn from_front(lines: Vec<Line>) -> FleetTable {
        let matched = lines.iter().filter(|l| matches!(l, Line::Server(_))).count();
        let mut t = FleetTable { lines, matched, ..FleetTable::default() };
        t.scroll.clamp(t.lines.len());
        t
    }

    /// Whether the table is as it first shows: the default order, nothing filtered or folded.
    pub fn at_start(&self) -> bool {
        self.sort == Column::Server && !self.descending && self.filter.is_empty() && self.folded.is_empty()
    }

    /// Land on the first matching server, not on its group row.
    fn land(&mut self) {
        self.scroll.cursor = self.lines.iter().position(|l| matches!(l, Line::Server(_))).unwrap_or(0);
    }

    pub fn selected_server(&self) -> Option<usize> {
        match self.lines.get(self.scroll.cursor) {
            Some(Line::Server(i)) => Some(*i),
            _ => None,
        }
    }

    /// Fold the group under the cursor, or the group of the server under it.
    fn fold(&mut self, snap: &Snapshot) {
        let data = &snap.live.data;
        let cursor = self.scroll.cursor.min(self.lines.len().saturating_sub(1));
        let role = self.lines[..=cursor].iter().rev().find_map(|l| match l {
            Line::Group { role, .. } => data.fleet.roles.get(*role).map(|r| r.id.clone()),
            Line::Server(_) => None,
        });
        let Some(role) = role else { return };
        if !self.folded.remove(&role) {
            self.folded.insert(role.clone());
        }
        self.rebuild(data, &snap.live.state, snap.view, snap.names);
        let group = data.fleet.roles.iter().position(|r| r.id == role);
        if let Some(i) = self.lines.iter().position(|l| matches!(l, Line::Group { role: r, .. } if Some(*r) == group)) {
            self.scroll.cursor = i;
        }
    }
}

const KEYS: &[Binding] = &[
    action::OPEN,
    action::FILTER,
    binding(&[(KeyCode::Char('o'), N)], "o", Action::SortNext, "sort by the next column", Group::Command, ""),
    binding(
        &[(KeyCode::Char('O'), S), (KeyCode::Char('O'), N)],
        "O",
        Action::SortReverse,
        "reverse the sort",
        Group::Command,
        "",
    ),
    binding(&[(KeyCode::Char(' '), N)], "space", Action::Fold, "fold / unfold the role group", Group::Command, ""),
];
const N: ratatui::crossterm::event::KeyModifiers = ratatui::crossterm::event::KeyModifiers::NONE;
const S: ratatui::crossterm::event::KeyModifiers = ratatui::crossterm::event::KeyModifiers::SHIFT;

impl View for FleetTable {
    fn keys(&self) -> Vec<&'static Binding> {
        KEYS.iter().chain(&action::SERVER_RECORDS).collect()
    }

    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        LEGEND
    }

    fn derive(&mut self, snap: &Snapshot, servers: Option<&[usize]>) {
        let (data, state) = (&snap.live.data, &snap.live.state);
        match servers {
            None => self.index(data, state, snap.view),
            Some(servers) => self.changed(servers, snap.view),
        }
        self.rebuild(data, state, snap.view, snap.names);
    }

    fn select(&mut self, server: usize) {
        if let Some(i) = self.lines.iter().position(|l| *l == Line::Server(server)) {
            self.scroll.cursor = i;
        }
    }

    fn click(&mut self, row: u16, _snap: &Snapshot) -> Effect {
        // The block's top border and the column headings come first.
        let Some(n) = usize::from(row).checked_sub(2).map(|n| n + self.scroll.offset()) else {
            return Effect::Done;
        };
        if n >= self.lines.len() {
            return Effect::Done;
        }
        self.scroll.cursor = n;
        self.selected_server().map_or(Effect::Done, Effect::Select)
    }

    fn update(&mut self, action: Action, snap: &Snapshot, page: usize) -> Effect {
        let (data, state) = (&snap.live.data, &snap.live.state);
        if let Some(rows) = action.rows(page) {
            self.scroll.step(rows, self.lines.len());
            return self.selected_server().map_or(Effect::Done, Effect::Select);
        }
        match action {
            Action::Open => match self.lines.get(self.scroll.cursor) {
                Some(Line::Server(i)) => Effect::OpenServer(*i),
                Some(Line::Group { .. }) => {
                    self.fold(snap);
                    Effect::Done
                }
                None => Effect::Done,
            },
            Action::Fold => {
                self.fold(snap);
                Effect::Done
            }
            Action::SortNext => {
                let i = Column::ALL.iter().position(|c| *c == self.sort).unwrap_or(0);
                self.sort = Column::ALL[(i + 1) % Column::ALL.len()];
                self.rebuild(data, state, snap.view, snap.names);
                Effect::Done
            }
            Action::SortReverse => {
                self.descending = !self.descending;
                self.rebuild(data, state, snap.view, snap.names);
                Effect::Done
            }
            Action::Back if !self.filter.is_empty() => {
                self.set_filter(String::new(), snap);
                Effect::Done
            }
            _ => Effect::Ignored,
        }
    }

    fn target(&self, _snap: &Snapshot) -> Option<usize> {
        self.selected_server()
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, filter: String, snap: &Snapshot) {
        self.filter = filter;
        if !self.filter.is_empty() && snap.view.rows.len() > self.on_worker {
            // Typed at a large fleet: matched on the worker, the lines follow.
            self.sort(&snap.live.data, &snap.live.state, snap.view);
            let input = matching::Input {
                words: Arc::clone(&self.words),
                names: Arc::clone(snap.names),
                rows: Arc::clone(&snap.view.rows),
            };
            let (text, order) = (self.filter.clone(), Arc::clone(&self.order));
            self.matching = Matching::start(text, self.generation, order, input, self.doorbell.clone());
            if self.matching.is_some() {
                return;
            }
        }
        self.scroll = Scroll::default();
        self.rebuild(&snap.live.data, &snap.live.state, snap.view, snap.names);
        self.land();
    }

    fn fit_page(&mut self, page: usize) {
        self.scroll.follow(page);
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        draw::draw(self, frame, snap, theme, area);
    }
}

#[cfg(test)]
mod tests;
