//! `sprout record ...` and `sprout advance`: intents through the one write path.

use std::io::Write;

use crate::live::{self, WriteOptions};
use crate::rules::Intent;
use crate::store::Operator;

use super::args::Record;
use super::{Context, Failure, Outcome};

/// Record through the shared write path and print the confirmation.
pub fn write(ctx: &Context, intent: Intent, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let options = WriteOptions { read_only: ctx.read_only, ..Default::default() };
    let (rollout, now) = (ctx.rollout.clone(), ctx.now);
    let make = move |data: &_, state: &_, _: &str| intent.clone().event(data, state, rollout.as_deref(), now);
    if ctx.read_only {
        return Err(Failure(live::WriteError::ReadOnly.to_string()));
    }
    // Only the chunks of the fleet the rules look at are read from the cache.
    let loaded = live::load_on_demand(&ctx.store()).map_err(|e| Failure(live::WriteError::from(e).to_string()))?;
    let (loaded, recorded) = live::record_on_demand(loaded, &Operator::current(), ctx.now, options, make, |holder| {
        let _ = writeln!(err, "waiting for the lock held by {holder} ...");
    });
    // The process ends once this is printed: returning a large fleet's state to the allocator
    // piece by piece would cost more than the write (about a fifth of the command at 100k
    // servers); the operating system takes it back at exit at once.
    std::mem::forget(loaded);
    print(&recorded.map_err(|e| Failure(e.to_string()))?, out, err)
}

/// What a record printed: its warnings on stderr, then the line and its effect.
pub(super) fn print(recorded: &live::Recorded, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    for w in &recorded.warnings {
        writeln!(err, "{w}")?;
    }
    let e = &recorded.entry;
    writeln!(
        out,
        "recorded #{} {} by {}: {}",
        e.seq,
        e.at.format("%Y-%m-%d %H:%M"),
        e.by,
        crate::describe::event(&e.event)
    )?;
    if let Some(effect) = &recorded.effect {
        writeln!(out, "{}", crate::safe::visible(effect))?;
    }
    Ok(())
}

/// What a `record` subcommand means.
pub fn intent(r: Record) -> Intent {
    match r {
        Record::Install { server, product, level, verified } => Intent::Install { server, product, level, verified },
        Record::Verify { server, winver, product, level } => Intent::Verify { server, product, level, winver },
        Record::Backup { server, note } => Intent::Backup { server, note: note.note },
        Record::Checkout { server, result, note } => {
            Intent::Checkout { server, phase: None, result: result.into(), note: note.note }
        }
        Record::Signoff { group, phase, note } => Intent::SignOff { group, phase, note: note.note },
        Record::Extend { days, reason, phase } => Intent::Extend { phase, days, reason },
        Record::Exclude { server, reason } => Intent::Exclude { server, reason },
        Record::Backout { server, reason, product } => Intent::BackOut { server, product, reason },
        Record::Hotfix { server, hot_fix } => Intent::HotFix { server, hot_fix },
        Record::Priority { server, priority, reason, approver } => {
            Intent::Priority { server, priority, reason, approver }
        }
    }
}
