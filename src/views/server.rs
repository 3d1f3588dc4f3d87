//! The server view: levels, hot fixes with reasons, risk, soak, manifest, history.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::action::{self, Action, Binding};
use crate::live::signing::Mark;
use crate::model::Event;
use crate::rules::{self, Compliance, HotFixStatus, RatingSource};
use crate::ui::scroll::{self, Offset};
use crate::ui::table::{self, fit};
use crate::ui::theme::{Theme, soak_symbol};

use super::{Effect, Snapshot, View};

/// From this width the Server view shows its manifest and history in a second column.
const TWO_COLUMNS: usize = 160;

/// History lines shown on the Server view; `sprout server NAME` prints them all.
const HISTORY_SHOWN: usize = 200;

/// The selected server in full, scrolled by row.
#[derive(Debug, Clone, Default)]
pub struct ServerPane {
    pub scroll: Offset,
    /// The marks on the selected server's levels, kept for the server and the journal's length
    /// they were found for: finding them walks the server's history, which a generated or
    /// long-lived server makes long (a Server view key took 3.1 ms p50 at the generated fleet).
    levels: std::cell::RefCell<Option<LevelMarks>>,
}

/// `level_marks` of one server, and for which journal.
#[derive(Debug, Clone)]
struct LevelMarks {
    server: usize,
    history: usize,
    journal: usize,
    epoch: u64,
    marks: Vec<(String, u64, Mark)>,
}

impl View for ServerPane {
    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        super::journal::SERVER_LEGEND
    }

    fn keys(&self) -> Vec<&'static Binding> {
        action::SERVER_RECORDS.iter().collect()
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        // A page is the rows the pane last showed, not the whole body.
        match (action, action.rows(self.scroll.page(page))) {
            (_, Some(rows)) => self.scroll.step(rows),
            _ => return Effect::Ignored,
        }
        Effect::Done
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        draw(self, frame, snap, theme, area);
    }
}

fn draw(pane: &ServerPane, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let Some(i) = snap.selected else {
        frame.render_widget(
            Paragraph::new("No server selected: pick one on the fleet view (1) and press enter.").style(theme.dim),
            area,
        );
        return;
    };
    let data = &snap.live.data;
    let server = &snap.live.state.servers[i];
    let row = &snap.view.rows[i];
    let today = snap.now.date_naive();
    let head = |t: &str| Line::styled(t.to_string(), theme.title);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", crate::safe::visible(&server.name)), theme.title),
        Span::raw(format!(
            "{} · site {}{} · {} · {} users",
            data.fleet.role_name(&server.role),
            server.site,
            if server.remote { " (remote)" } else { "" },
            server.environment.label(),
            server.users
        )),
    ])];
    lines.push(Line::default());
    lines.push(head("Service-pack levels"));
    let pending = rules::hotfix::pending(&data.catalog, server, today);
    let levels = pane.level_marks(snap, i);
    for cell in &row.levels {
        let Some(p) = data.catalog.product(&cell.product) else { continue };
        let c = Compliance::from_behind(cell.behind);
        let mut spans = vec![
            Span::styled(format!("  {} ", c.symbol()), theme.compliance(c)),
            Span::raw(format!("{:<24}{} of {}  ", p.name, p.level_name(cell.installed), p.level_name(cell.latest))),
            Span::styled(c.label(), theme.compliance(c)),
        ];
        if let Some((_, seq, mark)) = levels.iter().find(|(product, ..)| *product == cell.product) {
            spans.push(rest_span("set by", &[(*seq, *mark)], theme));
        }
        lines.push(Line::from(spans));
        if let Some(a) = rules::advice::wait_for_release(p, cell.behind, &pending, today) {
            lines.push(Line::styled(format!("      advice: {a}"), theme.dim));
        }
    }
    lines.push(Line::default());
    lines.push(head("Pending hot fixes"));
    if pending.is_empty() {
        lines.push(Line::styled("  none", theme.dim));
    }
    for f in &pending {
        let (symbol, style) = match f.status {
            HotFixStatus::Ready => ("✓", theme.ok),
            HotFixStatus::Blocked { .. } => ("✗", theme.bad),
            HotFixStatus::Superseded { .. } => ("→", theme.dim),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {symbol} {:<8} {:<11}", f.id, f.status.word()), style),
            Span::raw(format!("{}{} ", f.title, if f.publicised { " (publicised)" } else { "" })),
            Span::styled(format!("— {}", f.status.reason()), theme.dim),
        ]));
    }
    if !server.hot_fixes.is_empty() {
        lines.push(Line::styled(format!("  installed: {}", server.hot_fixes.join(", ")), theme.dim));
    }
    if let (Some(ro), Some(rated)) = (snap.rollout(), &row.ratings) {
        lines.push(Line::default());
        lines.push(head(&format!("Rollout {}", ro.title)));
        let source = match rated.source {
            RatingSource::Role => "the role's ratings".to_string(),
            RatingSource::Server => format!("a server override: {}", rated.note.as_deref().unwrap_or("")),
            RatingSource::Default => "no ratings for this role: Medium assumed".to_string(),
        };
        lines.push(Line::from(vec![
            Span::raw("  failure without SP "),
            Span::styled(rated.without_sp.label(), theme.rating(rated.without_sp)),
            Span::raw(" · effect if the install fails "),
            Span::styled(rated.if_fails.label(), theme.rating(rated.if_fails)),
            Span::styled(format!("  (from {source})"), theme.dim),
        ]));
        let mut risk = vec![Span::raw(format!(
            "  risk tier {} · priority {}{}",
            rated.tier().label(),
            row.priority.unwrap_or(0),
            if row.priority_overridden { " (overridden in the journal)" } else { "" }
        ))];
        let by = snap.view.rollout.as_ref().map_or(0, |v| snap.live.state.progress[v.rollout].members[i].priority_seq);
        let by = if row.priority_overridden { by } else { 0 };
        if let Some(&rest) = snap.marked(&[by]).first() {
            risk.push(rest_span("", &[rest], theme));
        }
        lines.push(Line::from(risk));
        match row.phase {
            Some(p) => lines.push(Line::raw(format!(
                "  phase {} ({}) · window {}",
                p + 1,
                ro.phases[p].name,
                ro.phases[p].window.label()
            ))),
            None => lines.push(Line::styled("  matches no phase", theme.warn)),
        }
        if let Some(s) = &row.soak {
            lines.push(Line::from(vec![
                Span::raw("  soak: "),
                Span::styled(format!("{} {}", soak_symbol(s), s.describe()), theme.soak(s)),
            ]));
        }
        if let (Some(p), Some(v), true) = (row.phase, &snap.view.rollout, snap.signatures_matter()) {
            let record = &snap.live.state.progress[v.rollout].members[i];
            let window = rules::phase::Window::of(ro, p, snap.live.state.progress[v.rollout].extra_days[p]);
            let r = rules::rests::member(record, window);
            for (what, seq) in [("install", r.installed), ("verification", r.verified), ("Pass checkout", r.checkout)] {
                if seq == 0 || (what == "verification" && seq == r.installed) {
                    continue;
                }
                if let Some(&(seq, mark)) = snap.marked(&[seq]).first() {
                    lines.push(Line::from(vec![Span::raw(format!("  {what}")), rest_span("", &[(seq, mark)], theme)]));
                }
            }
        }
    }
    lines.push(Line::default());
    // A wide terminal shows the manifest and the history beside the rest, not under it.
    let second = lines.len();
    lines.push(head("Rebuild manifest"));
    for (n, s) in rules::manifest::manifest(&data.catalog, server).iter().enumerate() {
        lines.push(Line::raw(format!("  {:>2}. {}", n + 1, s.line())));
    }
    lines.push(Line::default());
    lines.push(head("History (newest first)"));
    let history = &snap.live.state.history[i];
    if history.is_empty() {
        lines.push(Line::styled("  no journal events", theme.dim));
    }
    // The newest events, read from the journal for this frame; the rest is a command away.
    let shown: Vec<usize> = history.iter().rev().take(HISTORY_SHOWN).map(|&p| p as usize).collect();
    let entries = snap.entries(&shown);
    let marks = snap.marks(&shown, &entries);
    for ((p, e), mark) in shown.iter().zip(entries).zip(marks) {
        lines.push(match e {
            Some(e) => Line::from(vec![
                match mark {
                    Some(Mark::Failed) => Span::styled(Mark::Failed.symbol(), theme.bad),
                    Some(Mark::Verified) => Span::styled(Mark::Verified.symbol(), theme.ok),
                    Some(m) => Span::styled(m.symbol(), theme.warn),
                    None => Span::raw(" "),
                },
                Span::styled(
                    format!(" {} {:<8} ", e.at.format("%Y-%m-%d %H:%M"), crate::safe::visible(&e.by)),
                    theme.dim,
                ),
                Span::raw(crate::describe::event(&e.event)),
            ]),
            None => Line::styled(format!("  #{}: cannot be read from journal.ron (changed?)", p + 1), theme.warn),
        });
    }
    if history.len() > HISTORY_SHOWN {
        lines.push(Line::styled(
            format!(
                "  … {} older events: sprout server {}",
                history.len() - HISTORY_SHOWN,
                snap.live.state.servers[i].name
            ),
            theme.dim,
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        // The name stays in sight however far the pane is scrolled.
        .title(Span::styled(
            fit(
                &format!(" Server {} (esc back, ↑/↓ scroll) ", crate::safe::visible(&snap.live.state.servers[i].name)),
                usize::from(area.width),
            )
            .trim_end()
            .to_string()
                + " ",
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Wrapped here, not by the paragraph, so the rows are counted: the last page is known and
    // the "more" line says what lies below.
    let width = usize::from(inner.width);
    let wrap = |lines: &[Line], width: usize| -> Vec<Line<'static>> {
        lines.iter().flat_map(|l| table::wrap_line(l, width)).collect()
    };
    let rows = if width >= TWO_COLUMNS {
        let left_width = (width - 3) / 2;
        let (left, right) = (wrap(&lines[..second], left_width), wrap(&lines[second..], width - 3 - left_width));
        let blank = Line::default();
        (0..left.len().max(right.len()))
            .map(|k| {
                let l = left.get(k).unwrap_or(&blank);
                let pad = left_width.saturating_sub(l.width());
                let mut spans = l.spans.clone();
                spans.push(Span::raw(" ".repeat(pad)));
                spans.push(Span::styled(" │ ", theme.border));
                spans.extend(right.get(k).unwrap_or(&blank).spans.iter().cloned());
                Line::from(spans)
            })
            .collect()
    } else {
        wrap(&lines, width)
    };
    let window = pane.scroll.window(rows.len(), usize::from(inner.height));
    let more = scroll::more_line(window.start, window.len(), rows.len(), theme);
    frame.render_widget(Paragraph::new(rows[window].to_vec()), inner);
    scroll::render_more(frame, inner, more);
}

/// " ? rests on #41, unsigned" (or ✗, its signature fails), in the mark's style; after
/// `before` ("set by"): " (set by #41: ? unsigned)".
fn rest_span(before: &str, rests: &[(u64, Mark)], theme: &Theme) -> Span<'static> {
    let failed = rests.iter().any(|(_, m)| *m == Mark::Failed);
    let (mark, why, style) = if failed {
        (Mark::Failed, "its signature fails", theme.bad)
    } else {
        (Mark::Unproven, "unsigned", theme.warn)
    };
    let seq = rests.first().map_or(0, |(s, _)| *s);
    if before.is_empty() {
        Span::styled(format!(" {} rests on #{seq}, {why}", mark.symbol()), style)
    } else {
        // After a level: "(set by #30: ? unsigned)", what set it and why that is not proven.
        let why = if failed { "signature fails" } else { why };
        Span::styled(format!(" ({before} #{seq}: {} {why})", mark.symbol()), style)
    }
}

impl ServerPane {
    /// `level_marks`, found again only for another server, a journal that grew or a state read
    /// afresh.
    fn level_marks(&self, snap: &Snapshot, i: usize) -> Vec<(String, u64, Mark)> {
        let (history, journal) = (snap.live.state.history[i].len(), snap.live.data.journal.len());
        let epoch = snap.live.epoch;
        let mut kept = self.levels.borrow_mut();
        match &*kept {
            Some(k) if (k.server, k.history, k.journal, k.epoch) == (i, history, journal, epoch) => k.marks.clone(),
            _ => {
                let marks = level_marks(snap, i);
                *kept = Some(LevelMarks { server: i, history, journal, epoch, marks: marks.clone() });
                marks
            }
        }
    }
}

/// Per product, the install or back-out that put the server at its level (the latest of the
/// last few), where that event carries a mark (none where signatures do not matter).
fn level_marks(snap: &Snapshot, i: usize) -> Vec<(String, u64, Mark)> {
    if !snap.signatures_matter() {
        return Vec::new();
    }
    let lines = &snap.live.data.journal.lines;
    let sets_level = |kind: u8| matches!(Event::KINDS.get(usize::from(kind)), Some(&("install" | "backout")));
    let positions: Vec<usize> = (snap.live.state.history[i].iter().rev().map(|&p| p as usize))
        .filter(|&p| lines.get(p).is_some_and(|l| sets_level(l.kind)))
        .take(16)
        .collect();
    let marked = snap.marked(&positions.iter().map(|&p| p as u64 + 1).collect::<Vec<_>>());
    if marked.is_empty() {
        return Vec::new();
    }
    let mut latest: Vec<(String, u64)> = Vec::new();
    for e in snap.entries(&positions).into_iter().flatten() {
        let (Event::Install { product, .. } | Event::BackedOut { product, .. }) = &e.event else { continue };
        if !latest.iter().any(|(p, _)| p == product) {
            latest.push((product.clone(), e.seq));
        }
    }
    (latest.into_iter())
        .filter_map(|(p, seq)| marked.iter().find(|(s, _)| *s == seq).map(|&(s, m)| (p, s, m)))
        .collect()
}
