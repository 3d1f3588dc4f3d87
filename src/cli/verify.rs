//! `sprout verify`: the journal's whole chain, streamed through the store, and every event's
//! signature checked against the keys this user trusts (kept outside the data directory).

use std::io::Write;

use crate::model::Entry;
use crate::model::trust::Trust;
use crate::progress::Stage;
use crate::rules::signature::Tally;
use crate::store::{self, Store};

use super::{Failure, Format, Outcome};

/// `verify --format json`: the chain's length, the signatures, and the first problem, if any.
#[derive(serde::Serialize)]
struct Json {
    version: u32,
    journal: String,
    ok: bool,
    events: usize,
    last_seq: u64,
    problem: Option<String>,
    signatures: Tally,
}

/// Signed events are verified this many at a time, on both cores.
const BATCH: usize = 16 * 1024;

pub fn run(store: &dyn Store, format: Format, out: &mut dyn Write) -> Outcome {
    let trust = store::trust::load(&store.place()).map_err(Failure)?;
    // Streamed: a million-event journal is checked without holding it in memory, with a bar
    // on a terminal while it takes long. Read once, for the text and the JSON alike.
    let bar = super::progress::Bar::start();
    bar.progress().begin(Stage::Verifying, store.journal_extent());
    let (mut events, mut last) = (0usize, 0u64);
    let mut tally = Tally { required: trust.required, ..Tally::default() };
    let mut batch: Vec<(usize, Entry)> = Vec::new();
    let read = store.read(None, &mut |e, _, end, line| {
        bar.progress().set(end);
        events += 1;
        last = e.seq;
        batch.push((line, e));
        if batch.len() >= BATCH {
            tally.add(&batch, &trust);
            batch.clear();
        }
    });
    tally.add(&batch, &trust);
    bar.finish();
    if let Format::Json = format {
        let result = report(store, events, last, read, &tally, &trust, &mut Vec::new());
        let j = Json {
            version: super::status::JSON_VERSION,
            journal: store.locate(store::JOURNAL, &[]),
            ok: result.is_ok(),
            events,
            last_seq: last,
            problem: result.as_ref().err().map(|f| f.0.clone()),
            signatures: tally,
        };
        writeln!(out, "{}", crate::safe::json(&j)?)?;
        return j.ok.then_some(()).ok_or_else(|| Failure(j.problem.unwrap_or_default()));
    }
    report(store, events, last, read, &tally, &trust, out)
}

/// What the read found, in words.
fn report(
    store: &dyn Store,
    events: usize,
    last: u64,
    read: Result<store::Read, store::ReadError>,
    tally: &Tally,
    trust: &Trust,
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
            signatures(store, tally, trust, out)?;
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

/// The signatures' line and each problem at its line; a failure if there is any. Said only
/// when something is signed or signatures are required, so unsigned journals read as before.
fn signatures(store: &dyn Store, tally: &Tally, trust: &Trust, out: &mut dyn Write) -> Outcome {
    if tally.verified + tally.unverified == 0 && !tally.required {
        return Ok(());
    }
    let journal = store.locate(store::JOURNAL, &[]);
    let required = if tally.required { " (this directory requires every event signed)" } else { "" };
    writeln!(
        out,
        "{journal}: signatures: {} verified, {} unverified, {} unsigned{required}",
        tally.verified, tally.unverified, tally.unsigned
    )?;
    for p in &tally.problems {
        let at = store.locate(store::JOURNAL, &[p.line]);
        writeln!(out, "{at}: event {} by {}: {}", p.seq, p.by, p.problem)?;
    }
    let total = tally.problems_total();
    if total > tally.problems.len() {
        writeln!(out, "... and {} more", total - tally.problems.len())?;
    }
    match tally.problems.first() {
        None => Ok(()),
        Some(first) => {
            let keys =
                if trust.files.is_empty() { "no allowed_signers file".to_string() } else { trust.files.join(", ") };
            Err(Failure(format!(
                "{}: {total} event(s) not proven by their operator's key (first: event {}: {}); trusted keys: {keys}",
                store.locate(store::JOURNAL, &[first.line]),
                first.seq,
                first.problem
            )))
        }
    }
}
