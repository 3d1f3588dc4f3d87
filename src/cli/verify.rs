//! `sprout verify`: the journal's whole chain, streamed through the store, and every event's
//! signature checked against the keys this user trusts (kept outside the data directory).

use std::collections::HashMap;
use std::io::Write;

use crate::model::Entry;
use crate::model::trust::Trust;
use crate::progress::Stage;
use crate::rules::keys::Ledger;
use crate::rules::signature::Tally;
use crate::store::{self, Store};

use super::{Context, Failure, Format, Outcome, checkpoint};

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
    /// Each kept checkpoint checked (`--checkpoint FILE`).
    checkpoints: Vec<Checked>,
    /// The text of the checkpoint signed (`--sign`), to keep outside the data directory.
    signed: Option<String>,
}

#[derive(serde::Serialize)]
struct Checked {
    file: String,
    seq: u64,
    ok: bool,
    message: String,
}

/// What `sprout verify` is asked beyond the chain and the signatures.
#[derive(Debug, Default)]
pub struct Asked {
    /// Sign the head as a checkpoint when all is well.
    pub sign: bool,
    /// Write the signed checkpoint's text here instead of printing it.
    pub out: Option<std::path::PathBuf>,
    /// Checkpoints kept outside, to check the journal against.
    pub checkpoints: Vec<std::path::PathBuf>,
}

/// Signed events are verified this many at a time, on both cores.
const BATCH: usize = 16 * 1024;

pub fn run(ctx: &Context, format: Format, asked: &Asked, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let store = ctx.store();
    let store = store.as_ref();
    let kept: Vec<checkpoint::Kept> =
        asked.checkpoints.iter().map(|f| checkpoint::read(f)).collect::<Result<_, _>>()?;
    let mut seen: HashMap<u64, (usize, String)> = kept.iter().map(|k| (k.seq(), (0, String::new()))).collect();
    let trust = store::trust::load(&store.place()).map_err(Failure)?;
    // Streamed: a million-event journal is checked without holding it in memory, with a bar
    // on a terminal while it takes long. Read once, for the text and the JSON alike.
    let bar = super::progress::Bar::start();
    bar.progress().begin(Stage::Verifying, store.journal_extent());
    let (mut events, mut last) = (0usize, 0u64);
    let mut tally = Tally { required: trust.required, required_from: trust.required_from, ..Tally::default() };
    // Key changes are replayed in order on top of the trust root; approvers are named by the
    // trust root's approvers file, else by team.ron.
    let team = store.plans().ok().and_then(|p| p.team);
    let mut ledger = Ledger::new(trust.clone(), team.clone());
    let mut batch: Vec<(usize, Entry)> = Vec::new();
    let read = store.read(None, &mut |e, _, end, line| {
        bar.progress().set(end);
        events += 1;
        last = e.seq;
        if let Some(at) = seen.get_mut(&e.seq) {
            *at = (line, e.sum.clone());
        }
        batch.push((line, e));
        if batch.len() >= BATCH {
            tally.add(&batch, &mut ledger);
            batch.clear();
        }
    });
    tally.add(&batch, &mut ledger);
    bar.finish();
    seen.retain(|_, (_, sum)| !sum.is_empty());
    let checked: Vec<Checked> = kept
        .iter()
        .map(|k| {
            let result = checkpoint::check(k, &trust, team.as_ref(), &seen, last, store);
            let ok = result.is_ok();
            let message = result.unwrap_or_else(|f| f.0);
            Checked { file: k.file.display().to_string(), seq: k.seq(), ok, message }
        })
        .collect();
    let failed = checked.iter().find(|c| !c.ok).map(|c| Failure(c.message.clone()));
    if let Format::Json = format {
        let mut result = report(store, events, last, read, &tally, &trust, &mut Vec::new());
        if let (Ok(()), Some(f)) = (&result, &failed) {
            result = Err(Failure(f.0.clone()));
        }
        let signed = match (&result, asked.sign) {
            (Ok(()), true) => Some(signed(ctx, asked, None, err)?),
            _ => None,
        };
        let j = Json {
            version: super::status::JSON_VERSION,
            journal: store.locate(store::JOURNAL, &[]),
            ok: result.is_ok(),
            events,
            last_seq: last,
            problem: result.as_ref().err().map(|f| f.0.clone()),
            signatures: tally,
            checkpoints: checked,
            signed,
        };
        writeln!(out, "{}", crate::safe::json(&j)?)?;
        return j.ok.then_some(()).ok_or_else(|| Failure(j.problem.unwrap_or_default()));
    }
    let result = report(store, events, last, read, &tally, &trust, out);
    for c in &checked {
        writeln!(out, "{}", crate::safe::visible(&c.message))?;
    }
    // A checkpoint vouches only for a journal that verifies: say that none was signed.
    let unsigned = |f: Failure| match asked.sign {
        true => Failure(format!("{}\nno checkpoint signed: the journal does not verify", f.0)),
        false => f,
    };
    result.map_err(unsigned)?;
    if let Some(f) = failed {
        return Err(unsigned(f));
    }
    if asked.sign {
        let text = signed(ctx, asked, Some(&mut *out), err)?;
        if asked.out.is_none() {
            write!(out, "{text}")?;
        } else {
            writeln!(out, "{}", text.lines().next().unwrap_or_default().trim_start_matches("# "))?;
        }
    }
    Ok(())
}

/// Sign the head as a checkpoint; its text, written to `--out` when asked (never over a file
/// already there).
fn signed(ctx: &Context, asked: &Asked, out: Option<&mut dyn Write>, err: &mut dyn Write) -> Result<String, Failure> {
    let text = checkpoint::sign(ctx, err)?;
    if let Some(file) = &asked.out {
        let shown = crate::safe::visible(&file.display().to_string()).into_owned();
        let opened = std::fs::OpenOptions::new().write(true).create_new(true).open(file);
        let mut f = match opened {
            Ok(f) => f,
            Err(e) => {
                // Signed and in the journal already: printed here (text output) so it is not lost.
                let said = match out {
                    Some(out) => {
                        write!(out, "{text}")?;
                        "its text is printed above"
                    }
                    None => "`sprout journal --format json` shows its line",
                };
                return Err(Failure(format!(
                    "{shown}: {e}; the checkpoint was signed and recorded, and {said}: keep a copy outside the data \
                     directory"
                )));
            }
        };
        f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| Failure(format!("{shown}: {e}")))?;
        writeln!(err, "checkpoint written to {shown}: keep it outside the data directory")?;
    }
    Ok(text)
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
        Err(store::ReadError::Stale | store::ReadError::Unvouched) => {
            Err(Failure(format!("{journal}: changed while it was read; run verify again")))
        }
    }
}

/// The signatures' line and each problem at its line; a failure if there is any. Said only
/// when something is signed or signatures are required, so unsigned journals read as before.
fn signatures(store: &dyn Store, tally: &Tally, trust: &Trust, out: &mut dyn Write) -> Outcome {
    if tally.verified + tally.unverified + tally.flagged == 0 && !tally.required {
        return Ok(());
    }
    let journal = store.locate(store::JOURNAL, &[]);
    let required = match (tally.required, tally.required_from) {
        (false, _) => String::new(),
        (true, from) if from > 1 => format!(" (this directory requires every event signed from #{from})"),
        (true, _) => " (this directory requires every event signed)".to_string(),
    };
    writeln!(
        out,
        "{journal}: signatures: {} verified, {} unverified, {} unsigned{required}",
        tally.verified, tally.unverified, tally.unsigned
    )?;
    for w in &tally.warnings {
        let at = store.locate(store::JOURNAL, &[w.line]);
        writeln!(out, "{at}: warning: event {} by {}: {}", w.seq, crate::safe::visible(&w.by), w.problem)?;
    }
    for p in &tally.problems {
        let at = store.locate(store::JOURNAL, &[p.line]);
        // The operator and the problem carry journal text (`by`, the key a line names): shown
        // visibly, so a line cannot write a line of its own into the report.
        let (by, problem) = (crate::safe::visible(&p.by), crate::safe::visible(&p.problem));
        writeln!(out, "{at}: event {} by {by}: {problem}", p.seq)?;
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
                crate::safe::visible(&first.problem)
            )))
        }
    }
}
