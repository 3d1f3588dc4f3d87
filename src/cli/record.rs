//! `sprout record ...` and `sprout advance`: events through the one write path.

use std::io::Write;

use crate::live::{self, WriteOptions};
use crate::model::{Data, Event, Rollout};
use crate::rules::State;
use crate::rules::record::{self as rules_record, Refusal};
use crate::store::Operator;

use super::args::Record;
use super::{Context, Failure, Outcome};

fn rollout<'a>(data: &'a Data, wanted: Option<&str>) -> Result<&'a Rollout, Refusal> {
    match wanted {
        Some(id) => data.plan.rollouts.iter().find(|r| r.id == id),
        None => data.plan.rollouts.first(),
    }
    .ok_or_else(|| Refusal(format!("no rollout '{}' in rollout.ron", wanted.unwrap_or("(any)"))))
}

fn current_phase(data: &Data, state: &State, ro: &Rollout, given: Option<String>) -> Result<String, Refusal> {
    if let Some(p) = given {
        return Ok(p);
    }
    let r = data.plan.rollouts.iter().position(|x| x.id == ro.id).unwrap_or(0);
    state.progress[r]
        .current
        .map(|c| ro.phases[c].name.clone())
        .ok_or_else(|| Refusal(format!("rollout '{}' has no open phase; name one with --phase", ro.id)))
}

/// Record through the shared write path and print the confirmation.
pub fn write(
    ctx: &Context,
    out: &mut dyn Write,
    err: &mut dyn Write,
    make: impl FnOnce(&Data, &State, &str) -> Result<Event, Refusal>,
) -> Outcome {
    let options = WriteOptions { read_only: ctx.read_only, ..Default::default() };
    let recorded = live::record(&ctx.store(), &Operator::current(), ctx.now, options, make, |holder| {
        let _ = writeln!(err, "waiting for the lock held by {holder} ...");
    })
    .map_err(|e| Failure(e.to_string()))?;
    for w in &recorded.warnings {
        writeln!(err, "{w}")?;
    }
    let e = &recorded.entry;
    writeln!(out, "recorded #{} {} by {}: {}", e.seq, e.at.format("%Y-%m-%d %H:%M"), e.by, e.event.summary())?;
    Ok(())
}

pub fn record(ctx: &Context, r: Record, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let wanted = ctx.rollout.clone();
    let wanted = wanted.as_deref();
    write(ctx, out, err, move |data, state, _operator| {
        Ok(match r {
            Record::Install { server, product, level, verified } => {
                let (product, level) = match (product, level) {
                    (Some(p), Some(l)) => (p, l),
                    (p, l) => {
                        let ro = rollout(data, wanted)?;
                        (p.unwrap_or_else(|| ro.product.clone()), l.unwrap_or(ro.target))
                    }
                };
                Event::Install { server, product, level, verified }
            }
            Record::Verify { server, winver, product, level } => {
                let ro = rollout(data, wanted).ok();
                let product = product.or_else(|| ro.map(|r| r.product.clone())).unwrap_or_default();
                let level = level.or_else(|| ro.map(|r| r.target)).unwrap_or_default();
                Event::Verify { server, product, level, winver }
            }
            Record::Backup { server, note } => Event::Backup { server, note: note.note },
            Record::Checkout { server, result, note } => {
                let ro = rollout(data, wanted)?;
                rules_record::checkout(data, state, &ro.id, &server, result.into(), &note.note)?
            }
            Record::Signoff { group, phase, note } => {
                let ro = rollout(data, wanted)?;
                let phase = current_phase(data, state, ro, phase)?;
                Event::SignOff { rollout: ro.id.clone(), phase, group, note: note.note }
            }
            Record::Extend { days, reason, phase } => {
                let ro = rollout(data, wanted)?;
                let phase = current_phase(data, state, ro, phase)?;
                Event::SoakExtended { rollout: ro.id.clone(), phase, days, reason }
            }
            Record::Exclude { server, reason } => {
                Event::Excluded { rollout: rollout(data, wanted)?.id.clone(), server, reason }
            }
            Record::Backout { server, reason, product } => {
                let product = match product {
                    Some(p) => p,
                    None => rollout(data, wanted)?.product.clone(),
                };
                rules_record::backout(data, state, &server, &product, &reason)?
            }
            Record::Hotfix { server, hot_fix } => Event::HotFixApplied { server, hot_fix },
            Record::Priority { server, priority, reason } => {
                Event::RiskOverride { rollout: rollout(data, wanted)?.id.clone(), server, priority, reason }
            }
        })
    })
}

pub fn advance(
    ctx: &Context,
    phase: Option<String>,
    override_reason: Option<String>,
    approver: Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let wanted = ctx.rollout.clone();
    let now = ctx.now;
    write(ctx, out, err, move |data, state, operator| {
        let id = rollout(data, wanted.as_deref())?.id.clone();
        rules_record::advance(data, state, operator, &id, phase.as_deref(), override_reason, approver, now)
    })
}
