//! `sprout server NAME`: one server in full.

use std::io::Write;

use serde::Serialize;

use crate::rules::{self, FleetView, manifest};

use super::{Context, Failure, Format, Outcome, find_server, load, rollout_index};

#[derive(Serialize)]
struct HistoryLine {
    seq: u64,
    at: chrono::DateTime<chrono::Utc>,
    by: String,
    kind: &'static str,
    event: String,
}

pub fn server(ctx: &Context, name: &str, format: Format, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let loaded = load(ctx, err)?;
    let data = &loaded.data;
    let state = &loaded.state;
    let (i, server) = find_server(state, name)?;
    let r = rollout_index(&loaded, ctx.rollout.as_deref())?;
    let view = FleetView::build(data, state, r, ctx.now);
    let row = &view.rows[i];
    let today = ctx.now.date_naive();
    let pending = rules::hotfix::pending(&data.catalog, server, today);
    let steps = manifest::manifest(&data.catalog, server);
    let positions: Vec<usize> = state.history[i].iter().map(|&p| p as usize).collect();
    let history: Vec<HistoryLine> = loaded
        .entries(&positions)
        .map_err(Failure)?
        .into_iter()
        .map(|e| HistoryLine {
            seq: e.seq,
            at: e.at,
            by: e.by.clone(),
            kind: e.event.kind(),
            event: crate::describe::event(&e.event),
        })
        .collect();
    if let Format::Json = format {
        #[derive(Serialize)]
        struct Json<'a> {
            version: u32,
            server: &'a crate::model::Server,
            row: &'a rules::ServerRow,
            pending: &'a [rules::PendingFix],
            manifest: &'a [manifest::Step],
            history: &'a [HistoryLine],
        }
        let j = Json {
            version: super::status::JSON_VERSION,
            server,
            row,
            pending: &pending,
            manifest: &steps,
            history: &history,
        };
        writeln!(out, "{}", crate::safe::json(&j)?)?;
        return Ok(());
    }
    let md = matches!(format, Format::Markdown);
    let h = |t: &str| {
        if md { format!("\n## {t}\n\n") } else { format!("\n{t}\n") }
    };
    let mut o = String::new();
    o.push_str(&format!(
        "{}{}: {}, site {}{}, {}, {} users\n",
        if md { "# " } else { "" },
        server.name,
        data.fleet.role_name(&server.role),
        server.site,
        if server.remote { " (remote)" } else { "" },
        server.environment.label(),
        server.users
    ));
    o.push_str(&h("Service-pack levels"));
    for cell in &row.levels {
        let Some(p) = data.catalog.product(&cell.product) else {
            continue;
        };
        let c = rules::Compliance::from_behind(cell.behind);
        o.push_str(&format!(
            "  {} {:<24} {} of {}: {}\n",
            c.symbol(),
            p.name,
            p.level_name(cell.installed),
            p.level_name(cell.latest),
            c.label()
        ));
        if let Some(a) = rules::advice::wait_for_release(p, cell.behind, &pending, today) {
            o.push_str(&format!("      advice: {a}\n"));
        }
    }
    o.push_str(&format!(
        "  installed hot fixes: {}\n",
        if server.hot_fixes.is_empty() { "none".into() } else { server.hot_fixes.join(", ") }
    ));
    o.push_str(&h("Pending hot fixes"));
    if pending.is_empty() {
        o.push_str("  none\n");
    }
    for f in &pending {
        o.push_str(&format!(
            "  {:<8} {:<10} {}{}: {}\n",
            f.id,
            f.status.word(),
            f.title,
            if f.publicised { " (publicised)" } else { "" },
            f.status.reason()
        ));
    }
    if let (Some(v), Some(rated)) = (&view.rollout, &row.ratings) {
        let ro = &data.plan.rollouts[v.rollout];
        o.push_str(&h(&format!("Rollout {}", ro.id)));
        let source = match rated.source {
            rules::RatingSource::Role => "the role's ratings".to_string(),
            rules::RatingSource::Server => {
                format!("a server override: {}", rated.note.as_deref().unwrap_or(""))
            }
            rules::RatingSource::Default => "no ratings for this role: medium assumed".to_string(),
        };
        o.push_str(&format!(
            "  risk: failure without SP {}, effect if install fails {} (from {source})\n  tier {}, priority {}{}\n",
            rated.without_sp.label(),
            rated.if_fails.label(),
            rated.tier().label(),
            row.priority.unwrap_or(0),
            if row.priority_overridden { " (overridden in the journal)" } else { "" }
        ));
        match row.phase {
            Some(p) => o.push_str(&format!("  phase {} ({})\n", p + 1, ro.phases[p].name)),
            None => o.push_str("  matches no phase\n"),
        }
        if let Some(s) = row.soak {
            o.push_str(&format!("  soak: {}\n", s.describe()));
        }
    }
    o.push_str(&h("Rebuild manifest"));
    for (n, s) in steps.iter().enumerate() {
        o.push_str(&format!("  {:>2}. {}\n", n + 1, s.line()));
    }
    o.push_str(&h("History"));
    if history.is_empty() {
        o.push_str("  no journal events\n");
    }
    for l in &history {
        o.push_str(&format!("  #{:<5} {} {:<8} {}\n", l.seq, l.at.format("%Y-%m-%d %H:%M"), l.by, l.event));
    }
    out.write_all(o.as_bytes())?;
    Ok(())
}
