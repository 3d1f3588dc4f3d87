//! Drawing the fleet: the columns that fit, cells for the visible window only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::model::Environment;
use crate::rules::{Compliance, ServerRow};
use crate::ui::scroll;
use crate::ui::table::{self, ALWAYS, cell};
use crate::ui::theme::{Theme, soak_symbol};
use crate::views::Snapshot;

use super::{Column, FleetTable, Line as FleetLine};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Fixed(Column),
    Product(usize),
    /// Shown when there is room, not sorted by: the environment, the users, the soak in words.
    Environment,
    Users,
    Detail,
}

type Spec = table::Column<Col>;

fn specs(snap: &Snapshot, width: usize) -> Vec<Spec> {
    let name_width = snap.names.longest.clamp(8, 24);
    let col = |key: Col, title: &str, width: usize, keep: u8| Spec { key, title: title.into(), width, keep };
    let fixed = |c: Column, w: usize, keep: u8| col(Col::Fixed(c), c.title(), w, keep);
    let mut all = vec![col(Col::Fixed(Column::Server), "server", name_width + 3, ALWAYS), fixed(Column::Site, 6, 10)];
    for (i, p) in snap.live.data.catalog.products.iter().enumerate() {
        all.push(col(Col::Product(i), &p.id, 8, 80));
    }
    all.extend([
        fixed(Column::Behind, 7, 200),
        col(Col::Fixed(Column::HotFixes), "hotfix r/b", 11, 60),
        fixed(Column::Tier, 7, 30),
        col(Col::Fixed(Column::Priority), "pri", 4, 70),
        col(Col::Fixed(Column::Phase), "ph", 3, 50),
        fixed(Column::Soak, 16, 150),
        fixed(Column::Checkout, 14, 40),
        col(Col::Environment, "env", 11, 20),
        col(Col::Users, "users", 7, 15),
        col(Col::Detail, "soak in words", DETAIL_MIN, 5),
    ]);
    let mut specs = table::fit_columns(all, width);
    // A wide terminal gives what is left to the soak in words, not to padding.
    let used: usize = specs.iter().map(|s| s.width).sum();
    if let Some(detail) = specs.iter_mut().find(|s| s.key == Col::Detail) {
        detail.width += width.saturating_sub(used).min(DETAIL_MAX - DETAIL_MIN);
    }
    specs
}

/// The soak-in-words column shows from this width, and grows to the longest sentence.
const DETAIL_MIN: usize = 30;
const DETAIL_MAX: usize = 86;

pub(super) fn draw(t: &FleetTable, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let shown = if t.matching() {
        format!("matching the filter in {} servers", snap.view.rows.len())
    } else if t.filter.is_empty() {
        format!("{} servers", snap.view.rows.len())
    } else {
        format!("{} of {} servers", t.matched, snap.view.rows.len())
    };
    let title = format!(" Fleet: {shown} by role · sort {}{} ", t.sort.title(), if t.descending { " ↓" } else { " ↑" });
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let specs = specs(snap, width);
    let height = scroll::list_rows(t.lines.len(), usize::from(inner.height).saturating_sub(1));
    let header = table::header(&specs, Some((&Col::Fixed(t.sort), t.descending)), theme);
    let today = snap.now.date_naive();
    let window = t.scroll.window(t.lines.len(), height);
    let more = scroll::more_line(window.start, window.len(), t.lines.len(), theme);
    let first = window.start;
    let mut rows = Vec::with_capacity(window.len());
    for (n, line) in t.lines[window].iter().enumerate().map(|(k, l)| (first + k, l)) {
        let selected = n == t.scroll.cursor;
        let mut row = match line {
            FleetLine::Group { role, count, worst, folded } => Line::from(vec![
                Span::styled(
                    format!(
                        "{} {} ({count})",
                        if *folded { "▸" } else { "▾" },
                        snap.live
                            .data
                            .fleet
                            .roles
                            .get(*role)
                            .map_or("✗ INVALID: a role fleet.ron does not list (sprout check)", |r| r.name.as_str())
                    ),
                    theme.group,
                ),
                Span::styled(format!("  worst: {} {}", worst.symbol(), worst.label()), theme.compliance(*worst)),
            ]),
            FleetLine::Server(i) => server_line(snap, theme, &specs, &snap.view.rows[*i], today),
        };
        if selected && let (FleetLine::Server(_), Some(first)) = (line, row.spans.first_mut()) {
            first.content = format!("▶{}", first.content.chars().skip(1).collect::<String>()).into();
        }
        rows.push(row);
    }
    let cursor = t.scroll.cursor.checked_sub(first);
    let empty = Line::styled("  no server matches the filter (esc clears it)", theme.dim);
    table::render(frame, inner, theme, Some(header), rows, cursor, empty, more);
}

fn server_line(
    snap: &Snapshot,
    theme: &Theme,
    specs: &[Spec],
    row: &ServerRow,
    today: chrono::NaiveDate,
) -> Line<'static> {
    let server = &snap.live.state.servers[row.index];
    let spans = specs
        .iter()
        .map(|s| {
            let w = s.width;
            match s.key {
                // ● marks a server another operator just changed.
                Col::Fixed(Column::Server) if snap.changed.contains(&row.index) => {
                    Span::styled(cell(&format!("● {}", crate::safe::visible(&server.name)), w), theme.new)
                }
                Col::Fixed(Column::Server) => Span::raw(cell(&format!("  {}", crate::safe::visible(&server.name)), w)),
                Col::Fixed(Column::Site) => {
                    Span::raw(cell(&format!("{}{}", server.site, if server.remote { "*" } else { "" }), w))
                }
                Col::Product(p) => {
                    let product = &snap.live.data.catalog.products[p];
                    match row.levels.iter().find(|l| l.product == product.id) {
                        Some(l) => {
                            let latest = product.level_name(l.latest);
                            let text =
                                format!("{}/{}", product.level_name(l.installed), latest.trim_start_matches("SP"));
                            Span::styled(cell(&text, w), theme.compliance(Compliance::from_behind(l.behind)))
                        }
                        None => Span::styled(cell("-", w), theme.dim),
                    }
                }
                Col::Fixed(Column::Behind) => {
                    let text = format!(
                        "{} {}{}",
                        row.compliance.symbol(),
                        row.behind.min(3),
                        if row.behind >= 3 { "+" } else { "" }
                    );
                    Span::styled(cell(&text, w), theme.compliance(row.compliance))
                }
                Col::Fixed(Column::HotFixes) => {
                    let style = if row.ready > 0 { theme.warn } else { theme.base };
                    let text = if row.ready + row.blocked == 0 {
                        "-".to_string()
                    } else {
                        format!("{} / {}", row.ready, row.blocked)
                    };
                    Span::styled(cell(&text, w), style)
                }
                Col::Fixed(Column::Tier) => match row.tier() {
                    Some(t) => Span::styled(cell(t.label(), w), theme.rating(t)),
                    None => Span::styled(cell("-", w), theme.dim),
                },
                Col::Fixed(Column::Priority) => {
                    let text = row
                        .priority
                        .map_or("-".to_string(), |p| format!("{p}{}", if row.priority_overridden { "*" } else { "" }));
                    Span::raw(cell(&text, w))
                }
                Col::Fixed(Column::Phase) => {
                    Span::raw(cell(&row.phase.map_or("-".to_string(), |p| (p + 1).to_string()), w))
                }
                Col::Fixed(Column::Soak) => match &row.soak {
                    Some(s) => Span::styled(cell(&format!("{} {}", soak_symbol(s), s.short()), w), theme.soak(s)),
                    None => Span::styled(cell("-", w), theme.dim),
                },
                Col::Fixed(Column::Checkout) => match row.last_checkout {
                    Some((r, at)) => {
                        let days = (today - at.date_naive()).num_days();
                        Span::styled(cell(&format!("{} {days}d", r.label()), w), theme.checkout(r))
                    }
                    None => Span::styled(cell("-", w), theme.dim),
                },
                Col::Fixed(Column::Levels) => Span::raw(cell("", w)),
                Col::Environment => Span::raw(cell(
                    match server.environment {
                        Environment::Lab => "lab",
                        Environment::TestInProduction => "test",
                        Environment::Production => "production",
                    },
                    w,
                )),
                Col::Users => Span::raw(cell(&server.users.to_string(), w)),
                Col::Detail => match &row.soak {
                    Some(s) => Span::styled(cell(&s.describe(), w), theme.dim),
                    None => Span::styled(cell("-", w), theme.dim),
                },
            }
        })
        .collect::<Vec<_>>();
    Line::from(spans)
}
