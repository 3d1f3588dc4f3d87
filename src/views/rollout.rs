//! The rollout view: phases, the current phase's gates as a checklist, soak gauges, waiting-on.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::action::{self, Action, Binding, Group, Write, binding};
use crate::rules::SoakState;
use crate::rules::phase::Window;
use crate::ui::table::{self, Scroll, fit};
use crate::ui::theme::{Theme, soak_symbol};

use super::{Effect, Snapshot, View};

/// Unmet lines shown per gate; the rest is counted (`sprout status` lists them all).
const GATE_LINES: usize = 6;

/// The rollout board: the current phase's members, overdue first, under a cursor.
#[derive(Debug, Clone, Default)]
pub struct RolloutPane {
    /// The current phase's members, overdue first, then by name (derived).
    pub members: Vec<usize>,
    pub scroll: Scroll,
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
    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("✓ ▶ ·", "phases: done, open now, to come; (n) how many members"),
            ("██░░┊", "soak: days soaked of the maximum, ┊ where the minimum ends"),
            ("15/14", "day 15 of a 14-day maximum; ✗ overdue · ! checkout due · … soaking · ✓ ready"),
        ]
    }

    fn keys(&self) -> Vec<&'static Binding> {
        // Open first, then what can be recorded about the member under the cursor, then the phase's.
        KEYS[..1].iter().chain(&action::SERVER_RECORDS).chain(&KEYS[1..]).collect()
    }

    fn derive(&mut self, snap: &Snapshot, _servers: Option<&[usize]>) {
        // The cursor stays on the same server when a record re-sorts the list.
        let under = self.members.get(self.scroll.cursor).copied();
        self.members = RolloutPane::sort_members(snap);
        if let Some(k) = under.and_then(|i| self.members.iter().position(|&m| m == i)) {
            self.scroll.cursor = k;
        }
        self.scroll.clamp(self.members.len());
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        let under = |this: &Self| this.members.get(this.scroll.cursor).copied();
        if let Some(rows) = action.rows(page) {
            self.scroll.step(rows, self.members.len());
            return under(self).map_or(Effect::Done, Effect::Select);
        }
        match action {
            Action::Open => under(self).map_or(Effect::Done, Effect::OpenServer),
            _ => Effect::Ignored,
        }
    }

    fn target(&self, _snap: &Snapshot) -> Option<usize> {
        self.members.get(self.scroll.cursor).copied()
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        draw(self, frame, snap, theme, area);
    }
}

fn draw(pane: &RolloutPane, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let (Some(ro), Some(v)) = (snap.rollout(), snap.view.rollout.as_ref()) else {
        frame.render_widget(Paragraph::new("No rollout in rollout.ron.").style(theme.dim), area);
        return;
    };
    // The phase strip: done ✓, current ▶, waiting ·.
    let mut strip = vec![Span::styled("Phases ", theme.title)];
    for (i, p) in ro.phases.iter().enumerate() {
        let (mark, style) = match v.current {
            Some(c) if i < c => ("✓", theme.ok),
            Some(c) if i == c => ("▶", theme.tab_active),
            _ => ("·", theme.dim),
        };
        // On a narrow terminal only the current phase keeps its whole name.
        let name = if Some(i) == v.current || area.width >= 120 {
            p.name.clone()
        } else {
            fit(&p.name, 14).trim_end().to_string()
        };
        strip.push(Span::styled(format!("{mark}{} {name} ({})", i + 1, v.members[i].len()), style));
        strip.push(Span::raw("  "));
    }
    let strip_len: usize = strip.iter().map(|s| s.content.chars().count()).sum();
    let strip_rows = strip_len.div_ceil(usize::from(area.width.max(1))).clamp(1, 3) as u16;
    let strip = Paragraph::new(Line::from(strip)).wrap(Wrap { trim: true });
    let mut gate_lines = Vec::new();
    let Some(c) = v.current else {
        let [top, rest] = Layout::vertical([Constraint::Length(strip_rows), Constraint::Min(0)]).areas(area);
        frame.render_widget(strip, top);
        frame.render_widget(Paragraph::new("No phase is open yet: A opens phase 1.").style(theme.warn), rest);
        return;
    };
    for g in &v.gates {
        let (mark, style) = if g.met() { ("✓", theme.ok) } else { ("✗", theme.bad) };
        gate_lines.push(Line::from(vec![Span::styled(format!("{mark} "), style), Span::styled(g.gate.label(), style)]));
        // A gate unmet by thousands of members shows the first few and a count.
        for u in g.unmet.iter().take(GATE_LINES) {
            gate_lines.push(Line::raw(format!("    {u}")));
        }
        if g.unmet.len() > GATE_LINES {
            gate_lines.push(Line::styled(format!("    … and {} more", g.unmet.len() - GATE_LINES), theme.dim));
        }
    }
    if let Some(h) = &v.halted {
        gate_lines.push(Line::styled(format!("! {h}"), theme.bad));
    }
    let unmet = v.gates.iter().filter(|g| !g.met()).count();
    let verdict = if c + 1 == ro.phases.len() {
        " last phase ".to_string()
    } else if unmet == 0 {
        format!(" all gates met: A opens phase {} ", c + 2)
    } else {
        format!(" {unmet} of {} gates unmet: phase {} cannot open ", v.gates.len(), c + 2)
    };
    // The gates are why the phase cannot open: they get the room, the soak list what is left.
    let members_rows = (v.members[c].len() as u16 + 1).clamp(4, 8);
    let gates_height = (gate_lines.len() as u16 + 1).min(area.height.saturating_sub(strip_rows + members_rows)).max(3);
    let [top, gates_area, bottom] =
        Layout::vertical([Constraint::Length(strip_rows), Constraint::Length(gates_height), Constraint::Min(3)])
            .areas(area);
    frame.render_widget(strip, top);
    // The verdict matters more than the phase's name: on a narrow screen the name is cut first.
    let room = usize::from(area.width).saturating_sub(verdict.chars().count());
    let name = crate::ui::fit(&format!(" Gates of phase {} ({}) ", c + 1, ro.phases[c].name), room);
    let title = Line::from(vec![
        Span::styled(name.trim_end().to_string() + " ", theme.title),
        Span::styled(
            crate::ui::fit(&verdict, usize::from(area.width)).trim_end().to_string() + " ",
            if unmet == 0 { theme.ok } else { theme.bad },
        ),
    ]);
    let block = Block::default().borders(Borders::TOP).border_style(theme.border).title(title);
    frame.render_widget(Paragraph::new(gate_lines).block(block), gates_area);

    let [members_area, waiting_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(bottom);
    let window = Window::of(ro, c, snap.live.state.progress[v.rollout].extra_days[c]);
    let members = &pane.members;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(format!(" Soak {}..{} days, overdue first ", window.min, window.max), theme.title));
    let inner = block.inner(members_area);
    frame.render_widget(block, members_area);
    let height = usize::from(inner.height);
    let shown = pane.scroll.window(members.len(), height);
    let first = shown.start;
    let name_width = snap.names.longest.clamp(8, 16) + 1;
    let gauge_width = usize::from(inner.width).saturating_sub(name_width + 17).clamp(4, 20);
    let mut lines = Vec::new();
    for &i in &members[shown] {
        let soak = snap.view.rows[i].soak.unwrap_or(SoakState::NotStarted);
        let day = match soak {
            SoakState::Soaking { day, .. }
            | SoakState::CheckoutDue { day, .. }
            | SoakState::Overdue { day, .. }
            | SoakState::Ready { day }
            | SoakState::Failed { day } => day,
            _ => 0,
        };
        let filled = (day as usize * gauge_width / window.max.max(1) as usize).min(gauge_width);
        let min_mark =
            (window.min as usize * gauge_width / window.max.max(1) as usize).min(gauge_width.saturating_sub(1));
        let gauge: String = (0..gauge_width)
            .map(|k| {
                if k < filled {
                    '█'
                } else if k == min_mark {
                    '┊'
                } else {
                    '░'
                }
            })
            .collect();
        lines.push(Line::from(vec![
            Span::raw(fit(&crate::safe::visible(&snap.live.state.servers[i].name), name_width)),
            Span::styled(gauge, theme.soak(&soak)),
            Span::styled(format!(" {} {}", soak_symbol(&soak), soak.short()), theme.soak(&soak)),
        ]));
    }
    let cursor = pane.scroll.cursor.checked_sub(first);
    table::render(frame, inner, theme, None, lines, cursor, Line::styled("no members", theme.dim));

    let block = Block::default()
        .borders(Borders::TOP | Borders::LEFT)
        .border_style(theme.border)
        .title(Span::styled(" Waiting on ", theme.title));
    let inner = block.inner(waiting_area);
    let (room, width) = (usize::from(inner.height), usize::from(inner.width).max(1));
    let waiting: Vec<Line> = if v.waiting.is_empty() {
        vec![Line::styled("nothing", theme.ok)]
    } else {
        // Whole lines only, as many as fit wrapped, and a count of the rest: nothing is cut
        // silently (`sprout status` lists them all).
        let mut used = 0;
        let mut shown = 0;
        for (k, w) in v.waiting.iter().enumerate() {
            let rows = crate::ui::wrapped_rows(w, width);
            let reserve = usize::from(k + 1 < v.waiting.len());
            if used + rows + reserve > room {
                break;
            }
            used += rows;
            shown += 1;
        }
        let more = v.waiting.len() - shown;
        v.waiting
            .iter()
            .take(shown)
            .map(|w| {
                Line::styled(
                    w.clone(),
                    if w.contains("OVERDUE") || w.contains("failed") { theme.bad } else { theme.base },
                )
            })
            .chain((more > 0).then(|| Line::styled(format!("… and {more} more (sprout status)"), theme.dim)))
            .collect()
    };
    frame.render_widget(Paragraph::new(waiting).block(block).wrap(Wrap { trim: true }), waiting_area);
}
