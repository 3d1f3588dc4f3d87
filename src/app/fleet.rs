//! The fleet table's state: grouping by role, sort, filter and folds. Its lines are
//! derived once per change; the view builds cells for the visible window only.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::model::{Data, Environment, Rating};
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

    /// Server `i` passes. A word looks only at the compact per-server arrays, not the rows.
    fn matches(&self, i: usize, rows: &[ServerRow], word: Option<&(WordHits, u32)>, words: &Words) -> bool {
        match self {
            Term::Behind(c, v) => c.test(rows[i].behind, *v),
            Term::Priority(c, v) => rows[i].priority.is_some_and(|p| c.test(p, *v)),
            Term::Tier(t) => rows[i].tier() == Some(*t),
            Term::Without(w) => rows[i].ratings.as_ref().is_some_and(|r| r.without_sp == *w),
            Term::Word(_) => word.is_some_and(|(h, mask)| h.matches(i, rows, words, *mask)),
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

/// Per server, the few things a filter word can match: its name (in one lower-case buffer,
/// searched once per word) and small ids of its role and site, whose words are matched once
/// per distinct value. No string is built per server.
#[derive(Debug, Clone, Default)]
struct Words {
    names: String,
    /// Where each server's name starts in `names`, by server index, ascending.
    starts: Vec<u32>,
    role: Vec<u16>,
    site: Vec<u32>,
    environment: Vec<Environment>,
    /// Per server, its environment, compliance, soak, flags and phase as bits (see `flags`).
    flags: Vec<u32>,
    /// Lower-case words of each role (id and name) and site.
    roles: Vec<String>,
    sites: Vec<String>,
    /// Lower-case phase names of the selected rollout.
    phases: Vec<String>,
}

/// Which values one filter word matches.
struct WordHits {
    name: Vec<bool>,
    role: Vec<bool>,
    site: Vec<bool>,
    phase: Vec<bool>,
    environment: [bool; 3],
    compliance: [bool; 4],
    soak: [bool; 8],
    violation: bool,
    ready: bool,
    blocked: bool,
}

/// The soak words a filter matches, as `soak_word` gives them.
const SOAK_WORDS: [&str; 8] = ["overdue", "due", "soaking", "ready", "failed", "excluded", "backed-out", "not-started"];

fn soak_slot(s: Option<SoakState>) -> Option<usize> {
    let w = soak_word(s);
    SOAK_WORDS.iter().position(|&x| x == w)
}

impl Words {
    /// Per server, whether its name contains `w` (lower-case): one scan of all the names.
    fn name_hits(&self, w: &str, servers: usize) -> Vec<bool> {
        let mut name = vec![false; servers];
        // Hits come in order, so the server they fall in only moves forward.
        let mut i = 0;
        for at in memchr::memmem::find_iter(self.names.as_bytes(), w.as_bytes()) {
            while self.starts.get(i + 1).is_some_and(|&s| s as usize <= at) {
                i += 1;
            }
            if let Some(n) = name.get_mut(i) {
                *n = true;
            }
        }
        name
    }
}

impl WordHits {
    fn new(w: &str, words: &Words, servers: usize) -> WordHits {
        let has = |s: &str| s.contains(w);
        let name = words.name_hits(w, servers);
        let envs = [Environment::Lab, Environment::TestInProduction, Environment::Production];
        let levels = [Compliance::Current, Compliance::Behind, Compliance::AtLimit, Compliance::Violation];
        WordHits {
            name,
            role: words.roles.iter().map(|r| has(r)).collect(),
            site: words.sites.iter().map(|r| has(r)).collect(),
            phase: words.phases.iter().map(|r| has(r)).collect(),
            environment: envs.map(|e| has(e.label())),
            compliance: levels.map(|c| has(&c.label().to_lowercase())),
            soak: SOAK_WORDS.map(has),
            violation: has("violation"),
            ready: has("hotfix-ready"),
            blocked: has("hotfix-blocked"),
        }
    }

    /// The bits of `flags` this word matches.
    fn mask(&self) -> u32 {
        let mut m = 0;
        for (k, hit) in self.environment.iter().enumerate() {
            m |= u32::from(*hit) << k;
        }
        for (k, hit) in self.compliance.iter().enumerate() {
            m |= u32::from(*hit) << (3 + k);
        }
        for (k, hit) in self.soak.iter().enumerate() {
            m |= u32::from(*hit) << (7 + k);
        }
        m |= u32::from(self.violation) << 15 | u32::from(self.ready) << 16 | u32::from(self.blocked) << 17;
        for (p, hit) in self.phase.iter().enumerate().take(FLAG_PHASES) {
            m |= u32::from(*hit) << (18 + p);
        }
        m
    }

    fn matches(&self, i: usize, rows: &[ServerRow], words: &Words, mask: u32) -> bool {
        let at = |v: &[bool], k: usize| v.get(k).copied().unwrap_or(false);
        words.flags.get(i).is_some_and(|f| f & mask != 0)
            || at(&self.name, i)
            || words.role.get(i).is_some_and(|&r| at(&self.role, usize::from(r)))
            || words.site.get(i).is_some_and(|&s| at(&self.site, s as usize))
            || (self.phase.len() > FLAG_PHASES && rows[i].phase.is_some_and(|p| p >= FLAG_PHASES && at(&self.phase, p)))
    }
}

/// Phases that have a bit in `flags`; later ones (rare) are looked up.
const FLAG_PHASES: usize = 14;

/// A server's categorical facts as bits: environment (0-2), compliance (3-6), soak (7-14),
/// violation (15), hot fix ready (16) and blocked (17), phase (18-31).
fn flags(row: &ServerRow, environment: Environment) -> u32 {
    let mut f = 1 << (environment as u32) | 1 << (3 + row.compliance as u32);
    if let Some(k) = soak_slot(row.soak) {
        f |= 1 << (7 + k);
    }
    f |= u32::from(row.compliance == Compliance::Violation) << 15;
    f |= u32::from(row.ready > 0) << 16 | u32::from(row.blocked > 0) << 17;
    if let Some(p) = row.phase.filter(|&p| p < FLAG_PHASES) {
        f |= 1 << (18 + p);
    }
    f
}

impl FleetTable {
    /// Rebuild what filter words match against after the data changed.
    pub fn index(&mut self, data: &Data, state: &State, view: &FleetView) {
        self.sorted_for = None;
        self.name_width = state.servers.iter().map(|s| s.name.chars().count()).max().unwrap_or(8);
        let mut w = Words::default();
        let roles: HashMap<&str, u16> =
            data.fleet.roles.iter().enumerate().map(|(i, r)| (r.id.as_str(), i as u16)).collect();
        w.roles = data.fleet.roles.iter().map(|r| format!("{} {}", r.id, r.name).to_lowercase()).collect();
        let mut sites: HashMap<&str, u32> = HashMap::new();
        w.starts.reserve(state.servers.len());
        for s in &state.servers {
            w.starts.push(w.names.len() as u32);
            if s.name.is_ascii() {
                w.names.push_str(&s.name);
            } else {
                w.names.push_str(&s.name.to_lowercase());
            }
            w.names.push('\n');
            w.role.push(roles.get(s.role.as_str()).copied().unwrap_or(u16::MAX));
            let next = sites.len() as u32;
            let site = *sites.entry(s.site.as_str()).or_insert(next);
            if site == next {
                w.sites.push(s.site.to_lowercase());
            }
            w.site.push(site);
            w.environment.push(s.environment);
        }
        w.names.make_ascii_lowercase();
        w.flags = view.rows.iter().zip(&w.environment).map(|(row, &e)| flags(row, e)).collect();
        w.phases = view
            .rollout
            .as_ref()
            .map(|v| data.plan.rollouts[v.rollout].phases.iter().map(|p| p.name.to_lowercase()).collect())
            .unwrap_or_default();
        self.words = w;
    }

    /// Per server, whether its name contains `word` (lower-case), from the filter index.
    pub fn name_hits(&self, word: &str) -> Vec<bool> {
        self.words.name_hits(word, self.words.starts.len())
    }

    /// Some rows changed: sort again unless the order is by name (names never change).
    pub fn changed(&mut self, servers: &[usize], view: &FleetView) {
        for &i in servers {
            if let (Some(f), Some(&e), Some(row)) =
                (self.words.flags.get_mut(i), self.words.environment.get(i), view.rows.get(i))
            {
                *f = flags(row, e);
            }
        }
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
            if let Some(members) = self.words.role.get(i).and_then(|&g| order.get_mut(usize::from(g))) {
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
        let terms: Vec<Term> = self.filter.to_lowercase().split_whitespace().map(Term::parse).collect();
        let hits: Vec<Option<(WordHits, u32)>> = terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => {
                    let h = WordHits::new(w, &self.words, view.rows.len());
                    let mask = h.mask();
                    Some((h, mask))
                }
                _ => None,
            })
            .collect();
        // Each role's members that pass, on two threads when there is a filter to evaluate.
        let words = &self.words;
        let pass = |i: usize| terms.iter().zip(&hits).all(|(t, h)| t.matches(i, &view.rows, h.as_ref(), words));
        let filter_roles = |roles: &[Vec<usize>]| -> Vec<Vec<usize>> {
            roles.iter().map(|order| order.iter().copied().filter(|&i| pass(i)).collect()).collect()
        };
        let passed: Vec<Vec<usize>> = if terms.is_empty() {
            Vec::new()
        } else {
            let total: usize = self.order.iter().map(Vec::len).sum();
            let mut seen = 0;
            let cut = self.order.iter().position(|o| {
                seen += o.len();
                seen * 2 >= total
            });
            let (a, b) = self.order.split_at(cut.map_or(0, |c| c + 1).min(self.order.len()));
            std::thread::scope(|s| {
                let second = s.spawn(|| filter_roles(b));
                let mut first = filter_roles(a);
                first.extend(second.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                first
            })
        };
        // The last lines' memory is reused: no fresh pages per keystroke.
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        self.matched = 0;
        for (g, role) in data.fleet.roles.iter().enumerate() {
            let members: &[usize] =
                if terms.is_empty() { self.order.get(g).map_or(&[], Vec::as_slice) } else { &passed[g] };
            if members.is_empty() {
                continue;
            }
            self.matched += members.len();
            // From the compact flags (bits 3-6, one per compliance level), not the rows.
            let bits = members.iter().fold(0, |m, &i| m | self.words.flags.get(i).copied().unwrap_or(0));
            let worst = [Compliance::Violation, Compliance::AtLimit, Compliance::Behind]
                .into_iter()
                .find(|&c| bits & 1 << (3 + c as u32) != 0)
                .unwrap_or(Compliance::Current);
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
