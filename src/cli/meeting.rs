//! `sprout meeting start|end|join|leave`: the review meeting through the one write path, with
//! whoever is present read from presence at that moment.

use std::io::Write;

use crate::live::{self, WriteOptions, meeting};
use crate::model::Attendee;
use crate::store::Operator;

use super::args::Meeting;
use super::{Context, Failure, Outcome};

pub fn run(ctx: &Context, command: Meeting, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let options = WriteOptions { read_only: ctx.read_only, ..Default::default() };
    if options.read_only {
        return Err(Failure(live::WriteError::ReadOnly.to_string()));
    }
    let mut loaded = super::load(ctx, err)?;
    let me = Operator::current();
    let mut waiting = |holder: &str| {
        let _ = writeln!(err, "waiting for the lock held by {holder} ...");
    };
    let (l, now) = (&mut loaded, ctx.now);
    let recorded = match command {
        Meeting::Start { title } => meeting::start(l, &me, now, options, ctx.rollout.as_deref(), title, &mut waiting),
        Meeting::End => meeting::end(l, &me, now, options, &mut waiting),
        Meeting::Join { operator } => {
            // Someone named joins from where they are; you join from where you are.
            let attendee = match operator {
                Some(name) if name != me.name => Attendee { operator: name, from: None },
                _ => Attendee { operator: me.name.clone(), from: me.from.clone() },
            };
            meeting::join(l, &me, now, options, attendee, &mut waiting)
        }
        Meeting::Leave { operator } => {
            let who = operator.unwrap_or_else(|| me.name.clone());
            meeting::leave(l, &me, now, options, &who, &mut waiting)
        }
    }
    .map_err(|e| Failure(e.to_string()))?;
    super::record::print(&recorded, out, err)
}
