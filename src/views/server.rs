//! The server view: levels, hot fixes with reasons, risk, soak, manifest, history.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::action::{self, Action, Binding};
use crate::rules::{self, Compliance, HotFixStatus, RatingSource};
use crate::ui::theme::{Theme, soak_symbol};

use super::{Effect, Snapshot, View};

/// History lines shown on the Server view; `sprout server NAME` prints them all.
const HISTORY_SHOWN: usize = 200;

/// The selected server in full, scrolled by line.
#[derive(Debug, Clone, Default)]
pub struct ServerPane {
    pub scroll: u16,
}

impl View for ServerPane {
    fn keys(&self) -> Vec<&'static Binding> {
        action::SERVER_RECORDS.iter().collect()
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        let delta = match (action, action.rows(page)) {
            (_, Some(rows)) => rows,
            _ => return Effect::Ignored,
        };
        let last = i64::from(u16::MAX) - 1;
        self.scroll = i64::from(self.scroll).saturating_add(delta).clamp(0, last) as u16;
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
    for cell in &row.levels {
        let Some(p) = data.catalog.product(&cell.product) else { continue };
        let c = Compliance::from_behind(cell.behind);
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", c.symbol()), theme.compliance(c)),
            Span::raw(format!("{:<24}{} of {}  ", p.name, p.level_name(cell.installed), p.level_name(cell.latest))),
            Span::styled(c.label(), theme.compliance(c)),
        ]));
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
        lines.push(Line::raw(format!(
            "  risk tier {} · priority {}{}",
            rated.tier().label(),
            row.priority.unwrap_or(0),
            if row.priority_overridden { " (overridden in the journal)" } else { "" }
        )));
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
    }
    lines.push(Line::default());
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
    for (p, e) in shown.iter().zip(snap.entries(&shown)) {
        lines.push(match e {
            Some(e) => Line::from(vec![
                Span::styled(
                    format!("  {} {:<8} ", e.at.format("%Y-%m-%d %H:%M"), crate::safe::visible(&e.by)),
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
        .title(Span::styled(" Server (esc back, ↑/↓ scroll) ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((pane.scroll, 0)), area);
}
