//! The rollout view: phases, the current phase's gates as a checklist, soak gauges, waiting-on;
//! its state, keys and moves here, its drawing in `draw`.

mod draw;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::action::{self, Action, Binding, Group, Write, binding};
use crate::live::signing::Mark;
use crate::rules::SoakState;
use crate::ui::scroll::{Offset, Scroll};
use crate::ui::theme::Theme;

use super::{Effect, Snapshot, View};

/// The rollout board: the current phase's gates, its members (overdue first, under a cursor)
/// and who it waits on; the move keys work in the panel in focus (←/→ pick it).
#[derive(Debug, Clone, Default)]
pub struct RolloutPane {
    /// The current phase's members, overdue first, then by name (derived).
    pub members: Vec<usize>,
    pub scroll: Scroll,
    pub panel: Panel,
    /// The gates' lines, scrolled when the gates are in focus.
    pub gates: Offset,
    /// The waiting-on list, scrolled by entry.
    pub waiting: Offset,
    /// The gates panel's height as last drawn, with the phase, panel and screen height it was
    /// drawn for: it does not shrink while they stay, so a met gate item leaves a blank line
    /// instead of moving every panel below it (on a watcher's screen, and down a slow link).
    pub gates_drawn: std::cell::Cell<(usize, Panel, u16, u16)>,
    /// Per gate of the current phase (by id), the events its facts rest on that carry a mark
    /// (derived): a met gate still counts, and says so.
    pub rests: Vec<(&'static str, Vec<(u64, Mark)>)>,
    /// Each fact's event judged so far, by seq: an event about a few servers judges only the
    /// facts it added; anything else judges them all again (the trust may have changed).
    judged: std::collections::HashMap<u64, Option<Mark>>,
    /// The event that opened the current phase, when it carries a mark.
    pub opened: Option<(u64, Mark)>,
}

/// The Rollout view's panels, in the order ←/→ go through them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Panel {
    Gates,
    /// The members: the record keys apply to the one under the cursor.
    #[default]
    Members,
    Waiting,
}

impl Panel {
    const ALL: [Panel; 3] = [Panel::Gates, Panel::Members, Panel::Waiting];

    fn next(self, by: usize) -> Panel {
        let i = Panel::ALL.iter().position(|p| *p == self).unwrap_or(1);
        Panel::ALL[(i + by) % Panel::ALL.len()]
    }
}

impl RolloutPane {
    fn sort_members(snap: &Snapshot) -> Vec<usize> {
        let Some(v) = &snap.view.rollout else { return Vec::new() };
        let Some(c) = v.current else { return Vec::new() };
        let urgency = |i: usize| match snap.view.rows[i].soak {
            Some(SoakState::Overdue { .. } | SoakState::Failed { .. }) => 0,
            Some(SoakState::CheckoutDue { .. }) => 1,
            Some(SoakState::Soaking { .. }) => 2,
            Some(SoakState::NotStarted | SoakState::BackedOut) => 3,
            _ => 4,
        };
        // Name order comes from the state's index; a stable sort by urgency keeps it within each.
        let mut member = vec![false; snap.view.rows.len()];
        for &i in &v.members[c] {
            member[i] = true;
        }
        let mut m: Vec<usize> = snap.live.state.by_name().filter(|&i| member[i]).collect();
        m.sort_by_key(|&i| urgency(i));
        m
    }
}

const N: ratatui::crossterm::event::KeyModifiers = ratatui::crossterm::event::KeyModifiers::NONE;
const S: ratatui::crossterm::event::KeyModifiers = ratatui::crossterm::event::KeyModifiers::SHIFT;
use ratatui::crossterm::event::KeyCode;

const KEYS: &[Binding] = &[
    action::OPEN,
    binding(
        &[(KeyCode::Right, N), (KeyCode::Char('l'), N)],
        "→/l",
        Action::Right,
        "next panel (gates, members, waiting on): the move keys scroll it",
        Group::Move,
        "panel",
    ),
    binding(&[(KeyCode::Left, N), (KeyCode::Char('h'), N)], "←/h", Action::Left, "previous panel", Group::Move, ""),
    binding(
        &[(KeyCode::Char('s'), N)],
        "s",
        Action::Record(Write::SignOff),
        "sign off the current phase",
        Group::Command,
        "sign off",
    ),
    binding(&[(KeyCode::Char('e'), N)], "e", Action::Record(Write::Extend), "extend the soak", Group::Command, ""),
    binding(
        &[(KeyCode::Char('A'), S), (KeyCode::Char('A'), N)],
        "A",
        Action::Record(Write::Advance),
        "open the next phase (with team.ron: ask for an override)",
        Group::Command,
        "advance",
    ),
    binding(
        &[(KeyCode::Char('y'), N)],
        "y",
        Action::Record(Write::Confirm),
        "confirm a pending override request (approvers)",
        Group::Command,
        "",
    ),
    binding(
        &[(KeyCode::Char('w'), N)],
        "w",
        Action::Record(Write::Withdraw),
        "withdraw or decline a pending override request",
        Group::Command,
        "",
    ),
];

impl View for RolloutPane {
    fn select(&mut self, server: usize) {
        if let Some(k) = self.members.iter().position(|&m| m == server) {
            self.scroll.cursor = k;
        }
    }

    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("✓ ▶ ·", "phases: done, open now, to come; (n) how many members"),
            ("██░░┊", "soak: days soaked of the maximum, ┊ where the minimum ends"),
            ("15/14", "day 15 of a 14-day maximum; ✗ overdue · ! checkout due · … soaking · ✓ ready"),
            ("✓ ✗", "a gate: met, or not (its first mark)"),
            ("✓ ? ✗ ✗", "a gate's second mark: it rests on an unsigned event (?) or on one whose signature fails (✗)"),
            ("k more", "rests on #n and k more: k more events no key proves; it still counts"),
            super::journal::RESTS,
        ]
    }

    fn keys(&self) -> Vec<&'static Binding> {
        // Open first, then what can be recorded about the member under the cursor, then the phase's.
        KEYS[..3].iter().chain(&action::SERVER_RECORDS).chain(&KEYS[3..]).collect()
    }

    fn derive(&mut self, snap: &Snapshot, servers: Option<&[usize]>) {
        // The cursor stays on the same server when a record re-sorts the list.
        let under = self.members.get(self.scroll.cursor).copied();
        self.members = RolloutPane::sort_members(snap);
        if let Some(k) = under.and_then(|i| self.members.iter().position(|&m| m == i)) {
            self.scroll.cursor = k;
        }
        self.scroll.clamp(self.members.len());
        if servers.is_none() {
            self.judged.clear();
        }
        let (gates, opened) = match (&snap.view.rollout, snap.view.rollout.as_ref().and_then(|v| v.current)) {
            (Some(v), Some(c)) => (
                crate::rules::rests::gates(&snap.live.data, &snap.live.state, v.rollout, c, &v.members[c]),
                crate::rules::rests::opened(&snap.live.state, v.rollout, c),
            ),
            _ => (Vec::new(), None),
        };
        self.opened = opened.and_then(|s| snap.marked(&[s]).pop());
        let mut new: Vec<u64> =
            gates.iter().flat_map(|(_, s)| s).copied().filter(|s| !self.judged.contains_key(s)).collect();
        new.sort_unstable();
        new.dedup();
        let marked = snap.marked(&new);
        self.judged.extend(new.into_iter().map(|s| (s, None)));
        self.judged.extend(marked.into_iter().map(|(s, m)| (s, Some(m))));
        let judged = &self.judged;
        self.rests = (gates.into_iter())
            .map(|(g, seqs)| (g.id, seqs.into_iter().filter_map(|s| Some((s, (*judged.get(&s)?)?))).collect()))
            .collect();
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        let under = |this: &Self| this.members.get(this.scroll.cursor).copied();
        // A page of the gates or the waiting-on list is what it last showed, not the body.
        let rows = match self.panel {
            Panel::Members => action.rows(page),
            Panel::Gates => action.rows(self.gates.page(page)),
            Panel::Waiting => action.rows(self.waiting.page(page)),
        };
        match (self.panel, action, rows) {
            (_, Action::Right, _) => self.panel = self.panel.next(1),
            (_, Action::Left, _) => self.panel = self.panel.next(Panel::ALL.len() - 1),
            (Panel::Members, _, Some(rows)) => {
                self.scroll.step(rows, self.members.len());
                return under(self).map_or(Effect::Done, Effect::Select);
            }
            (Panel::Gates, _, Some(rows)) => self.gates.step(rows),
            (Panel::Waiting, _, Some(rows)) => self.waiting.step(rows),
            (_, Action::Open, _) => return under(self).map_or(Effect::Done, Effect::OpenServer),
            _ => return Effect::Ignored,
        }
        Effect::Done
    }

    /// The member under the cursor, only while the members' panel is the one in focus: a
    /// record key never acts on a server the highlighted panel does not show.
    fn target(&self, _snap: &Snapshot) -> Option<usize> {
        (self.panel == Panel::Members).then(|| self.members.get(self.scroll.cursor).copied()).flatten()
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        draw::draw(self, frame, snap, theme, area);
    }
}
