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
    Agenda => "Agenda",
    Plan => "Plan",
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
    /// Confirm a pending override request (an approver, not the one who asked).
    Confirm,
    /// Withdraw a pending override request (who asked), or decline it (an approver).
    Withdraw,
    /// Start or end a review meeting (its minutes are journal events).
    Meeting,
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
    /// The last notices and refusals (`:messages`).
    Messages,
    /// Put the selected server's name on the terminal's clipboard (OSC 52).
    Copy,
    /// Ctrl-Z: suspend to the shell; `fg` comes back.
    Suspend,
    /// Who is here and where they are looking.
    People,
    /// Follow the presenter (or whom we followed), or stop following.
    Follow,
    /// Ask the room to follow this session, or stop.
    Present,
}

impl Action {
    /// How many rows this action moves a cursor, for a list `page` rows high; `None` if it is
    /// no move.
    pub fn rows(self, page: usize) -> Option<i64> {
        match self {
            Action::Up => Some(-1),
            Action::Down => Some(1),
            Action::PageUp => Some(-(page as i64)),
            Action::PageDown => Some(page as i64),
            Action::Top => Some(i64::MIN / 2),
            Action::Bottom => Some(i64::MAX / 2),
            _ => None,
        }
    }

    /// Every action, in the order the key configuration documents them.
    pub const ALL: &[Action] = &[
        Action::Help,
        Action::Quit,
        Action::Back,
        Action::Suspend,
        Action::Tab(Tab::Fleet),
        Action::Tab(Tab::Server),
        Action::Tab(Tab::Rollout),
        Action::Tab(Tab::Journal),
        Action::Tab(Tab::Risk),
        Action::Tab(Tab::Agenda),
        Action::Tab(Tab::Plan),
        Action::NextTab,
        Action::PrevTab,
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Filter,
        Action::Command,
        Action::Messages,
        Action::Copy,
        Action::People,
        Action::Follow,
        Action::Present,
        Action::SortNext,
        Action::SortReverse,
        Action::Fold,
        Action::Record(Write::Checkout),
        Action::Record(Write::Install),
        Action::Record(Write::Verify),
        Action::Record(Write::Backup),
        Action::Record(Write::SignOff),
        Action::Record(Write::Extend),
        Action::Record(Write::Exclude),
        Action::Record(Write::BackOut),
        Action::Record(Write::Advance),
        Action::Record(Write::Confirm),
        Action::Record(Write::Withdraw),
        Action::Record(Write::Meeting),
    ];

    /// The action's name in `key_bindings.ron`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Back => "back",
            Action::Suspend => "suspend",
            Action::NextTab => "next_view",
            Action::PrevTab => "previous_view",
            Action::Tab(Tab::Fleet) => "fleet",
            Action::Tab(Tab::Server) => "server",
            Action::Tab(Tab::Rollout) => "rollout",
            Action::Tab(Tab::Journal) => "journal",
            Action::Tab(Tab::Risk) => "risk",
            Action::Tab(Tab::Agenda) => "agenda",
            Action::Tab(Tab::Plan) => "plan",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "first",
            Action::Bottom => "last",
            Action::Open => "open",
            Action::Filter => "filter",
            Action::Command => "command",
            Action::Messages => "messages",
            Action::Copy => "copy",
            Action::People => "people",
            Action::Follow => "follow",
            Action::Present => "present",
            Action::SortNext => "sort_next",
            Action::SortReverse => "sort_reverse",
            Action::Fold => "fold",
            Action::Record(Write::Checkout) => "checkout",
            Action::Record(Write::Install) => "install",
            Action::Record(Write::Verify) => "verify",
            Action::Record(Write::Backup) => "backup",
            Action::Record(Write::SignOff) => "sign_off",
            Action::Record(Write::Extend) => "extend",
            Action::Record(Write::Exclude) => "exclude",
            Action::Record(Write::BackOut) => "back_out",
            Action::Record(Write::Advance) => "advance",
            Action::Record(Write::Confirm) => "confirm",
            Action::Record(Write::Withdraw) => "withdraw",
            Action::Record(Write::Meeting) => "meeting",
        }
    }

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
const C: KeyModifiers = KeyModifiers::CONTROL;

/// A binding: the global ones below, and each view's beside its code.
pub const fn binding(
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
    binding(&[(KeyCode::Char('?'), N), (KeyCode::Char('?'), S)], "?", A::Help, "help: every key", Top, "help"),
    binding(&[(KeyCode::Char('q'), N), (KeyCode::Char('c'), C)], "q", A::Quit, "quit (also Ctrl-C)", Top, "quit"),
    binding(&[(KeyCode::Esc, N)], "esc", A::Back, "close / clear filter / back to the last view", Top, ""),
    binding(&[(KeyCode::Char('z'), C)], "C-z", A::Suspend, "suspend to the shell (fg returns)", Top, ""),
    binding(&[(KeyCode::Char('1'), N)], "1", A::Tab(Tab::Fleet), "fleet by role", Top, ""),
    binding(&[(KeyCode::Char('2'), N)], "2", A::Tab(Tab::Server), "selected server", Top, ""),
    binding(&[(KeyCode::Char('3'), N)], "3", A::Tab(Tab::Rollout), "rollout: phases, gates, soak", Top, ""),
    binding(&[(KeyCode::Char('4'), N)], "4", A::Tab(Tab::Journal), "journal", Top, ""),
    binding(&[(KeyCode::Char('5'), N)], "5", A::Tab(Tab::Risk), "risk grid", Top, ""),
    binding(&[(KeyCode::Char('6'), N)], "6", A::Tab(Tab::Agenda), "agenda of a review meeting", Top, ""),
    binding(&[(KeyCode::Char('7'), N)], "7", A::Tab(Tab::Plan), "plan: the forecast of every phase", Top, ""),
    binding(&[(KeyCode::Tab, N)], "tab", A::NextTab, "next view", Top, ""),
    binding(&[(KeyCode::BackTab, S), (KeyCode::BackTab, N)], "S-tab", A::PrevTab, "previous view", Top, ""),
    binding(&[(KeyCode::Up, N), (KeyCode::Char('k'), N)], "↑/k", A::Up, "up", Move, ""),
    binding(&[(KeyCode::Down, N), (KeyCode::Char('j'), N)], "↓/j", A::Down, "down", Move, ""),
    binding(
        &[(KeyCode::PageUp, N), (KeyCode::Char('u'), C), (KeyCode::Char('b'), C)],
        "PgUp",
        A::PageUp,
        "page up (also Ctrl-U, Ctrl-B)",
        Page,
        "",
    ),
    binding(
        &[(KeyCode::PageDown, N), (KeyCode::Char('d'), C), (KeyCode::Char('f'), C)],
        "PgDn",
        A::PageDown,
        "page down (also Ctrl-D, Ctrl-F)",
        Page,
        "",
    ),
    binding(&[(KeyCode::Char('g'), N), (KeyCode::Home, N)], "g", A::Top, "first", Page, ""),
    binding(&[(KeyCode::Char('G'), S), (KeyCode::Char('G'), N), (KeyCode::End, N)], "G", A::Bottom, "last", Page, ""),
    binding(
        &[(KeyCode::Char(':'), N), (KeyCode::Char(':'), S)],
        ":",
        A::Command,
        "command line: :server NAME, :copy, :messages (tab completes)",
        Command,
        "",
    ),
    binding(&[(KeyCode::Char('m'), N)], "m", A::Messages, "messages: the last notices whole", Command, ""),
    binding(&[(KeyCode::Char('p'), N)], "p", A::People, "people: who is here, where they look (:who)", Command, ""),
    binding(&[(KeyCode::Char('f'), N)], "f", A::Follow, "follow the presenter / stop following", Command, ""),
    binding(
        &[(KeyCode::Char('M'), S), (KeyCode::Char('M'), N)],
        "M",
        A::Record(Write::Meeting),
        "start or end a review meeting (minutes: sprout minutes)",
        Command,
        "",
    ),
    binding(
        &[(KeyCode::Char('P'), S), (KeyCode::Char('P'), N)],
        "P",
        A::Present,
        "present: the room is offered to follow you",
        Command,
        "",
    ),
    binding(
        &[(KeyCode::Char('Y'), S), (KeyCode::Char('Y'), N)],
        "Y",
        A::Copy,
        "copy the server's name to the clipboard (:copy manifest, :copy status)",
        Command,
        "",
    ),
];

// Keys several views share; each view lists the ones it takes.
pub const LEFT: Binding =
    binding(&[(KeyCode::Left, N), (KeyCode::Char('h'), N)], "←/h", A::Left, "left (risk grid)", Move, "");
pub const RIGHT: Binding =
    binding(&[(KeyCode::Right, N), (KeyCode::Char('l'), N)], "→/l", A::Right, "right (risk grid)", Move, "");
pub const OPEN: Binding =
    binding(&[(KeyCode::Enter, N)], "enter", A::Open, "open server / filter fleet to cell", Open, "open");
pub const FILTER: Binding =
    binding(&[(KeyCode::Char('/'), N)], "/", A::Filter, "filter (/overdue, /behind>=2, /BOS)", Open, "filter");
/// The Journal's `/`: the same key, its own examples.
pub const JOURNAL_FILTER: Binding = binding(
    &[(KeyCode::Char('/'), N)],
    "/",
    A::Filter,
    "filter (/checkout BOS-IMS01, /jsmith, /unsigned)",
    Open,
    "filter",
);
/// What can be recorded about the server under the cursor.
pub const SERVER_RECORDS: [Binding; 6] = [
    binding(&[(KeyCode::Char('c'), N)], "c", A::Record(Write::Checkout), "record a checkout", Command, "checkout"),
    binding(&[(KeyCode::Char('i'), N)], "i", A::Record(Write::Install), "record an install", Command, ""),
    binding(&[(KeyCode::Char('v'), N)], "v", A::Record(Write::Verify), "record verification (winver)", Command, ""),
    binding(&[(KeyCode::Char('b'), N)], "b", A::Record(Write::Backup), "confirm a full backup", Command, ""),
    binding(&[(KeyCode::Char('x'), N)], "x", A::Record(Write::Exclude), "exclude from the rollout", Command, ""),
    binding(
        &[(KeyCode::Char('B'), S), (KeyCode::Char('B'), N)],
        "B",
        A::Record(Write::BackOut),
        "back out a failed install",
        Command,
        "",
    ),
];

impl Binding {
    pub fn matches(&self, key: KeyEvent) -> bool {
        // Shifted letters arrive with SHIFT on some terminals and without on others.
        let mods = key.modifiers - KeyModifiers::SHIFT;
        self.keys.iter().any(|(code, m)| *code == key.code && (*m - KeyModifiers::SHIFT) == mods)
    }
}
