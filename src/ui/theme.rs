//! The theme: one struct of named styles. `NO_COLOR` maps colours to the terminal default
//! and keeps bold and reverse, since crossterm drops those too when it sees `NO_COLOR`.

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
}

impl Theme {
    pub fn new(no_color: bool) -> Theme {
        let c = |color: Color| if no_color { Color::Reset } else { color };
        let fg = |color: Color| Style::new().fg(c(color));
        Theme {
            base: Style::new(),
            header: Style::new().fg(c(Color::Black)).bg(c(Color::Cyan)).add_modifier(Modifier::BOLD),
            tab: fg(Color::Gray),
            tab_active: Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            title: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: fg(Color::DarkGray),
            ok: fg(Color::Green),
            warn: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            bad: fg(Color::Red).add_modifier(Modifier::BOLD),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            group: fg(Color::Magenta).add_modifier(Modifier::BOLD),
            border: fg(Color::DarkGray),
            new: fg(Color::Cyan).add_modifier(Modifier::BOLD),
        }
    }

    /// From the environment: `NO_COLOR` set (to anything) means monochrome.
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
