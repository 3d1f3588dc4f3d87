//! `sprout accept-journal`: after a deliberate restore, accept the journal as it is now, saying
//! what it lost against what this user had seen.

use std::io::Write;

use crate::store::dir::{files, witness};
use crate::store::journal::{self, Start};

use super::{Context, Failure, Outcome};

pub fn run(ctx: &Context, out: &mut dyn Write) -> Outcome {
    if ctx.dir.to_str().is_some_and(crate::store::pg::is_url) {
        return Err(Failure(
            "accept-journal is for a data directory's witness; a database's journal is append-only in the database itself".into(),
        ));
    }
    let path = ctx.dir.join(crate::store::JOURNAL);
    let len = std::fs::metadata(&path).map_err(|e| Failure(format!("{}: {e}", path.display())))?.len();
    let reader = files::open_at(&path, 0, len).map_err(Failure)?;
    let mut first = None;
    let (end, _) = journal::scan(reader, Start::default(), |e, _, _, _| {
        first.get_or_insert(e.sum);
    })
    .map_err(|e| Failure(format!("{}:{}:{}: {}", path.display(), e.line, e.col, e.message)))?;
    let first = first.unwrap_or_default();
    match witness::read(&ctx.dir) {
        Some(seen) => match witness::compare(&seen, &first, end.seq, None) {
            Some(problem) => writeln!(out, "{}: {problem}", path.display())?,
            None if seen.seq == end.seq => {
                writeln!(out, "{}: as you had seen it (#{}); nothing lost", path.display(), end.seq)?
            }
            None => writeln!(
                out,
                "{}: #{} and {} more since you last looked; nothing lost",
                path.display(),
                seen.seq,
                end.seq - seen.seq
            )?,
        },
        None => writeln!(out, "{}: you had not seen this journal before", path.display())?,
    }
    witness::write(&ctx.dir, &witness::Witness { first, seq: end.seq, sum: end.sum });
    writeln!(out, "accepted: {} events, sequence 1..{}", end.seq, end.seq)?;
    Ok(())
}
