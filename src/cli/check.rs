//! `sprout check`: every problem in the data, each located.

use std::io::Write;

use crate::live;

use super::{Context, Failure, Outcome};

pub fn run(ctx: &Context, out: &mut dyn Write) -> Outcome {
    match live::check(&ctx.store(), ctx.now) {
        Ok(loaded) => {
            let d = &loaded.data;
            writeln!(
                out,
                "{}: ok: {} products, {} servers, {} rollouts, {} journal events",
                loaded.place(),
                d.catalog.products.len(),
                d.fleet.servers.len(),
                d.plan.rollouts.len(),
                d.journal.len()
            )?;
            for w in loaded.warnings() {
                writeln!(out, "{w}")?;
            }
            Ok(())
        }
        Err(problems) => {
            let n = problems.len();
            Err(Failure(format!("{}\n{n} problem{} found", problems.join("\n"), if n == 1 { "" } else { "s" })))
        }
    }
}
