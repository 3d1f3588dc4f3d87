//! The locked append: the writers' advisory lock, then one transaction in which the write path
//! learns the server's time (`now()`), checks the rules, and inserts its line; the insert
//! commits with synchronous commit on, so an acknowledged write is on the server's disk.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{Appended, LockError, Locked, Mark, StoreError, Torn};

use super::PgStore;
use super::conn::Held;
use super::read::mark;
use super::schema::WRITERS_LOCK;

pub struct PgLocked<'a> {
    store: &'a PgStore,
    held: Held<'a>,
    /// The transaction's `now()`, the time every event of this write is stamped with.
    now: DateTime<Utc>,
    /// A transaction is open (not yet committed or rolled back).
    open: bool,
}

fn failed(place: &str, message: String) -> StoreError {
    StoreError::Database { place: place.to_string(), message }
}

/// Who holds the writers' lock, as far as this role may see.
fn holder(held: &mut Held<'_>) -> String {
    let sql = "SELECT coalesce(a.usename::text, 'another session') || coalesce(' (' || a.application_name || ', pid ' || a.pid || ')', '')
               FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 LIMIT 1";
    let (hi, lo) = ((WRITERS_LOCK >> 32) as u32, (WRITERS_LOCK & 0xffff_ffff) as u32);
    held.run(|c| c.query(sql, &[&postgres::types::Oid::from(hi), &postgres::types::Oid::from(lo)]))
        .ok()
        .and_then(|rows| rows.first().map(|r| r.get::<_, String>(0)))
        .unwrap_or_else(|| "another writer".to_string())
}

impl PgStore {
    pub(super) fn lock_now(
        &self,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Box<dyn Locked + '_>, StoreError> {
        let place = &self.place;
        let mut held = self.writer.hold().map_err(|e| failed(place, e))?;
        let got: bool = held
            .run(|c| c.query_one("SELECT pg_try_advisory_lock($1)", &[&WRITERS_LOCK]).map(|r| r.get(0)))
            .map_err(|e| failed(place, e))?;
        if !got {
            let who = holder(&mut held);
            on_wait(&who);
            let ms = timeout.as_millis().max(1);
            let waited = held.run_coded(|c| {
                c.batch_execute(&format!("SET lock_timeout = {ms}"))?;
                let r = c.execute("SELECT pg_advisory_lock($1)", &[&WRITERS_LOCK]);
                c.batch_execute("RESET lock_timeout")?;
                r
            });
            match waited {
                Ok(_) => {}
                Err((Some(code), _)) if code == "55P03" => {
                    return Err(LockError::Timeout { secs: timeout.as_secs(), holder: who }.into());
                }
                Err((_, e)) => return Err(failed(place, e)),
            }
        }
        // The lock is held: the transaction starts now, so its now() is later than any event
        // already recorded on this server.
        let mut locked = PgLocked { store: self, held, now: DateTime::<Utc>::MIN_UTC, open: false };
        locked.now = locked.begin()?;
        Ok(Box::new(locked))
    }
}

impl PgLocked<'_> {
    fn begin(&mut self) -> Result<DateTime<Utc>, StoreError> {
        let place = self.store.place.clone();
        let now = self
            .held
            .run(|c| {
                c.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = on")?;
                c.query_one("SELECT now()", &[]).map(|r| r.get(0))
            })
            .map_err(|e| failed(&place, e))?;
        self.open = true;
        Ok(now)
    }
}

impl Locked for PgLocked<'_> {
    fn set_aside(&mut self, torn: &Torn) -> Result<String, StoreError> {
        // A database journal is never torn: a row is inserted whole or not at all.
        Ok(format!("event #{}: nothing to set aside in a database journal", torn.0))
    }

    fn clock(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(Some(self.now))
    }

    fn replace_fleet(&mut self, text: &str) -> Result<(), StoreError> {
        crate::store::parse::ron::<crate::model::Fleet>(crate::store::FLEET, text, 1)
            .map_err(|e| failed(&self.store.place, format!("the new fleet does not parse: {e}")))?;
        if !self.open {
            self.now = self.begin()?;
        }
        let place = self.store.place.clone();
        let changed = self
            .held
            .run(|c| c.execute("UPDATE baseline SET body = $1 WHERE name = 'fleet.ron'", &[&text]))
            .map_err(|e| failed(&place, e))?;
        if changed != 1 {
            return Err(failed(&place, "the database holds no fleet.ron to replace".into()));
        }
        Ok(())
    }

    fn append(&mut self, line: &str, seen: &Mark) -> Result<Appended, StoreError> {
        let place = self.store.place.clone();
        let e = crate::store::journal::decode(line, 0)
            .map_err(|e| failed(&place, format!("the line does not decode: {e}")))?;
        if !self.open {
            self.now = self.begin()?;
        }
        let id = self.store.id().map_err(|e| failed(&place, e))?;
        let seq = i64::try_from(e.seq).map_err(|_| failed(&place, "sequence out of range".into()))?;
        let before = mark(&id, seq - 1, &e.prev);
        let insert =
            "INSERT INTO journal (seq, at, operator, prev, sum, sig, line) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let sig = e.sig.as_ref().map(|s| format!("{} {}", s.key, s.sig));
        self.held
            .run(|c| c.execute(insert, &[&seq, &e.at, &e.by, &e.prev, &e.sum, &sig, &line]))
            .map_err(|m| failed(&place, m))?;
        let committed = self.held.run_coded(|c| c.batch_execute("COMMIT"));
        self.open = false;
        match committed {
            Ok(()) => {}
            // The server answered: it refused the commit, and so rolled it back.
            Err((Some(_), message)) => return Err(failed(&place, message)),
            Err((None, message)) => return Err(StoreError::CommitUnknown { place, message }),
        }
        Ok(Appended {
            start: e.seq - 1,
            end: e.seq,
            mark: mark(&id, seq, &e.sum),
            stamp: format!("{seq}|{}", e.sum),
            fresh: *seen != before,
        })
    }
}

impl Drop for PgLocked<'_> {
    fn drop(&mut self) {
        let open = self.open;
        // Nothing half done survives: an open transaction is rolled back, then the lock let go.
        // A broken connection has already released both on the server.
        let _ = self.held.run(|c| {
            if open {
                c.batch_execute("ROLLBACK")?;
            }
            c.execute("SELECT pg_advisory_unlock($1)", &[&WRITERS_LOCK]).map(|_| ())
        });
    }
}
