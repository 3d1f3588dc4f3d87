//! Drawing the rollout: the phase strip, the gates, the members' soak gauges and the
//! waiting-on list, each built for the rows in sight only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::live::signing::Mark;
use crate::model::Rollout;
use crate::rules::phase::Window;
use crate::rules::{RolloutView, SoakState};
use crate::ui::scroll;
use crate::ui::table::{self, fit};
use crate::ui::theme::{Theme, soak_symbol};
use crate::views::Snapshot;

use super::{Panel, RolloutPane};

/// Unmet lines shown per gate while the gates are out of focus; in focus, all of them scroll.
const GATE_LINES: usize = 6;

/// The phase strip: done ✓, current ▶, waiting ·. Every name when they fit on one line (or
/// two, on a tall screen); else each phase's number and the current one's name.
fn phase_strip(
    ro: &Rollout,
    v: &RolloutView,
    opened: Option<(u64, Mark)>,
    theme: &Theme,
    area: Rect,
) -> (Paragraph<'static>, u16) {
    let width = usize::from(area.width.max(1));
    let strip = |names: bool| {
        let mut spans = vec![Span::styled("Phases ", theme.title)];
        for (i, p) in ro.phases.iter().enumerate() {
            let (mark, style) = match v.current {
                Some(c) if i < c => ("✓", theme.ok),
                Some(c) if i == c => ("▶", theme.tab_active),
                _ => ("·", theme.dim),
            };
            let text = if Some(i) == v.current {
                format!("{mark}{} {} ({})", i + 1, p.name, v.members[i].len())
            } else if !names {
                format!("{mark}{}", i + 1)
            } else if area.width >= 120 {
                format!("{mark}{} {} ({})", i + 1, p.name, v.members[i].len())
            } else {
                format!("{mark}{} {} ({})", i + 1, fit(&p.name, 14).trim_end(), v.members[i].len())
            };
            spans.push(Span::styled(text, style));
            // The current phase was opened by an event no key proves: it is open all the same.
            if let Some((seq, mark)) = opened.filter(|_| Some(i) == v.current) {
                let st = if mark == Mark::Failed { theme.bad } else { theme.warn };
                spans.push(Span::styled(format!(" {} opened by #{seq}", mark.symbol()), st));
            }
            spans.push(Span::raw(if names { "  " } else { " " }));
        }
        let len: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        (spans, len.saturating_sub(2).div_ceil(width).max(1))
    };
    let (full, rows) = strip(true);
    let most = if area.height >= 30 { 2 } else { 1 };
    let (spans, rows) = if rows <= most { (full, rows) } else { strip(false) };
    (Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }), rows.min(3) as u16)
}

/// One line of the gates panel.
enum GateRow<'a> {
    Gate(&'a crate::rules::gates::GateStatus),
    Unmet(&'a str),
    /// Unmet lines of a gate not listed while the gates are out of focus.
    Hidden(usize),
    Halted(&'a str),
}

/// The gates' lines: each gate, its unmet items (the first few unless `all`), a halt.
fn gate_rows_len(v: &RolloutView, all: bool) -> usize {
    let per_gate = |n: usize| if all || n <= GATE_LINES { n } else { GATE_LINES + 1 };
    v.gates.iter().map(|g| 1 + per_gate(g.unmet.len())).sum::<usize>() + usize::from(v.halted.is_some())
}

/// Line `k` of the gates panel, found without building the others.
fn gate_row(v: &RolloutView, all: bool, mut k: usize) -> Option<GateRow<'_>> {
    for g in &v.gates {
        if k == 0 {
            return Some(GateRow::Gate(g));
        }
        k -= 1;
        let listed = if all { g.unmet.len() } else { g.unmet.len().min(GATE_LINES) };
        if k < listed {
            return Some(GateRow::Unmet(&g.unmet[k]));
        }
        k -= listed;
        if listed < g.unmet.len() {
            if k == 0 {
                return Some(GateRow::Hidden(g.unmet.len() - listed));
            }
            k -= 1;
        }
    }
    v.halted.as_deref().filter(|_| k == 0).map(GateRow::Halted)
}

fn gate_line(pane: &RolloutPane, row: GateRow, theme: &Theme) -> Line<'static> {
    match row {
        GateRow::Gate(g) => {
            let (mark, style) = if g.met() { ("✓", theme.ok) } else { ("✗", theme.bad) };
            let mut spans = vec![Span::styled(format!("{mark} "), style)];
            // What it rests on that no key proves: the mark before the label, so a narrow
            // screen cuts the label, never the mark.
            let rests = pane.rests.iter().find(|(id, _)| *id == g.gate.id).map_or(&[][..], |(_, r)| r);
            if let Some(&(seq, _)) = rests.first() {
                let failed = rests.iter().any(|(_, m)| *m == Mark::Failed);
                let (m, st) = if failed { (Mark::Failed, theme.bad) } else { (Mark::Unproven, theme.warn) };
                spans.push(Span::styled(format!("{} ", m.symbol()), st));
                spans.push(Span::styled(g.gate.label(), style));
                let more = if rests.len() > 1 { format!(" and {} more", rests.len() - 1) } else { String::new() };
                spans.push(Span::styled(format!("  rests on #{seq}{more}"), st));
            } else {
                spans.push(Span::styled(g.gate.label(), style));
            }
            Line::from(spans)
        }
        GateRow::Unmet(u) => Line::raw(format!("    {u}")),
        GateRow::Hidden(n) => Line::styled(format!("    … and {n} more (←/h: the gates panel lists them)"), theme.dim),
        GateRow::Halted(h) => Line::styled(format!("! {h}"), theme.bad),
    }
}

/// A panel's title: `▶` and the key style when the move keys work in it.
fn panel_title(text: String, focused: bool, theme: &Theme) -> Span<'static> {
    if focused { Span::styled(format!(" ▶{text}"), theme.key) } else { Span::styled(text, theme.title) }
}

pub(super) fn draw(pane: &RolloutPane, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let (Some(ro), Some(v)) = (snap.rollout(), snap.view.rollout.as_ref()) else {
        frame.render_widget(Paragraph::new("No rollout in rollout.ron.").style(theme.dim), area);
        return;
    };
    let (strip, strip_rows) = phase_strip(ro, v, pane.opened, theme, area);
    let Some(c) = v.current else {
        let [top, rest] = Layout::vertical([Constraint::Length(strip_rows), Constraint::Min(0)]).areas(area);
        frame.render_widget(strip, top);
        frame.render_widget(Paragraph::new("No phase is open yet: A opens phase 1.").style(theme.warn), rest);
        return;
    };
    let all_gates = pane.panel == Panel::Gates;
    let gate_rows = gate_rows_len(v, all_gates);
    let unmet = v.gates.iter().filter(|g| !g.met()).count();
    let verdict = if c + 1 == ro.phases.len() {
        " last phase ".to_string()
    } else if unmet == 0 {
        format!(" all gates met: A opens phase {} ", c + 2)
    } else {
        format!(" {unmet} of {} gates unmet: phase {} cannot open ", v.gates.len(), c + 2)
    };
    // The gates are why the phase cannot open: they get the room, the soak list what is left.
    // The members keep a third of a short screen (five rows at least), four rows when the
    // gates are in focus.
    let members_rows =
        if all_gates { 4 } else { (v.members[c].len() as u16 + 1).clamp(4, 8).min((area.height / 3).max(5)) };
    let room = area.height.saturating_sub(strip_rows + members_rows);
    let mut gates_height = (gate_rows as u16 + 1).min(room).max(3);
    let (phase, panel, screen, drawn) = pane.gates_drawn.get();
    if (phase, panel, screen) == (c, pane.panel, area.height) {
        gates_height = gates_height.max(drawn.min(room));
    }
    pane.gates_drawn.set((c, pane.panel, area.height, gates_height));
    let [top, gates_area, bottom] =
        Layout::vertical([Constraint::Length(strip_rows), Constraint::Length(gates_height), Constraint::Min(3)])
            .areas(area);
    frame.render_widget(strip, top);
    // The verdict matters more than the phase's name: on a narrow screen the name is cut first.
    let name = format!(" Gates of phase {} ({}) ", c + 1, ro.phases[c].name);
    let name = panel_title(name, all_gates, theme);
    let room = usize::from(area.width).saturating_sub(verdict.chars().count() + 1);
    let name = Span::styled(fit(&name.content, room).trim_end().to_string() + " ", name.style);
    let title = Line::from(vec![
        name,
        Span::styled(
            fit(&verdict, usize::from(area.width)).trim_end().to_string() + " ",
            if unmet == 0 { theme.ok } else { theme.bad },
        ),
    ]);
    let block = Block::default().borders(Borders::TOP).border_style(theme.border).title(title);
    let inner = block.inner(gates_area);
    frame.render_widget(block, gates_area);
    let window = pane.gates.window(gate_rows, usize::from(inner.height));
    let more = scroll::more_line(window.start, window.len(), gate_rows, theme);
    let lines: Vec<Line> =
        window.clone().filter_map(|k| gate_row(v, all_gates, k)).map(|r| gate_line(pane, r, theme)).collect();
    table::render(frame, inner, theme, None, lines, None, Line::default(), more);

    let [members_area, waiting_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(bottom);
    draw_members(pane, frame, snap, theme, members_area, ro, c);
    draw_waiting(pane, frame, v, theme, waiting_area);
}

fn draw_members(
    pane: &RolloutPane,
    frame: &mut Frame,
    snap: &Snapshot,
    theme: &Theme,
    area: Rect,
    ro: &Rollout,
    c: usize,
) {
    let Some(v) = snap.view.rollout.as_ref() else { return };
    let window = Window::of(ro, c, snap.live.state.progress[v.rollout].extra_days[c]);
    let members = &pane.members;
    let title = format!(" Soak {}..{} days, overdue first ", window.min, window.max);
    let block = Block::default().borders(Borders::TOP).border_style(theme.border).title(panel_title(
        title,
        pane.panel == Panel::Members,
        theme,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = scroll::list_rows(members.len(), usize::from(inner.height));
    let shown = pane.scroll.window(members.len(), height);
    let first = shown.start;
    let more = scroll::more_line(first, shown.len(), members.len(), theme);
    let name_width = snap.names.longest.clamp(8, 16) + 1;
    let gauge_width = usize::from(inner.width).saturating_sub(name_width + 17).clamp(4, 20);
    // A wide panel says the soak in words after the gauge, not blanks.
    let words_width = usize::from(inner.width).saturating_sub(name_width + gauge_width + 20);
    let mut lines = Vec::new();
    for &i in &members[shown.clone()] {
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
        let mut spans = vec![
            Span::raw(table::cell(&crate::safe::visible(&snap.live.state.servers[i].name), name_width)),
            Span::styled(gauge, theme.soak(&soak)),
            Span::styled(table::cell(&format!(" {} {}", soak_symbol(&soak), soak.short()), 19), theme.soak(&soak)),
        ];
        if words_width >= 30 {
            spans.push(Span::styled(fit(&soak.describe(), words_width), theme.dim));
        }
        lines.push(Line::from(spans));
    }
    let cursor = pane.scroll.cursor.checked_sub(first);
    table::render(frame, inner, theme, None, lines, cursor, Line::styled("no members", theme.dim), more);
}

fn draw_waiting(pane: &RolloutPane, frame: &mut Frame, v: &RolloutView, theme: &Theme, area: Rect) {
    let block = Block::default().borders(Borders::TOP | Borders::LEFT).border_style(theme.border).title(panel_title(
        " Waiting on ".to_string(),
        pane.panel == Panel::Waiting,
        theme,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if v.waiting.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("nothing", theme.ok)), inner);
        return;
    }
    // Whole entries, wrapped, from the first in sight; the "more" line counts entries.
    let width = usize::from(inner.width).max(1);
    let window = pane
        .waiting
        .window_by(v.waiting.len(), usize::from(inner.height), |k| crate::ui::wrapped_rows(&v.waiting[k], width));
    let more = scroll::more_line(window.start, window.len(), v.waiting.len(), theme);
    let lines: Vec<Line> = v.waiting[window]
        .iter()
        .map(|w| {
            let style = if w.contains("OVERDUE") || w.contains("failed") { theme.bad } else { theme.base };
            Line::styled(w.clone(), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    scroll::render_more(frame, inner, more);
}
