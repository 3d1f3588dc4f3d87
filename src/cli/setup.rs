//! `sprout init` and `sprout gen`: a data directory to start from, the sample or a synthetic fleet.

use std::io::Write;
use std::path::Path;

use crate::store;

use super::{Context, Failure, Outcome};

/// Write the sample to `dir`.
pub fn init(ctx: &Context, dir: &Path, out: &mut dyn Write) -> Outcome {
    store::sample::seed(dir, ctx.now)?;
    writeln!(out, "wrote the sample fleet to {}; try: sprout --data {} status", dir.display(), dir.display())?;
    Ok(())
}

/// Write a synthetic fleet of `servers` with `events` journal events to `dir`.
pub fn generate(ctx: &Context, servers: usize, events: usize, dir: &Path, out: &mut dyn Write) -> Outcome {
    // A million events take seconds: on a terminal, a bar says how far it has got.
    let bar = super::progress::Bar::start();
    let files = crate::synthetic::generate_with_progress(servers, events, ctx.now, bar.progress()).map_err(Failure)?;
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        if dir.join(name).exists() {
            return Err(Failure(format!("{}: already exists; refusing to overwrite it", dir.join(name).display())));
        }
        store::dir::atomic::write(&dir.join(name), text.as_bytes())?;
    }
    bar.finish();
    writeln!(out, "wrote {servers} servers and {events} journal events to {}", dir.display())?;
    Ok(())
}
