//! One `Action` enum and the one keymap table: keys, footer hints and `?` help come from it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Fleet,
    Server,
    Rollout,
    Journal,
    Risk,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Fleet, Tab::Server, Tab::Rollout, Tab::Journal, Tab::Risk];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Fleet => "Fleet",
            Tab::Server => "Server",
            Tab::Rollout => "Rollout",
            Tab::Journal => "Journal",
            Tab::Risk => "Risk",
        }
    }

    pub fn number(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) + 1
    }

    pub fn from_name(name: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.title().eq_ignore_ascii_case(name))
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

/// Where a binding applies: everywhere, or only on some tabs.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Global,
    Tabs(&'static [Tab]),
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the key is shown in the footer and help.
    pub shown: &'static str,
    pub action: Action,
    pub help: &'static str,
    pub scope: Scope,
    /// The footer's short label; empty keeps the binding out of the footer (help lists all).
    pub hint: &'static str,
}

const N: KeyModifiers = KeyModifiers::NONE;
const S: KeyModifiers = KeyModifiers::SHIFT;
const SERVER_TABS: &[Tab] = &[Tab::Fleet, Tab::Server, Tab::Rollout];

const fn b(
    keys: &'static [(KeyCode, KeyModifiers)],
    shown: &'static str,
    action: Action,
    help: &'static str,
    scope: Scope,
    hint: &'static str,
) -> Binding {
    Binding { keys, shown, action, help, scope, hint }
}

use Action as A;
use Scope::{Global, Tabs};

pub const BINDINGS: &[Binding] = &[
    b(&[(KeyCode::Char('?'), N), (KeyCode::Char('?'), S)], "?", A::Help, "help: every key", Global, "help"),
    b(&[(KeyCode::Char('q'), N)], "q", A::Quit, "quit", Global, "quit"),
    b(&[(KeyCode::Esc, N)], "esc", A::Back, "back / clear filter", Global, ""),
    b(&[(KeyCode::Char('1'), N)], "1", A::Tab(Tab::Fleet), "fleet by role", Global, ""),
    b(&[(KeyCode::Char('2'), N)], "2", A::Tab(Tab::Server), "selected server", Global, ""),
    b(&[(KeyCode::Char('3'), N)], "3", A::Tab(Tab::Rollout), "rollout: phases, gates, soak", Global, ""),
    b(&[(KeyCode::Char('4'), N)], "4", A::Tab(Tab::Journal), "journal", Global, ""),
    b(&[(KeyCode::Char('5'), N)], "5", A::Tab(Tab::Risk), "risk grid", Global, ""),
    b(&[(KeyCode::Tab, N)], "tab", A::NextTab, "next view", Global, ""),
    b(&[(KeyCode::BackTab, S), (KeyCode::BackTab, N)], "S-tab", A::PrevTab, "previous view", Global, ""),
    b(&[(KeyCode::Up, N), (KeyCode::Char('k'), N)], "↑/k", A::Up, "up", Global, ""),
    b(&[(KeyCode::Down, N), (KeyCode::Char('j'), N)], "↓/j", A::Down, "down", Global, ""),
    b(&[(KeyCode::Left, N), (KeyCode::Char('h'), N)], "←/h", A::Left, "left (risk grid)", Tabs(&[Tab::Risk]), ""),
    b(&[(KeyCode::Right, N), (KeyCode::Char('l'), N)], "→/l", A::Right, "right (risk grid)", Tabs(&[Tab::Risk]), ""),
    b(&[(KeyCode::PageUp, N)], "PgUp", A::PageUp, "page up", Global, ""),
    b(&[(KeyCode::PageDown, N)], "PgDn", A::PageDown, "page down", Global, ""),
    b(&[(KeyCode::Char('g'), N), (KeyCode::Home, N)], "g", A::Top, "first", Global, ""),
    b(&[(KeyCode::Char('G'), S), (KeyCode::Char('G'), N), (KeyCode::End, N)], "G", A::Bottom, "last", Global, ""),
    b(
        &[(KeyCode::Enter, N)],
        "enter",
        A::Open,
        "open server / filter fleet to cell",
        Tabs(&[Tab::Fleet, Tab::Rollout, Tab::Risk, Tab::Journal]),
        "open",
    ),
    b(
        &[(KeyCode::Char('/'), N)],
        "/",
        A::Filter,
        "filter (/overdue, /behind>=2, /BOS)",
        Tabs(&[Tab::Fleet, Tab::Journal]),
        "filter",
    ),
    b(
        &[(KeyCode::Char(':'), N), (KeyCode::Char(':'), S)],
        ":",
        A::Command,
        "command (:rollout, :server NAME, :q)",
        Global,
        "",
    ),
    b(&[(KeyCode::Char('o'), N)], "o", A::SortNext, "sort by the next column", Tabs(&[Tab::Fleet]), ""),
    b(
        &[(KeyCode::Char('O'), S), (KeyCode::Char('O'), N)],
        "O",
        A::SortReverse,
        "reverse the sort",
        Tabs(&[Tab::Fleet]),
        "",
    ),
    b(&[(KeyCode::Char(' '), N)], "space", A::Fold, "fold / unfold the role group", Tabs(&[Tab::Fleet]), ""),
    b(&[(KeyCode::Char('c'), N)], "c", A::Record(Write::Checkout), "record a checkout", Tabs(SERVER_TABS), "checkout"),
    b(&[(KeyCode::Char('i'), N)], "i", A::Record(Write::Install), "record an install", Tabs(SERVER_TABS), ""),
    b(&[(KeyCode::Char('v'), N)], "v", A::Record(Write::Verify), "record verification (winver)", Tabs(SERVER_TABS), ""),
    b(&[(KeyCode::Char('b'), N)], "b", A::Record(Write::Backup), "confirm a full backup", Tabs(SERVER_TABS), ""),
    b(&[(KeyCode::Char('x'), N)], "x", A::Record(Write::Exclude), "exclude from the rollout", Tabs(SERVER_TABS), ""),
    b(
        &[(KeyCode::Char('B'), S), (KeyCode::Char('B'), N)],
        "B",
        A::Record(Write::BackOut),
        "back out a failed install",
        Tabs(SERVER_TABS),
        "",
    ),
    b(
        &[(KeyCode::Char('s'), N)],
        "s",
        A::Record(Write::SignOff),
        "sign off the current phase",
        Tabs(&[Tab::Rollout]),
        "sign off",
    ),
    b(&[(KeyCode::Char('e'), N)], "e", A::Record(Write::Extend), "extend the soak", Tabs(&[Tab::Rollout]), ""),
    b(
        &[(KeyCode::Char('A'), S), (KeyCode::Char('A'), N)],
        "A",
        A::Record(Write::Advance),
        "open the next phase",
        Tabs(&[Tab::Rollout]),
        "advance",
    ),
];

impl Binding {
    pub fn applies(&self, tab: Tab) -> bool {
        match self.scope {
            Scope::Global => true,
            Scope::Tabs(tabs) => tabs.contains(&tab),
        }
    }
}

/// The bindings in force: read-only removes every mutating one, here and only here.
pub fn bindings(tab: Tab, read_only: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.applies(tab) && !(read_only && b.action.mutating()))
}

pub fn lookup(key: KeyEvent, tab: Tab, read_only: bool) -> Option<Action> {
    // Shifted letters arrive with SHIFT on some terminals and without on others.
    let mods = key.modifiers - KeyModifiers::SHIFT;
    bindings(tab, read_only)
        .find(|b| b.keys.iter().any(|(code, m)| *code == key.code && (*m - KeyModifiers::SHIFT) == mods))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_removes_every_mutating_binding() {
        for tab in Tab::ALL {
            assert!(bindings(tab, true).all(|b| !b.action.mutating()));
        }
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(lookup(c, Tab::Fleet, false), Some(Action::Record(Write::Checkout)));
        assert_eq!(lookup(c, Tab::Fleet, true), None);
    }

    #[test]
    fn no_key_is_bound_twice_on_one_tab() {
        for tab in Tab::ALL {
            let keys: Vec<KeyCode> = bindings(tab, false)
                .flat_map(|b| b.keys.iter().map(|(k, _)| *k).collect::<std::collections::HashSet<_>>())
                .collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice on {tab:?}");
            }
        }
    }
}
