//! `sprout verify`: the journal's whole chain, streamed through the store.

use std::io::Write;

use crate::progress::Stage;
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
    // Streamed: a million-event journal is checked without holding it in memory, with a bar
    // on a terminal while it takes long. Read once, for the text and the JSON alike.
    let bar = super::progress::Bar::start();
    bar.progress().begin(Stage::Verifying, store.journal_extent());
    let (mut events, mut last) = (0usize, 0u64);
    let read = store.read(None, &mut |e, _, end, _| {
        bar.progress().set(end);
        events += 1;
        last = e.seq;
    });
    bar.finish();
    if let Format::Json = format {
        let result = report(store, events, last, read, &mut Vec::new());
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
    report(store, events, last, read, out)
}

/// What the read found, in words.
fn report(
    store: &dyn Store,
    events: usize,
    last: u64,
    read: Result<store::Read, store::ReadError>,
    out: &mut dyn Write,
) -> Outcome {
    let journal = store.locate(store::JOURNAL, &[]);
    match read {
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
