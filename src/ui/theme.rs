//! The theme: one struct of named styles, from a palette by name (`dark`, colour-blind safe,
//! the default; `light`; `basic`, 16 colours) with the operator's `theme.ron` over it.
//! `NO_COLOR` maps colours to the terminal default and keeps bold and reverse, since crossterm
//! drops those too when it sees `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

use crate::model::{CheckoutResult, Rating};
use crate::rules::{Compliance, SoakState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub header: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub title: Style,
    pub selected: Style,
    pub dim: Style,
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    pub key: Style,
    pub group: Style,
    pub border: Style,
    pub new: Style,
    /// Draw only ASCII (`--ascii`, the Linux console): every symbol has a stand-in.
    pub ascii: bool,
}

/// A palette: header (fg, bg), then tab, title, dim, ok, warn, bad, key, group, border.
struct Palette {
    header: (Color, Color),
    tab: Color,
    title: Color,
    dim: Color,
    ok: Color,
    warn: Color,
    bad: Color,
    key: Color,
    group: Color,
    border: Color,
}

/// The default: Okabe and Ito's colour-blind safe colours (bluish green, yellow, vermillion,
/// sky blue, reddish purple) in the 256-colour set, for a dark background. State never rests
/// on colour alone: every coloured cell carries a symbol or a word too.
const DARK: Palette = Palette {
    header: (Color::Black, Color::Indexed(74)),
    tab: Color::Indexed(250),
    title: Color::Indexed(74),
    dim: Color::Indexed(244),
    ok: Color::Indexed(36),
    warn: Color::Indexed(220),
    bad: Color::Indexed(166),
    key: Color::Indexed(74),
    group: Color::Indexed(175),
    border: Color::Indexed(240),
};

/// The same colours, darker, for a light background (yellow would vanish on white).
const LIGHT: Palette = Palette {
    header: (Color::White, Color::Indexed(25)),
    tab: Color::Indexed(240),
    title: Color::Indexed(25),
    dim: Color::Indexed(245),
    ok: Color::Indexed(29),
    warn: Color::Indexed(130),
    bad: Color::Indexed(161),
    key: Color::Indexed(25),
    group: Color::Indexed(90),
    border: Color::Indexed(250),
};

/// Sixteen colours, for the Linux console and terminals without 256: cyan, yellow and red
/// stay apart for the common colour blindnesses by lightness and hue.
const BASIC: Palette = Palette {
    header: (Color::Black, Color::Cyan),
    tab: Color::Gray,
    title: Color::Cyan,
    dim: Color::DarkGray,
    ok: Color::Cyan,
    warn: Color::Yellow,
    bad: Color::LightRed,
    key: Color::Cyan,
    group: Color::Magenta,
    border: Color::DarkGray,
};

impl Theme {
    /// The palettes `theme.ron` and `--theme` can name.
    pub const NAMES: &[&str] = &["dark", "light", "basic"];

    /// The default palette (`dark`), monochrome under `NO_COLOR`.
    pub fn new(no_color: bool) -> Theme {
        let theme = Theme::from_palette(&DARK);
        if no_color { theme.monochrome() } else { theme }
    }

    pub fn named(name: &str) -> Option<Theme> {
        match name {
            "dark" => Some(Theme::from_palette(&DARK)),
            "light" => Some(Theme::from_palette(&LIGHT)),
            "basic" => Some(Theme::from_palette(&BASIC)),
            _ => None,
        }
    }

    fn from_palette(p: &Palette) -> Theme {
        let fg = |color: Color| Style::new().fg(color);
        Theme {
            base: Style::new(),
            header: Style::new().fg(p.header.0).bg(p.header.1).add_modifier(Modifier::BOLD),
            tab: fg(p.tab),
            tab_active: Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            title: fg(p.title).add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: fg(p.dim),
            ok: fg(p.ok),
            warn: fg(p.warn).add_modifier(Modifier::BOLD),
            bad: fg(p.bad).add_modifier(Modifier::BOLD),
            key: fg(p.key).add_modifier(Modifier::BOLD),
            group: fg(p.group).add_modifier(Modifier::BOLD),
            border: fg(p.border),
            new: fg(p.key).add_modifier(Modifier::BOLD),
            ascii: false,
        }
    }

    /// Every colour to the terminal's default; bold and reverse stay for emphasis.
    pub fn monochrome(self) -> Theme {
        let plain = |s: Style| Style { fg: s.fg.map(|_| Color::Reset), bg: s.bg.map(|_| Color::Reset), ..s };
        Theme {
            base: plain(self.base),
            header: plain(self.header),
            tab: plain(self.tab),
            tab_active: plain(self.tab_active),
            title: plain(self.title),
            selected: plain(self.selected),
            dim: plain(self.dim),
            ok: plain(self.ok),
            warn: plain(self.warn),
            bad: plain(self.bad),
            key: plain(self.key),
            group: plain(self.group),
            border: plain(self.border),
            new: plain(self.new),
            ascii: self.ascii,
        }
    }

    /// From the environment alone: `NO_COLOR` set (to anything) means monochrome.
    pub fn from_env() -> Theme {
        Theme::new(std::env::var_os("NO_COLOR").is_some())
    }

    pub fn compliance(&self, c: Compliance) -> Style {
        match c {
            Compliance::Current => self.ok,
            Compliance::Behind => self.base,
            Compliance::AtLimit => self.warn,
            Compliance::Violation => self.bad,
        }
    }

    pub fn soak(&self, s: &SoakState) -> Style {
        match s {
            SoakState::Ready { .. } | SoakState::AtTarget { verified: true } => self.ok,
            SoakState::Overdue { .. } | SoakState::Failed { .. } | SoakState::BackedOut | SoakState::Blocked => {
                self.bad
            }
            SoakState::CheckoutDue { .. } | SoakState::AtTarget { verified: false } => self.warn,
            SoakState::NotStarted | SoakState::Excluded => self.dim,
            SoakState::Soaking { .. } => self.base,
        }
    }

    pub fn checkout(&self, r: CheckoutResult) -> Style {
        match r {
            CheckoutResult::Pass => self.ok,
            CheckoutResult::Concern => self.warn,
            CheckoutResult::Fail => self.bad,
        }
    }

    pub fn rating(&self, r: Rating) -> Style {
        match r {
            Rating::Low => self.ok,
            Rating::Medium => self.warn,
            Rating::High => self.bad,
        }
    }
}

/// The symbol that goes with a soak state, so it never rests on colour.
pub fn soak_symbol(s: &SoakState) -> &'static str {
    match s {
        SoakState::Ready { .. } | SoakState::AtTarget { verified: true } => "✓",
        SoakState::Overdue { .. } | SoakState::Failed { .. } | SoakState::BackedOut | SoakState::Blocked => "✗",
        SoakState::CheckoutDue { .. } | SoakState::AtTarget { verified: false } => "!",
        SoakState::Soaking { .. } => "…",
        SoakState::NotStarted | SoakState::Excluded => "·",
    }
}
