//! Moving a rollout between the two stores: a data directory into an empty database (its
//! journal verified first), and a database back out to a data directory whose journal is the
//! same lines, byte for byte.

use std::path::Path;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;

use crate::store::dir::files;
use crate::store::journal;
use crate::store::{CATALOG, FLEET, JOURNAL, ROLLOUT, TEAM};

use super::conn::{connect, describe, redact};
use super::schema;

const DOCUMENTS: [&str; 4] = [CATALOG, FLEET, ROLLOUT, TEAM];

/// What an import or export moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub documents: usize,
    pub events: usize,
}

/// The journal's lines (no newlines), every one checked: its sum and its link to the one
/// before. A torn or damaged journal is refused with where.
fn verified_lines(text: &str, place: &str) -> Result<Vec<String>, String> {
    let parsed = journal::parse(text).map_err(|e| format!("{place}/{e}"))?;
    if let Some((line, _, e)) = parsed.torn {
        return Err(format!(
            "{place}/{JOURNAL}:{line}: the last line is incomplete ({}): run any `sprout record` on the directory to set it aside, then import",
            e.message
        ));
    }
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    if lines.len() != parsed.entries.len() {
        return Err(format!("{place}/{JOURNAL}: the lines and the events do not match up"));
    }
    Ok(lines)
}

/// Copy the data directory `dir` into the database at `url`, which must have the schema and
/// hold nothing yet. Run as the tables' owner: the journal's history keeps its own operators and
/// times, which the insert trigger would refuse from anyone writing now.
pub fn import(dir: &Path, url: &str) -> Result<Moved, String> {
    let place = dir.display().to_string();
    let mut documents = Vec::new();
    for name in DOCUMENTS {
        match files::read(&dir.join(name))? {
            Some(text) => documents.push((name, text)),
            None if name == TEAM => {}
            None => return Err(format!("{place}/{name}: missing: not a sprout data directory")),
        }
    }
    // The baseline must load as the directory itself would.
    let store = crate::store::FileStore::new(dir);
    crate::store::Store::plans(&store).map_err(|e| e.join("\n"))?;
    crate::store::Store::fleet(&store).map_err(|e| e.join("\n"))?;
    let text = files::read(&dir.join(JOURNAL))?.unwrap_or_default();
    let lines = verified_lines(&text, &place)?;
    let shown = redact(url);
    let fail = |e: postgres::Error| format!("{shown}: {}; nothing was imported", describe(&e));
    let mut client = connect(url)?;
    if schema::version(&mut client).map_err(fail)? != schema::latest() {
        return Err(format!("{shown}: the schema is missing or old: run `sprout db migrate {shown}` first"));
    }
    let mut tx = client.transaction().map_err(fail)?;
    let held: i64 = tx
        .query_one("SELECT (SELECT count(*) FROM baseline) + (SELECT count(*) FROM journal)", &[])
        .map_err(fail)?
        .get(0);
    if held > 0 {
        return Err(format!("{shown}: the database already holds a rollout: import goes into an empty one only"));
    }
    tx.batch_execute("ALTER TABLE journal DISABLE TRIGGER sprout_journal_insert").map_err(fail)?;
    for (name, text) in &documents {
        tx.execute("INSERT INTO baseline (name, body) VALUES ($1, $2)", &[name, text]).map_err(fail)?;
    }
    // One COPY, not a round trip per event: a million events in seconds, not minutes.
    let copy = tx
        .copy_in("COPY journal (seq, at, operator, prev, sum, sig, line) FROM STDIN (FORMAT binary)")
        .map_err(fail)?;
    let types = [Type::INT8, Type::TIMESTAMPTZ, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT];
    let mut rows = BinaryCopyInWriter::new(copy, &types);
    for (i, line) in lines.iter().enumerate() {
        let e = journal::decode(line, i + 1).map_err(|e| format!("{place}/{e}"))?;
        let sig = e.sig.as_ref().map(|s| format!("{} {}", s.key, s.sig));
        let seq = e.seq as i64;
        rows.write(&[&seq, &e.at, &e.by, &e.prev, &e.sum, &sig, line]).map_err(fail)?;
    }
    rows.finish().map_err(fail)?;
    tx.batch_execute("ALTER TABLE journal ENABLE TRIGGER sprout_journal_insert").map_err(fail)?;
    // Dashboards already listening catch up.
    tx.execute("SELECT pg_notify($1, $2)", &[&schema::JOURNAL_CHANNEL, &lines.len().to_string()]).map_err(fail)?;
    tx.commit().map_err(fail)?;
    // The planner's statistics for the new rows now, not at autovacuum's next round: a tail
    // read must use the index from the first write on.
    client.batch_execute("ANALYZE journal").map_err(fail)?;
    Ok(Moved { documents: documents.len(), events: lines.len() })
}

/// Write the database's rollout to `dir` (new or empty) as a data directory: the baseline files
/// with the texts the database holds and the journal's lines as stored, checked on the way.
pub fn export(url: &str, dir: &Path) -> Result<Moved, String> {
    let place = dir.display().to_string();
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(format!("{place}: not empty: export writes a new data directory"));
    }
    let shown = redact(url);
    let fail = |e: postgres::Error| format!("{shown}: {}", describe(&e));
    let mut client = connect(url)?;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(fail)?;
    let docs = tx.query("SELECT name, body FROM baseline ORDER BY name", &[]).map_err(fail)?;
    if docs.is_empty() {
        return Err(format!("{shown}: holds no rollout to export"));
    }
    let rows = tx.query("SELECT line FROM journal ORDER BY seq", &[]).map_err(fail)?;
    tx.commit().map_err(fail)?;
    let mut text = String::new();
    for r in &rows {
        text.push_str(r.get::<_, &str>(0));
        text.push('\n');
    }
    verified_lines(&text, &shown)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{place}: {e}"))?;
    let write = |name: &str, bytes: &str| {
        files::replace(&dir.join(name), bytes.as_bytes(), true).map_err(|e| format!("{place}/{name}: {e}"))
    };
    for d in &docs {
        write(d.get::<_, &str>(0), d.get::<_, &str>(1))?;
    }
    write(JOURNAL, &text)?;
    Ok(Moved { documents: docs.len(), events: rows.len() })
}
