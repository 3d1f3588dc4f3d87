//! Checkpoints: `sprout verify --sign` has an approver sign the journal's head as an event and
//! hands them its line to keep outside the data directory; `sprout verify --checkpoint FILE`
//! checks the journal against such a copy, trusting only the trust root for its signature.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::live::{self, WriteOptions};
use crate::model::trust::Trust;
use crate::model::{Entry, Event, Team};
use crate::rules::signature::{Verdict, verify};
use crate::store::{self, Operator, Store};

use super::{Context, Failure};

/// A checkpoint read from a file kept outside: its line, decoded and sum-checked.
pub struct Kept {
    pub file: PathBuf,
    pub entry: Entry,
}

impl Kept {
    /// The sequence and sum of the checkpoint's own line, which the journal must hold.
    pub fn seq(&self) -> u64 {
        self.entry.seq
    }
}

/// Read the checkpoint in `file`: `#` comment lines, then the checkpoint's journal line.
pub fn read(file: &Path) -> Result<Kept, Failure> {
    let shown = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| Failure(format!("{shown}: {e}")))?;
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .ok_or_else(|| Failure(format!("{shown}: no checkpoint line in it")))?;
    let entry = store::journal::decode(line.trim(), n + 1)
        .map_err(|e| Failure(format!("{shown}:{}: not a checkpoint line: {}", n + 1, e.message)))?;
    if !matches!(entry.event, Event::Checkpoint { .. }) {
        return Err(Failure(format!("{shown}:{}: a {} event, not a checkpoint", n + 1, entry.event.kind())));
    }
    Ok(Kept { file: file.to_path_buf(), entry })
}

/// Check a kept checkpoint against the trust root alone (the journal's own key changes could be
/// part of a rewrite) and against the sums the journal holds at its sequence, collected while
/// the journal was read (`seen`: sequence to `(line, sum)`); `last` is the journal's last event.
pub fn check(
    kept: &Kept,
    root: &Trust,
    team: Option<&Team>,
    seen: &HashMap<u64, (usize, String)>,
    last: u64,
    store: &dyn Store,
) -> Result<String, Failure> {
    let shown = kept.file.display();
    let e = &kept.entry;
    match verify(e, root) {
        Verdict::Verified => {}
        Verdict::Unsigned => return Err(Failure(format!("{shown}: the checkpoint is unsigned; it proves nothing"))),
        Verdict::Unverified(why) | Verdict::UnknownKey(why) | Verdict::Revoked(why) => {
            return Err(Failure(format!(
                "{shown}: the checkpoint's signature does not verify against your trust root: {why}"
            )));
        }
    }
    if !root.may_approve(team, &e.by) {
        return Err(Failure(format!(
            "{shown}: signed by {}, who is not an approver ({})",
            e.by,
            root.approvers_named(team)
        )));
    }
    match seen.get(&e.seq) {
        None => Err(Failure(format!(
            "{shown}: the journal ends at event {last}, before the checkpoint at event {} signed by {} on {}: \
             it was truncated, or replaced by another journal",
            e.seq,
            e.by,
            e.at.format("%Y-%m-%d %H:%M")
        ))),
        Some((line, sum)) if *sum != e.sum => Err(Failure(format!(
            "{}: event {} is not the checkpoint {shown} holds (sum {} there, {} kept): the history up to it was rewritten",
            store.locate(store::JOURNAL, &[*line]),
            e.seq,
            sum,
            e.sum
        ))),
        Some(_) => Ok(format!(
            "{shown}: checkpoint at event {} by {} matches: nothing up to it was rewritten or removed",
            e.seq, e.by
        )),
    }
}

/// Sign the head of the journal as a checkpoint (through the one write path, so only an
/// approver with a trusted key in their agent can), and return the text to keep outside.
pub fn sign(ctx: &Context, err: &mut dyn Write) -> Result<String, Failure> {
    if ctx.read_only {
        return Err(Failure(live::WriteError::ReadOnly.to_string()));
    }
    let mut loaded = super::load(ctx, err)?;
    let options = WriteOptions { read_only: ctx.read_only, ..Default::default() };
    let recorded = live::record_in(
        &mut loaded,
        &Operator::current(),
        ctx.now,
        options,
        |data, _, _| Ok(Event::Checkpoint { seq: data.journal.seq, sum: data.journal.sum.clone() }),
        |holder| {
            let _ = writeln!(err, "waiting for the lock held by {holder} ...");
        },
    )
    .map_err(|e| Failure(format!("no checkpoint signed: {e}")))?;
    let e = &recorded.entry;
    let (_, line) =
        store::journal::seal(e.clone()).map_err(|x| Failure(format!("cannot encode the checkpoint: {x}")))?;
    let Event::Checkpoint { seq, .. } = &e.event else { return Err(Failure("not a checkpoint".into())) };
    Ok(format!(
        "# sprout checkpoint of {}: events 1..{seq}, signed by {} at {} as event {}.\n\
         # Keep this file outside the data directory; check with: sprout verify --checkpoint FILE\n{line}\n",
        ctx.store().place(),
        e.by,
        e.at.to_rfc3339(),
        e.seq
    ))
}
