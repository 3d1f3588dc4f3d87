//! `sprout verify`: the journal's whole chain, streamed through the store.

use std::io::Write;

use crate::store::{self, Store};

use super::{Failure, Format, Outcome};

/// `verify --format json`: the chain's length and the first problem, if any.
#[derive(serde::Serialize)]
struct Json {
    version: u32,
    journal: String,
    ok: bool,
    events: usize,
    last_seq: u64,
    problem: Option<String>,
}

pub fn run(store: &dyn Store, format: Format, out: &mut dyn Write) -> Outcome {
    if let Format::Json = format {
        let mut text = Vec::new();
        let result = run(store, Format::Text, &mut text);
        let (mut events, mut last) = (0usize, 0u64);
        let _ = store.read(None, &mut |e, _, _, _| {
            events += 1;
            last = e.seq;
        });
        let j = Json {
            version: super::status::JSON_VERSION,
            journal: store.locate(store::JOURNAL, &[]),
            ok: result.is_ok(),
            events,
            last_seq: last,
            problem: result.as_ref().err().map(|f| f.0.clone()),
        };
        writeln!(out, "{}", crate::safe::json(&j)?)?;
        return result;
    }
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
