//! Reading: the baseline documents, and the journal's lines by sequence, each checked against
//! its sum, the line before, and its row's columns.
//!
//! Positions are sequence numbers: event #n is at position n - 1 and ends at n, so a `Start`
//! after event #n has `pos` n. A mark names the database (its `meta` id) and the head (sequence
//! and sum): the journal is append-only in the database, so a tail read only checks that the
//! event it starts after is still there with the same sum.

use chrono::{DateTime, Utc};
use postgres::fallible_iterator::FallibleIterator;
use postgres::{IsolationLevel, Row};

use crate::model::{Entry, Fleet, JournalIndex, Team};
use crate::store::journal::{self, Start};
use crate::store::{Mark, Plans, Read, ReadError, Sources, Stamp};

use super::PgStore;

const SELECT: &str = "SELECT seq, at, operator, prev, sum, line FROM journal";

pub fn mark(id: &str, seq: i64, sum: &str) -> Mark {
    Mark(format!("{id}|{seq}|{sum}"))
}

impl PgStore {
    /// The baseline documents by name, with their versions; the fleet's text (the big one)
    /// only when `fleet`.
    fn documents(&self, fleet: bool) -> Result<Vec<(String, String, i64)>, String> {
        let sql = if fleet {
            "SELECT name, body, version FROM baseline"
        } else {
            "SELECT name, CASE WHEN name = 'fleet.ron' THEN '' ELSE body END, version FROM baseline"
        };
        let rows = self.reader.with(|c| c.query(sql, &[]))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    fn document(&self, docs: &[(String, String, i64)], name: &str) -> Option<String> {
        docs.iter().find(|d| d.0 == name).map(|d| d.1.clone())
    }

    fn parse<T: serde::de::DeserializeOwned + Default>(
        &self,
        docs: &[(String, String, i64)],
        name: &str,
        required: bool,
        errors: &mut Vec<String>,
    ) -> (T, String) {
        let Some(text) = self.document(docs, name) else {
            if required {
                errors.push(format!(
                    "{}: the database holds no {name}: run `sprout db import DIR {}` first",
                    self.place, self.place
                ));
            }
            return (T::default(), String::new());
        };
        match crate::store::parse::ron::<T>(name, &text, 1) {
            Ok(v) => (v, text),
            Err(e) => {
                errors.push(format!("{}: {}", self.locate_at(name, &[e.line, e.col]), e.message));
                (T::default(), text)
            }
        }
    }

    pub(super) fn plans_now(&self) -> Result<Plans, Vec<String>> {
        let docs = self.documents(false).map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        let (catalog, c) = self.parse(&docs, crate::store::CATALOG, true, &mut errors);
        let (plan, r) = self.parse(&docs, crate::store::ROLLOUT, true, &mut errors);
        let (team, t) = self.parse::<Option<Team>>(&docs, crate::store::TEAM, false, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let members = self.approvers().map_err(|e| vec![e])?;
        let team = with_approvers(team, &members);
        let fleet = docs.iter().find(|d| d.0 == crate::store::FLEET).map_or(0, |d| d.2);
        let mut h = blake3::Hasher::new();
        for text in [&c, &r, &t, &members.join("\n")] {
            h.update(&(text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        Ok(Plans {
            catalog,
            plan,
            team,
            key: format!("{}|{}|fleet {fleet}", self.id().unwrap_or_default(), h.finalize().to_hex()),
            key_but_fleet: String::new(),
        })
    }

    /// The login roles that are members of the approvers' role (superusers left out: they are
    /// members of every role).
    fn approvers(&self) -> Result<Vec<String>, String> {
        let sql = "SELECT r.rolname::text FROM pg_roles r JOIN pg_roles a ON a.rolname = $1
                   WHERE r.rolcanlogin AND NOT r.rolsuper AND pg_has_role(r.oid, a.oid, 'MEMBER') ORDER BY 1";
        let rows = self.reader.with(|c| c.query(sql, &[&super::schema::APPROVER_ROLE]))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub(super) fn fleet_now(&self) -> Result<Fleet, Vec<String>> {
        let docs = self.documents(true).map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        let (fleet, _) = self.parse(&docs, crate::store::FLEET, true, &mut errors);
        if errors.is_empty() { Ok(fleet) } else { Err(errors) }
    }

    pub(super) fn sources_now(&self) -> Sources {
        let docs = self.documents(true).unwrap_or_default();
        let text = |name: &str| self.document(&docs, name).unwrap_or_default();
        Sources {
            catalog: text(crate::store::CATALOG),
            fleet: text(crate::store::FLEET),
            rollout: text(crate::store::ROLLOUT),
            team: text(crate::store::TEAM),
        }
    }

    /// The head: the last event's sequence and sum (0 and "" for an empty journal).
    pub(super) fn head(&self) -> Result<(i64, String), String> {
        self.reader.with(|c| {
            let rows = c.query("SELECT seq, sum FROM journal ORDER BY seq DESC LIMIT 1", &[])?;
            Ok(rows.first().map_or((0, String::new()), |r| (r.get(0), r.get(1))))
        })
    }

    /// The database refuses UPDATE, DELETE and TRUNCATE on the journal (`schema`), for its owner
    /// too: the rows up to the event a state stands at are the ones read as long as that event's
    /// row still has its sum (a superuser who turned the triggers off could change rows before
    /// it; `sprout verify` reads them all). One row, not the whole journal every minute.
    pub(super) fn holds_now(&self, read: &crate::store::Start) -> Result<(), String> {
        let Ok(seq) = i64::try_from(read.seq) else { return Err(crate::store::changed_in_place(self, read)) };
        if seq == 0 {
            return Ok(());
        }
        let sum = self.reader.with(|c| {
            let rows = c.query("SELECT sum FROM journal WHERE seq = $1", &[&seq])?;
            Ok(rows.first().map(|r| r.get::<_, String>(0)))
        })?;
        if sum.as_deref() == Some(read.sum.as_str()) { Ok(()) } else { Err(crate::store::changed_in_place(self, read)) }
    }

    pub(super) fn stamp_now(&self) -> Stamp {
        let read = self.reader.with(|c| {
            let row = c.query_one(
                "SELECT (SELECT coalesce(string_agg(name || ':' || version, '|' ORDER BY name), '') FROM baseline),
                        coalesce((SELECT seq || '|' || sum FROM journal ORDER BY seq DESC LIMIT 1), '0|')",
                &[],
            )?;
            Ok(Stamp { baseline: row.get(0), journal: row.get(1) })
        });
        // Unreachable: a stamp that differs from any real one, so the caller reloads and says why.
        read.unwrap_or_else(|e| Stamp { baseline: format!("unreachable: {e}"), journal: String::new() })
    }

    /// One row checked: its line's own sum, its link to the event before, and that the line
    /// says what the row's columns say.
    fn check(&self, row: &Row, seq: u64, sum: &str) -> Result<Entry, String> {
        let n: i64 = row.get(0);
        let lineno = usize::try_from(n).unwrap_or(usize::MAX);
        let at: DateTime<Utc> = row.get(1);
        let (by, prev, rsum, line): (String, String, String, String) = (row.get(2), row.get(3), row.get(4), row.get(5));
        let located =
            |e: crate::store::Located| format!("{}: {}", self.locate_at(&e.file, &[e.line, e.col]), e.message);
        let e = journal::decode(&line, lineno).and_then(|e| journal::link(seq, sum, e, lineno)).map_err(located)?;
        // The column holds microseconds; a line written by a data directory may carry nanoseconds.
        let same_time = (e.at - at).abs() < chrono::Duration::microseconds(1);
        if e.seq != n as u64 || !same_time || e.by != by || e.prev != prev || e.sum != rsum {
            return Err(format!(
                "{}: event #{n}'s line does not say what its row's columns say (sequence, time, operator, prev, sum): the journal table was changed outside sprout",
                self.locate_at(crate::store::JOURNAL, &[lineno])
            ));
        }
        Ok(e)
    }

    pub(super) fn read_now(
        &self,
        since: Option<(&Mark, &Start)>,
        each: &mut dyn FnMut(Entry, u64, u64, usize),
    ) -> Result<Read, ReadError> {
        let id = self.id().map_err(ReadError::Broken)?;
        let start = match since {
            None => Start::default(),
            Some((seen, start)) => {
                if !seen.0.starts_with(&format!("{id}|")) {
                    return Err(ReadError::Stale);
                }
                start.clone()
            }
        };
        let from = i64::try_from(start.seq).map_err(|_| ReadError::Stale)?;
        // One snapshot: the event the read starts after and every one after it agree.
        let result = self.reader.with(|c| {
            let mut tx =
                c.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            if from > 0 {
                let at = tx.query("SELECT sum FROM journal WHERE seq = $1", &[&from])?;
                if at.first().map(|r| r.get::<_, String>(0)) != Some(start.sum.clone()) {
                    return Ok(Err(ReadError::Stale));
                }
            }
            let mut rows = tx.query_raw(&format!("{SELECT} WHERE seq > $1 ORDER BY seq"), [&from])?;
            let (mut seq, mut sum) = (start.seq, start.sum.clone());
            let mut tail = Vec::new();
            while let Some(row) = rows.next()? {
                match self.check(&row, seq, &sum) {
                    Ok(e) => {
                        seq = e.seq;
                        sum.clone_from(&e.sum);
                        if since.is_some() {
                            tail.push(e);
                        } else {
                            each(e, seq - 1, seq, seq as usize);
                        }
                    }
                    Err(_) if since.is_some() => return Ok(Err(ReadError::Stale)),
                    Err(message) => return Ok(Err(ReadError::Broken(message))),
                }
            }
            drop(rows);
            tx.commit()?;
            Ok(Ok((tail, seq, sum)))
        });
        let (tail, seq, sum) = result.map_err(ReadError::Broken)??;
        // A tail is handed on only once all of it checked: a refusal changes nothing.
        for e in tail {
            let n = e.seq;
            each(e, n - 1, n, n as usize);
        }
        let end = Start { pos: seq, lines: seq as usize, seq, sum: sum.clone() };
        let head = format!("{seq}|{sum}");
        Ok(Read { end, torn: None, mark: mark(&id, seq as i64, &sum), stamp: head })
    }

    pub(super) fn read_at_now(&self, index: &JournalIndex, positions: &[usize]) -> Result<Vec<Entry>, String> {
        let mut wanted = Vec::with_capacity(positions.len());
        let mut refs = Vec::with_capacity(positions.len());
        for &p in positions {
            let line =
                index.lines.at(p).ok_or_else(|| format!("no event #{} (the journal has {})", p + 1, index.len()))?;
            wanted.push(line.pos() as i64 + 1);
            refs.push((p, line));
        }
        let rows = self.reader.with(|c| c.query(&format!("{SELECT} WHERE seq = ANY($1)"), &[&wanted]))?;
        // By sequence: many positions (a server's whole history) are found in one pass each.
        let by_seq: std::collections::HashMap<i64, &Row> = rows.iter().map(|r| (r.get::<_, i64>(0), r)).collect();
        let mut out = Vec::with_capacity(wanted.len());
        for (n, (p, line_ref)) in wanted.into_iter().zip(refs) {
            let row = by_seq.get(&n).ok_or_else(|| format!("{}: event #{n} is not in the journal", self.place))?;
            let line: String = row.get(5);
            let e = journal::decode(&line, n as usize).map_err(|e| format!("{}: {}", self.place, e))?;
            if e.seq != n as u64 {
                return Err(format!("{}: event #{n} has moved (the journal changed): reloading", self.place));
            }
            // The very line whose chain was checked, not one put in its place since (the
            // table's owner can bypass the triggers).
            if !line_ref.is(&e) {
                return Err(journal::replaced(&self.place, p));
            }
            out.push(e);
        }
        Ok(out)
    }
}

/// team.ron's approvers and the approvers' role's members, each once; no team when neither.
fn with_approvers(team: Option<Team>, members: &[String]) -> Option<Team> {
    if members.is_empty() {
        return team;
    }
    let mut team = team.unwrap_or_default();
    for m in members {
        if !team.approvers.contains(m) {
            team.approvers.push(m.clone());
        }
    }
    Some(team)
}
