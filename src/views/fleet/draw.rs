//! Drawing the fleet: the columns that fit, cells for the visible window only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::rules::{Compliance, ServerRow};
use crate::ui::table::{self, ALWAYS, fit};
use crate::ui::theme::{Theme, soak_symbol};
use crate::views::Snapshot;

use super::{Column, FleetTable, Line as FleetLine};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Fixed(Column),
    Product(usize),
}

type Spec = table::Column<Col>;

fn specs(snap: &Snapshot, width: usize) -> Vec<Spec> {
    let name_width = snap.names.longest.clamp(8, 24);
    let col = |key: Col, title: &str, width: usize, keep: u8| Spec { key, title: title.into(), width, keep };
    let fixed = |c: Column, w: usize, keep: u8| col(Col::Fixed(c), c.title(), w, keep);
    let mut all = vec![col(Col::Fixed(Column::Server), "server", name_width + 3, ALWAYS), fixed(Column::Site, 5, 10)];
    for (i, p) in snap.live.data.catalog.products.iter().enumerate() {
        all.push(col(Col::Product(i), &p.id, 8, 80));
    }
    all.extend([
        fixed(Column::Behind, 7, 200),
        col(Col::Fixed(Column::HotFixes), "hotfix r/b", 11, 60),
        fixed(Column::Tier, 7, 30),
        col(Col::Fixed(Column::Priority), "pri", 4, 70),
        col(Col::Fixed(Column::Phase), "ph", 3, 50),
        fixed(Column::Soak, 15, 150),
        fixed(Column::Checkout, 13, 40),
    ]);
    table::fit_columns(all, width)
}

pub(super) fn draw(t: &FleetTable, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let shown = if t.filter.is_empty() {
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
    let height = usize::from(inner.height).saturating_sub(1);
    let header = table::header(&specs, Some(&Col::Fixed(t.sort)), theme);
    let today = snap.now.date_naive();
    let window = t.scroll.window(t.lines.len(), height);
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
    table::render(frame, inner, theme, Some(header), rows, cursor, empty);
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
                    Span::styled(fit(&format!("● {}", crate::safe::visible(&server.name)), w), theme.new)
                }
                Col::Fixed(Column::Server) => Span::raw(fit(&format!("  {}", crate::safe::visible(&server.name)), w)),
                Col::Fixed(Column::Site) => {
                    Span::raw(fit(&format!("{}{}", server.site, if server.remote { "*" } else { "" }), w))
                }
                Col::Product(p) => {
                    let product = &snap.live.data.catalog.products[p];
                    match row.levels.iter().find(|l| l.product == product.id) {
                        Some(l) => {
                            let latest = product.level_name(l.latest);
                            let text =
                                format!("{}/{}", product.level_name(l.installed), latest.trim_start_matches("SP"));
                            Span::styled(fit(&text, w), theme.compliance(Compliance::from_behind(l.behind)))
                        }
                        None => Span::styled(fit("-", w), theme.dim),
                    }
                }
                Col::Fixed(Column::Behind) => {
                    let text = format!(
                        "{} {}{}",
                        row.compliance.symbol(),
                        row.behind.min(3),
                        if row.behind >= 3 { "+" } else { "" }
                    );
                    Span::styled(fit(&text, w), theme.compliance(row.compliance))
                }
                Col::Fixed(Column::HotFixes) => {
                    let style = if row.ready > 0 { theme.warn } else { theme.base };
                    let text = if row.ready + row.blocked == 0 {
                        "-".to_string()
                    } else {
                        format!("{} / {}", row.ready, row.blocked)
                    };
                    Span::styled(fit(&text, w), style)
                }
                Col::Fixed(Column::Tier) => match row.tier() {
                    Some(t) => Span::styled(fit(t.label(), w), theme.rating(t)),
                    None => Span::styled(fit("-", w), theme.dim),
                },
                Col::Fixed(Column::Priority) => {
                    let text = row
                        .priority
                        .map_or("-".to_string(), |p| format!("{p}{}", if row.priority_overridden { "*" } else { "" }));
                    Span::raw(fit(&text, w))
                }
                Col::Fixed(Column::Phase) => {
                    Span::raw(fit(&row.phase.map_or("-".to_string(), |p| (p + 1).to_string()), w))
                }
                Col::Fixed(Column::Soak) => match &row.soak {
                    Some(s) => Span::styled(fit(&format!("{} {}", soak_symbol(s), s.short()), w), theme.soak(s)),
                    None => Span::styled(fit("-", w), theme.dim),
                },
                Col::Fixed(Column::Checkout) => match row.last_checkout {
                    Some((r, at)) => {
                        let days = (today - at.date_naive()).num_days();
                        Span::styled(fit(&format!("{} {days}d", r.label()), w), theme.checkout(r))
                    }
                    None => Span::styled(fit("-", w), theme.dim),
                },
                Col::Fixed(Column::Levels) => Span::raw(fit("", w)),
            }
        })
        .collect::<Vec<_>>();
    Line::from(spans)
}
