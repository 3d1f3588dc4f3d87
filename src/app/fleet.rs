//! The fleet table's state: grouping by role, sort, filter and folds. Its lines are
//! derived once per change; the view builds cells for the visible window only.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::model::{Data, Rating};
use crate::rules::{Compliance, FleetView, ServerRow, SoakState, State};

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
    Group { role: String, name: String, count: usize, worst: Compliance, folded: bool },
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
    /// Per server, the lower-case words a filter term is matched against.
    haystack: Vec<String>,
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
            haystack: Vec::new(),
            name_width: 8,
            matched: 0,
            order: Vec::new(),
            sorted_for: None,
        }
    }
}

/// One filter term, parsed once per keystroke: `behind>=2`, `priority=1`, `tier=high`,
/// `without=high`, or a word matched against the server's words.
enum Term {
    Behind(Cmp, u8),
    Priority(Cmp, u8),
    Tier(Rating),
    Without(Rating),
    Word(String),
    /// A comparison that cannot match (an unknown value): nothing passes.
    Never,
}

#[derive(Clone, Copy)]
enum Cmp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
}

impl Cmp {
    fn test(self, a: u8, b: u8) -> bool {
        match self {
            Cmp::Ge => a >= b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Lt => a < b,
            Cmp::Eq => a == b,
        }
    }
}

impl Term {
    fn parse(term: &str) -> Term {
        let rating = |s: &str| Rating::ALL.into_iter().find(|r| r.label().to_lowercase().starts_with(s));
        for (op, cmp) in [(">=", Cmp::Ge), ("<=", Cmp::Le), (">", Cmp::Gt), ("<", Cmp::Lt), ("=", Cmp::Eq)] {
            let Some((key, value)) = term.split_once(op) else { continue };
            let num = value.parse::<u8>().ok();
            return match (key, num) {
                ("behind", Some(v)) => Term::Behind(cmp, v),
                ("priority", Some(v)) => Term::Priority(cmp, v),
                ("tier", _) => rating(value).map_or(Term::Never, Term::Tier),
                ("without", _) => rating(value).map_or(Term::Never, Term::Without),
                ("behind" | "priority", None) => Term::Never,
                _ => Term::Word(term.to_string()),
            };
        }
        Term::Word(term.to_string())
    }

    fn matches(&self, row: &ServerRow, hay: &str) -> bool {
        match self {
            Term::Behind(c, v) => c.test(row.behind, *v),
            Term::Priority(c, v) => row.priority.is_some_and(|p| c.test(p, *v)),
            Term::Tier(t) => row.tier() == Some(*t),
            Term::Without(w) => row.ratings.as_ref().is_some_and(|r| r.without_sp == *w),
            Term::Word(w) => hay.contains(w.as_str()),
            Term::Never => false,
        }
    }
}

fn soak_word(s: Option<SoakState>) -> &'static str {
    match s {
        Some(SoakState::Overdue { .. }) => "overdue",
        Some(SoakState::CheckoutDue { .. }) => "due",
        Some(SoakState::Soaking { .. }) => "soaking",
        Some(SoakState::Ready { .. }) => "ready",
        Some(SoakState::Failed { .. }) => "failed",
        Some(SoakState::Excluded) => "excluded",
        Some(SoakState::BackedOut) => "backed-out",
        Some(SoakState::NotStarted) => "not-started",
        None => "",
    }
}

impl FleetTable {
    /// Rebuild the filter words after the data changed.
    pub fn index(&mut self, data: &Data, state: &State, view: &FleetView) {
        self.sorted_for = None;
        self.name_width = state.servers.iter().map(|s| s.name.chars().count()).max().unwrap_or(8);
        self.haystack = view
            .rows
            .iter()
            .map(|row| {
                let s = &state.servers[row.index];
                let phase = view
                    .rollout
                    .as_ref()
                    .zip(row.phase)
                    .map(|(v, p)| data.plan.rollouts[v.rollout].phases[p].name.as_str())
                    .unwrap_or("");
                let mut words = format!(
                    "{} {} {} {} {} {} {} {}",
                    s.name,
                    s.role,
                    data.fleet.role_name(&s.role),
                    s.site,
                    s.environment.label(),
                    row.compliance.label(),
                    soak_word(row.soak),
                    phase
                );
                if row.compliance == Compliance::Violation {
                    words.push_str(" violation");
                }
                if row.ready > 0 {
                    words.push_str(" hotfix-ready");
                }
                if row.blocked > 0 {
                    words.push_str(" hotfix-blocked");
                }
                words.to_lowercase()
            })
            .collect();
    }

    /// Rebuild the visible lines after a change of data, filter, sort or folds.
    /// Sort each role's servers once per change of data or sort order, not per keystroke.
    fn sort(&mut self, data: &Data, state: &State, view: &FleetView) {
        if self.sorted_for == Some((self.sort, self.descending)) {
            return;
        }
        let role_of: std::collections::HashMap<&str, usize> =
            data.fleet.roles.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
        let mut order = vec![Vec::new(); data.fleet.roles.len()];
        for row in &view.rows {
            if let Some(&g) = role_of.get(state.servers[row.index].role.as_str()) {
                order[g].push(row.index);
            }
        }
        for members in &mut order {
            members.sort_by(|&a, &b| {
                let (a, b) = (&view.rows[a], &view.rows[b]);
                let o = compare(self.sort, a, b, state);
                let o = if self.descending { o.reverse() } else { o };
                o.then_with(|| state.servers[a.index].name.cmp(&state.servers[b.index].name))
            });
        }
        self.order = order;
        self.sorted_for = Some((self.sort, self.descending));
    }

    /// Rebuild the visible lines after a change of data, filter, sort or folds.
    pub fn rebuild(&mut self, data: &Data, state: &State, view: &FleetView) {
        self.sort(data, state, view);
        let keep = self.selected_server();
        let terms: Vec<Term> = self.filter.to_lowercase().split_whitespace().map(Term::parse).collect();
        let mut lines = Vec::new();
        self.matched = 0;
        for (role, order) in data.fleet.roles.iter().zip(&self.order) {
            let members: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&i| {
                    let hay = self.haystack.get(i).map_or("", String::as_str);
                    terms.iter().all(|t| t.matches(&view.rows[i], hay))
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            self.matched += members.len();
            let worst = members.iter().map(|&i| view.rows[i].compliance).max().unwrap_or(Compliance::Current);
            let folded = self.folded.contains(&role.id);
            lines.push(Line::Group {
                role: role.id.clone(),
                name: role.name.clone(),
                count: members.len(),
                worst,
                folded,
            });
            if !folded {
                lines.extend(members.into_iter().map(Line::Server));
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
