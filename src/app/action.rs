//! One `Action` enum and the one keymap table: keys, footer hints and `?` help come from it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Declares the views' tabs once: the enum, `Tab::ALL` in tab order and each title, so a new
/// view cannot be left out of the tab bar, `tab` cycling, `:name` or `sprout frame --view`.
macro_rules! tabs {
    ($($tab:ident => $title:literal),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Tab {
            $($tab),+
        }

        impl Tab {
            pub const ALL: &[Tab] = &[$(Tab::$tab),+];

            pub fn title(self) -> &'static str {
                match self {
                    $(Tab::$tab => $title),+
                }
            }
        }
    };
}

tabs! {
    Fleet => "Fleet",
    Server => "Server",
    Rollout => "Rollout",
    Journal => "Journal",
    Risk => "Risk",
}

impl Tab {
    pub fn number(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) + 1
    }

    pub fn from_name(name: &str) -> Option<Tab> {
        Tab::ALL.iter().copied().find(|t| t.title().eq_ignore_ascii_case(name))
    }
}

/// The things an operator can record; every one is a journal write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Write {
    Checkout,
    Install,
    Verify,
    Backup,
    SignOff,
    Extend,
    Exclude,
    BackOut,
    Advance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Back,
    NextTab,
    PrevTab,
    Tab(Tab),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Filter,
    Command,
    SortNext,
    SortReverse,
    Fold,
    Record(Write),
}

impl Action {
    /// Mutating actions are marked here once; `--read-only` drops them in `bindings`.
    pub fn mutating(self) -> bool {
        matches!(self, Action::Record(_))
    }
}

/// Where a binding stands in the keymap: the global keys and a view's own keys are merged
/// group by group, so the help lists them in one steady order on every view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Help, quit, back, switching views.
    Top,
    /// Moving the cursor.
    Move,
    /// Paging and jumping.
    Page,
    /// Opening what is under the cursor, filtering.
    Open,
    /// Commands and records.
    Command,
}

impl Group {
    pub const ALL: [Group; 5] = [Group::Top, Group::Move, Group::Page, Group::Open, Group::Command];
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the key is shown in the footer and help.
    pub shown: &'static str,
    pub action: Action,
    pub help: &'static str,
    pub group: Group,
    /// The footer's short label; empty keeps the binding out of the footer (help lists all).
    pub hint: &'static str,
}

const N: KeyModifiers = KeyModifiers::NONE;
const S: KeyModifiers = KeyModifiers::SHIFT;

const fn b(
    keys: &'static [(KeyCode, KeyModifiers)],
    shown: &'static str,
    action: Action,
    help: &'static str,
    group: Group,
    hint: &'static str,
) -> Binding {
    Binding { keys, shown, action, help, group, hint }
}

use Action as A;
use Group::{Command, Move, Open, Page, Top};

/// The keys of every view; each view adds its own beside its code.
pub const GLOBAL: &[Binding] = &[
    b(&[(KeyCode::Char('?'), N), (KeyCode::Char('?'), S)], "?", A::Help, "help: every key", Top, "help"),
    b(&[(KeyCode::Char('q'), N)], "q", A::Quit, "quit", Top, "quit"),
    b(&[(KeyCode::Esc, N)], "esc", A::Back, "back / clear filter", Top, ""),
    b(&[(KeyCode::Char('1'), N)], "1", A::Tab(Tab::Fleet), "fleet by role", Top, ""),
    b(&[(KeyCode::Char('2'), N)], "2", A::Tab(Tab::Server), "selected server", Top, ""),
    b(&[(KeyCode::Char('3'), N)], "3", A::Tab(Tab::Rollout), "rollout: phases, gates, soak", Top, ""),
    b(&[(KeyCode::Char('4'), N)], "4", A::Tab(Tab::Journal), "journal", Top, ""),
    b(&[(KeyCode::Char('5'), N)], "5", A::Tab(Tab::Risk), "risk grid", Top, ""),
    b(&[(KeyCode::Tab, N)], "tab", A::NextTab, "next view", Top, ""),
    b(&[(KeyCode::BackTab, S), (KeyCode::BackTab, N)], "S-tab", A::PrevTab, "previous view", Top, ""),
    b(&[(KeyCode::Up, N), (KeyCode::Char('k'), N)], "↑/k", A::Up, "up", Move, ""),
    b(&[(KeyCode::Down, N), (KeyCode::Char('j'), N)], "↓/j", A::Down, "down", Move, ""),
    b(&[(KeyCode::PageUp, N)], "PgUp", A::PageUp, "page up", Page, ""),
    b(&[(KeyCode::PageDown, N)], "PgDn", A::PageDown, "page down", Page, ""),
    b(&[(KeyCode::Char('g'), N), (KeyCode::Home, N)], "g", A::Top, "first", Page, ""),
    b(&[(KeyCode::Char('G'), S), (KeyCode::Char('G'), N), (KeyCode::End, N)], "G", A::Bottom, "last", Page, ""),
    b(
        &[(KeyCode::Char(':'), N), (KeyCode::Char(':'), S)],
        ":",
        A::Command,
        "command (:rollout, :server NAME, :q)",
        Command,
        "",
    ),
];

// Keys several views share; each view lists the ones it takes.
pub const LEFT: Binding =
    b(&[(KeyCode::Left, N), (KeyCode::Char('h'), N)], "←/h", A::Left, "left (risk grid)", Move, "");
pub const RIGHT: Binding =
    b(&[(KeyCode::Right, N), (KeyCode::Char('l'), N)], "→/l", A::Right, "right (risk grid)", Move, "");
pub const OPEN: Binding =
    b(&[(KeyCode::Enter, N)], "enter", A::Open, "open server / filter fleet to cell", Open, "open");
pub const FILTER: Binding =
    b(&[(KeyCode::Char('/'), N)], "/", A::Filter, "filter (/overdue, /behind>=2, /BOS)", Open, "filter");
/// What can be recorded about the server under the cursor.
pub const SERVER_RECORDS: [Binding; 6] = [
    b(&[(KeyCode::Char('c'), N)], "c", A::Record(Write::Checkout), "record a checkout", Command, "checkout"),
    b(&[(KeyCode::Char('i'), N)], "i", A::Record(Write::Install), "record an install", Command, ""),
    b(&[(KeyCode::Char('v'), N)], "v", A::Record(Write::Verify), "record verification (winver)", Command, ""),
    b(&[(KeyCode::Char('b'), N)], "b", A::Record(Write::Backup), "confirm a full backup", Command, ""),
    b(&[(KeyCode::Char('x'), N)], "x", A::Record(Write::Exclude), "exclude from the rollout", Command, ""),
    b(
        &[(KeyCode::Char('B'), S), (KeyCode::Char('B'), N)],
        "B",
        A::Record(Write::BackOut),
        "back out a failed install",
        Command,
        "",
    ),
];

/// Build a view's binding (its keys are declared where the view is).
pub const fn binding(
    keys: &'static [(KeyCode, KeyModifiers)],
    shown: &'static str,
    action: Action,
    help: &'static str,
    group: Group,
    hint: &'static str,
) -> Binding {
    b(keys, shown, action, help, group, hint)
}

impl Binding {
    pub fn matches(&self, key: KeyEvent) -> bool {
        // Shifted letters arrive with SHIFT on some terminals and without on others.
        let mods = key.modifiers - KeyModifiers::SHIFT;
        self.keys.iter().any(|(code, m)| *code == key.code && (*m - KeyModifiers::SHIFT) == mods)
    }
}
