//! `sprout import`: bring the fleet in from a CSV or TSV inventory export, through the write
//! path (fleet.ron replaced durably under the lock, the change recorded in the journal).

use std::io::Write;
use std::path::Path;

use crate::import::{self, BadCell, Imported, Mapping};
use crate::live::{self, Loaded, WriteOptions};
use crate::model::Event;
use crate::progress::{Progress, Stage};
use crate::rules::Refusal;
use crate::store::Operator;

use super::{Context, Failure, Outcome};

/// What `sprout import` was asked.
pub struct Request<'a> {
    pub file: &'a Path,
    pub mapping: Option<&'a Path>,
    pub dry_run: bool,
    pub skip_bad: bool,
    pub force: bool,
    pub note: String,
}

fn located(file: &Path, bad: &[BadCell]) -> String {
    bad.iter()
        .map(|b| match b.column {
            0 => format!("{}:{}: {}", file.display(), b.row, b.message),
            c => format!("{}:{}:{}: {}", file.display(), b.row, c, b.message),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Servers changed by the import that are members of an open phase: changing them in the
/// baseline could pass a gate without a record (a level raised to the target).
fn in_open_phases(loaded: &Loaded, imported: &Imported) -> Vec<String> {
    let (data, state) = (&loaded.data, &loaded.state);
    let mut out = Vec::new();
    for name in &imported.changed {
        let Some(i) = state.server_index(name) else { continue };
        for (r, ro) in data.plan.rollouts.iter().enumerate() {
            let Some(c) = state.progress[r].current else { continue };
            let phase = crate::rules::view::placement(ro, &state.progress[r].members[i], &state.servers[i]).2;
            if phase == Some(c) {
                out.push(format!("{name} (open phase {} of {})", c + 1, ro.id));
            }
        }
    }
    out
}

pub fn run(ctx: &Context, req: Request, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let shown = req.file.display().to_string();
    let text = crate::store::dir::files::read(req.file)?.ok_or_else(|| Failure(format!("{shown}: not found")))?;
    let tabs = req.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mapping: Mapping = match req.mapping {
        None => Mapping::default(),
        Some(m) => {
            let name = m.display().to_string();
            let t = crate::store::dir::files::read(m)?.ok_or_else(|| Failure(format!("{name}: not found")))?;
            crate::store::parse::ron(&name, &t, 1)
                .map_err(|e| Failure(format!("{}:{}:{}: {}", name, e.line, e.col, e.message)))?
        }
    };
    let started = std::time::Instant::now();
    let build = |loaded: &Loaded, progress: &Progress| -> Result<Imported, Refusal> {
        // The baseline as the file says it (a state read from the cache carries no copy of it).
        progress.begin(Stage::ReadingFleet, 0);
        let baseline = loaded.store.fleet().map_err(|e| Refusal(e.join("\n")))?;
        let imported = import::import(&text, tabs, &loaded.data.catalog, &baseline, &mapping, req.skip_bad, progress)
            .map_err(|bad| Refusal(format!("nothing was imported:\n{}", located(req.file, &bad))))?;
        let open = in_open_phases(loaded, &imported);
        if !open.is_empty() && !req.force {
            return Err(Refusal(format!(
                "the import changes {} server(s) in an open phase, which could pass a gate without a record: {}; record installs instead, or pass --force to change the baseline anyway",
                open.len(),
                open.join(", ")
            )));
        }
        Ok(imported)
    };
    // First without the lock: a dry run, or an import that changes nothing, ends here. A large
    // fleet's first load or a long inventory takes a while: on a terminal, a bar shows it.
    let bar = super::progress::Bar::start();
    let loaded = live::load_with_progress(&ctx.store(), bar.progress())?;
    let preview = build(&loaded, bar.progress())?;
    if req.dry_run || preview.changes.is_empty() {
        bar.finish();
        report(&preview, req.file, out)?;
        let what = if req.dry_run {
            "dry run: nothing written"
        } else {
            "nothing to change: fleet.ron already says all of it"
        };
        writeln!(out, "{what}")?;
        return Ok(());
    }
    drop(loaded);
    bar.progress().begin(Stage::Recording, 0);
    let mut summary = None;
    let options = WriteOptions { read_only: ctx.read_only, ..Default::default() };
    let recorded = live::record_baseline(
        &ctx.store(),
        &Operator::current(),
        ctx.now,
        options,
        |loaded| {
            // Read again under the lock, quickly (the cache is fresh): the bar says "recording".
            let imported = build(loaded, &Progress::new())?;
            if imported.changes.is_empty() {
                return Err(Refusal("the import changes nothing: fleet.ron already says all of it".into()));
            }
            let fleet =
                import::fleet_ron(&imported.fleet).map_err(|e| Refusal(format!("cannot write fleet.ron: {e}")))?;
            let event = Event::BaselineChanged {
                file: crate::store::FLEET.into(),
                hash: blake3::hash(fleet.as_bytes()).to_hex().to_string(),
                changes: imported.changes.clone(),
                note: req.note.clone(),
            };
            summary = Some(imported);
            Ok((fleet, event))
        },
        |holder| {
            bar.suspend(|| {
                let _ = writeln!(err, "waiting for the lock held by {holder} ...");
            });
        },
    )
    .map_err(|e| Failure(e.to_string()))?;
    bar.finish();
    if let Some(imported) = &summary {
        report(imported, req.file, out)?;
    }
    for w in &recorded.warnings {
        writeln!(err, "{w}")?;
    }
    let e = &recorded.entry;
    writeln!(
        out,
        "recorded #{} by {}: {} ({} ms)",
        e.seq,
        e.by,
        crate::describe::event(&e.event),
        started.elapsed().as_millis()
    )?;
    Ok(())
}

fn report(imported: &Imported, file: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    for c in &imported.changes {
        writeln!(out, "  {}", crate::safe::visible(c))?;
    }
    if !imported.bad.is_empty() {
        writeln!(out, "left out ({} bad cell(s), --skip-bad):\n{}", imported.bad.len(), located(file, &imported.bad))?;
    }
    writeln!(out, "{} server(s) added, {} changed", imported.added, imported.changes.len() - imported.added)
}
