//! `sprout verify`: the journal's whole chain, streamed through the store.

use std::io::Write;

use crate::store::{self, Store};

use super::{Failure, Outcome};

pub fn run(store: &dyn Store, out: &mut dyn Write) -> Outcome {
    let journal = store.locate(store::JOURNAL, &[]);
    // Streamed: a million-event journal is checked without holding it in memory.
    let (mut events, mut last) = (0usize, 0u64);
    match store.read(None, &mut |e, _, _, _| {
        events += 1;
        last = e.seq;
    }) {
        Ok(read) => {
            if events == 0 && read.torn.is_none() {
                writeln!(out, "{journal}: no journal yet")?;
                return Ok(());
            }
            writeln!(out, "{journal}: chain ok: {events} events, sequence 1..{last}")?;
            match read.torn {
                Some((line, _, e)) => Err(Failure(format!(
                    "{}: the last line is incomplete ({}); the next record sets it aside in journal.ron.broken",
                    store.locate(store::JOURNAL, &[line]),
                    e.message
                ))),
                None => Ok(()),
            }
        }
        Err(store::ReadError::Broken(message)) => Err(Failure(message)),
        Err(store::ReadError::Stale) => Err(Failure(format!("{journal}: changed while it was read; run verify again"))),
    }
}
