//! The fleet view: servers grouped by role, built for the visible window only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Column, Line as FleetLine};
use crate::rules::{Compliance, ServerRow};

use super::fit;
use super::theme::{Theme, soak_symbol};

#[derive(Clone, Copy)]
enum Col {
    Fixed(Column),
    Product(usize),
}

struct Spec {
    col: Col,
    title: String,
    width: usize,
    /// Lower is dropped first when the terminal is narrow.
    keep: u8,
}

fn specs(app: &App, width: usize) -> Vec<Spec> {
    let name_width = app.fleet.name_width.clamp(8, 24);
    let mut all =
        vec![Spec { col: Col::Fixed(Column::Server), title: "server".into(), width: name_width + 3, keep: 255 }];
    let fixed = |c: Column, w: usize, keep: u8| Spec { col: Col::Fixed(c), title: c.title().into(), width: w, keep };
    all.push(fixed(Column::Site, 5, 10));
    for (i, p) in app.live.data.catalog.products.iter().enumerate() {
        all.push(Spec { col: Col::Product(i), title: p.id.clone(), width: 8, keep: 80 });
    }
    all.extend([
        fixed(Column::Behind, 7, 200),
        Spec { col: Col::Fixed(Column::HotFixes), title: "hotfix r/b".into(), width: 11, keep: 60 },
        fixed(Column::Tier, 7, 30),
        Spec { col: Col::Fixed(Column::Priority), title: "pri".into(), width: 4, keep: 70 },
        Spec { col: Col::Fixed(Column::Phase), title: "ph".into(), width: 3, keep: 50 },
        fixed(Column::Soak, 15, 150),
        fixed(Column::Checkout, 13, 40),
    ]);
    // Keep the most important columns that fit, in their original order.
    let mut by_importance: Vec<usize> = (0..all.len()).collect();
    by_importance.sort_by_key(|&i| std::cmp::Reverse(all[i].keep));
    let mut used = 0;
    let mut kept = vec![false; all.len()];
    for i in by_importance {
        if used + all[i].width <= width || all[i].keep == 255 {
            used += all[i].width;
            kept[i] = true;
        }
    }
    all.into_iter().zip(kept).filter(|(_, k)| *k).map(|(s, _)| s).collect()
}

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let t = &app.fleet;
    let shown = if t.filter.is_empty() {
        format!("{} servers", app.view.rows.len())
    } else {
        format!("{} of {} servers", t.matched, app.view.rows.len())
    };
    let title = format!(" Fleet: {shown} by role · sort {}{} ", t.sort.title(), if t.descending { " ↓" } else { " ↑" });
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let specs = specs(app, width);
    let height = usize::from(inner.height).saturating_sub(1);
    let mut lines = Vec::with_capacity(height + 1);
    lines.push(Line::from(
        specs
            .iter()
            .map(|s| {
                let sorted = matches!(s.col, Col::Fixed(c) if c == t.sort);
                Span::styled(fit(&s.title, s.width), if sorted { theme.key } else { theme.dim })
            })
            .collect::<Vec<_>>(),
    ));
    if t.lines.is_empty() {
        lines.push(Line::styled("  no server matches the filter (esc clears it)", theme.dim));
    }
    let today = app.now.date_naive();
    for (n, line) in t.lines.iter().enumerate().skip(t.offset).take(height) {
        let selected = n == t.cursor;
        let mut row = match line {
            FleetLine::Group { role, count, worst, folded } => Line::from(vec![
                Span::styled(
                    format!(
                        "{} {} ({count})",
                        if *folded { "▸" } else { "▾" },
                        app.live.data.fleet.roles.get(*role).map_or("?", |r| r.name.as_str())
                    ),
                    theme.group,
                ),
                Span::styled(format!("  worst: {} {}", worst.symbol(), worst.label()), theme.compliance(*worst)),
            ]),
            FleetLine::Server(i) => server_line(app, theme, &specs, &app.view.rows[*i], today),
        };
        if selected {
            row = row.patch_style(theme.selected);
            if let (FleetLine::Server(_), Some(first)) = (line, row.spans.first_mut()) {
                first.content = format!("▶{}", first.content.chars().skip(1).collect::<String>()).into();
            }
        }
        lines.push(row);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn server_line<'a>(app: &App, theme: &Theme, specs: &[Spec], row: &ServerRow, today: chrono::NaiveDate) -> Line<'a> {
    let server = &app.live.state.servers[row.index];
    let spans = specs
        .iter()
        .map(|s| {
            let w = s.width;
            match s.col {
                // ● marks a server another operator just changed.
                Col::Fixed(Column::Server) if app.changed.contains(&row.index) => {
                    Span::styled(fit(&format!("● {}", server.name), w), theme.new)
                }
                Col::Fixed(Column::Server) => Span::raw(fit(&format!("  {}", server.name), w)),
                Col::Fixed(Column::Site) => {
                    Span::raw(fit(&format!("{}{}", server.site, if server.remote { "*" } else { "" }), w))
                }
                Col::Product(p) => {
                    let product = &app.live.data.catalog.products[p];
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
