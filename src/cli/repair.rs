//! `sprout repair`: set a torn last journal line aside on purpose, under the lock, without
//! recording anything (an accepted record does the same on its way).

use std::io::Write;

use crate::live;
use crate::store::Operator;

use super::{Context, Failure, Outcome};

pub fn run(ctx: &Context, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    if ctx.read_only {
        return Err(Failure("read-only: repair moves a torn line aside; run it without --read-only".into()));
    }
    let store = ctx.store();
    let operator = Operator::current();
    let mut locked = store.lock(&operator.name, live::WriteOptions::default().lock_timeout, &mut |holder| {
        let _ = writeln!(err, "waiting for the lock held by {holder} ...");
    })?;
    // Read under the lock: a writer may have repaired it, or appended, since anyone looked.
    let loaded = live::load(&store)?;
    match &loaded.torn {
        None => writeln!(out, "{}: every line is whole; nothing to repair", store.locate(crate::store::JOURNAL, &[]))?,
        Some(torn) => writeln!(out, "{}", crate::safe::visible(&locked.set_aside(torn)?))?,
    }
    Ok(())
}
