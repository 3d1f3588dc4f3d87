//! `sprout export`: the fleet with its derived state (levels, behind, hot fixes, risk, phase,
//! soak) as CSV for a spreadsheet; every cell made safe and guarded against formulas.

use std::io::Write;

use crate::rules::FleetView;

use super::{Context, Failure, Outcome, load, rollout_index};

pub fn run(ctx: &Context, tabs: bool, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let loaded = load(ctx, err)?;
    let (data, state) = (&loaded.data, &loaded.state);
    let r = rollout_index(&loaded, ctx.rollout.as_deref())?;
    let view = FleetView::build(data, state, r, ctx.now);
    let products: Vec<&crate::model::Product> = data.catalog.products.iter().collect();
    let mut csv = csv::WriterBuilder::new().delimiter(if tabs { b'\t' } else { b',' }).from_writer(Vec::new());
    let mut header: Vec<String> = ["server", "role", "site", "environment", "remote"].map(String::from).to_vec();
    header.extend(products.iter().map(|p| p.name.clone()));
    header.extend(
        ["behind", "compliance", "hot fixes ready", "hot fixes blocked", "hot fixes in SP", "tier", "priority"]
            .map(String::from),
    );
    header.extend(["phase", "soak", "last checkout"].map(String::from));
    let row = |cells: Vec<String>| cells.iter().map(|c| crate::safe::csv_cell(c).into_owned()).collect::<Vec<_>>();
    csv.write_record(row(header)).map_err(|e| Failure(e.to_string()))?;
    for i in state.by_name() {
        let (s, v) = (&state.servers[i], &view.rows[i]);
        let mut cells = vec![
            s.name.to_string(),
            data.fleet.role_name(&s.role).to_string(),
            s.site.to_string(),
            s.environment.label().to_string(),
            if s.remote { "yes" } else { "no" }.to_string(),
        ];
        cells.extend(products.iter().map(|p| s.products.get(&p.id).map_or(String::new(), |&l| p.level_name(l))));
        cells.extend([
            v.behind.to_string(),
            v.compliance.label().to_string(),
            v.ready.to_string(),
            v.blocked.to_string(),
            v.superseded.to_string(),
            v.tier().map_or("", |t| t.label()).to_string(),
            v.priority
                .map_or(String::new(), |p| format!("{p}{}", if v.priority_overridden { " (override)" } else { "" })),
            v.phase.map_or(String::new(), |p| (p + 1).to_string()),
            v.soak.map_or(String::new(), |s| s.short()),
            v.last_checkout.map_or(String::new(), |(r, at)| format!("{} {}", r.label(), at.format("%Y-%m-%d"))),
        ]);
        csv.write_record(row(cells)).map_err(|e| Failure(e.to_string()))?;
    }
    let bytes = csv.into_inner().map_err(|e| Failure(e.to_string()))?;
    out.write_all(&bytes)?;
    Ok(())
}
