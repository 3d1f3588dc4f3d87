//! The schema and its versioned migrations, applied by `sprout db migrate` as the role that
//! owns the tables. Operators connect as other roles, members of `sprout_operator`.
//!
//! What the database itself enforces on the journal: rows are only ever inserted (UPDATE,
//! DELETE and TRUNCATE refused, for the owner too); an insert takes the writers' lock and must
//! carry the next sequence, the head's sum as `prev`, `session_user` as the operator and the
//! transaction's `now()` as the time, so a plain INSERT cannot skip them.

use postgres::Client;

/// The advisory lock key every writer takes (the journal insert trigger takes it too).
pub const WRITERS_LOCK: i64 = 0x5370_726f_7574; // "Sprout"
/// NOTIFY channels: the journal's (payload: the new sequence only) and presence's.
pub const JOURNAL_CHANNEL: &str = "sprout_journal";
pub const PRESENCE_CHANNEL: &str = "sprout_presence";
/// The role operators' login roles are members of.
pub const OPERATOR_ROLE: &str = "sprout_operator";
/// The role whose login members are approvers, beside the names team.ron lists.
pub const APPROVER_ROLE: &str = "sprout_approver";

/// Each migration, in order; version N is `MIGRATIONS[N - 1]`. Never edit one that shipped.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO meta DEFAULT VALUES;

CREATE TABLE baseline (
    name text PRIMARY KEY CHECK (name IN ('catalog.ron', 'fleet.ron', 'rollout.ron', 'team.ron')),
    body text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL DEFAULT session_user
);

CREATE FUNCTION sprout_baseline_update() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    -- Operators change only the fleet (an inventory import, recorded in the same transaction);
    -- the catalog, the rollout plans and the team are the owner's to change.
    IF OLD.name <> 'fleet.ron' AND NOT pg_has_role(session_user,
            (SELECT tableowner FROM pg_tables WHERE tablename = 'baseline' AND schemaname = current_schema()), 'MEMBER') THEN
        RAISE EXCEPTION 'sprout: % is changed by the tables'' owner, not by an operator', OLD.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.name := OLD.name;
    NEW.version := OLD.version + 1;
    NEW.changed_at := now();
    NEW.changed_by := session_user;
    RETURN NEW;
END $f$;
CREATE TRIGGER sprout_baseline_update BEFORE UPDATE ON baseline
    FOR EACH ROW EXECUTE FUNCTION sprout_baseline_update();

CREATE TABLE journal (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    at timestamptz NOT NULL,
    operator text NOT NULL,
    prev text NOT NULL,
    sum text NOT NULL UNIQUE CHECK (sum ~ '^[0-9a-f]{32}$'),
    sig text,
    line text NOT NULL
);

CREATE FUNCTION sprout_journal_insert() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    head_seq bigint;
    head_sum text;
BEGIN
    PERFORM pg_advisory_xact_lock(WRITERS_LOCK);
    SELECT seq, sum INTO head_seq, head_sum FROM journal ORDER BY seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    head_sum := coalesce(head_sum, '');
    IF NEW.seq IS DISTINCT FROM head_seq + 1 THEN
        RAISE EXCEPTION 'sprout: event #% does not follow the journal''s last, #%', NEW.seq, head_seq
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.prev IS DISTINCT FROM head_sum THEN
        RAISE EXCEPTION 'sprout: prev is not the sum of event #%: the chain would break', head_seq
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.operator IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'sprout: the operator recorded must be the database role %, not %', session_user, NEW.operator
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.at IS DISTINCT FROM now() THEN
        RAISE EXCEPTION 'sprout: the time recorded must be the server''s (the transaction''s now())'
            USING ERRCODE = 'check_violation';
    END IF;
    IF left(NEW.line, length('(seq:' || NEW.seq || ',at:"')) IS DISTINCT FROM '(seq:' || NEW.seq || ',at:"'
        OR right(NEW.line, 39) IS DISTINCT FROM 'sum:"' || NEW.sum || '")' THEN
        RAISE EXCEPTION 'sprout: the line does not carry the row''s sequence and sum'
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM pg_notify('sprout_journal', NEW.seq::text);
    RETURN NEW;
END $f$;
CREATE TRIGGER sprout_journal_insert BEFORE INSERT ON journal
    FOR EACH ROW EXECUTE FUNCTION sprout_journal_insert();

CREATE FUNCTION sprout_journal_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION 'sprout: the journal is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $f$;
CREATE TRIGGER sprout_journal_refuse_rows BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION sprout_journal_refuse();
CREATE TRIGGER sprout_journal_refuse_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION sprout_journal_refuse();

CREATE TABLE presence (
    session text PRIMARY KEY,
    operator text NOT NULL DEFAULT session_user,
    body text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION sprout_presence_stamp() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    NEW.operator := session_user;
    NEW.at := now();
    RETURN NEW;
END $f$;
CREATE TRIGGER sprout_presence_stamp BEFORE INSERT OR UPDATE ON presence
    FOR EACH ROW EXECUTE FUNCTION sprout_presence_stamp();
CREATE FUNCTION sprout_presence_notify() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM pg_notify('sprout_presence', '');
    RETURN NULL;
END $f$;
CREATE TRIGGER sprout_presence_notify AFTER INSERT OR UPDATE OR DELETE ON presence
    FOR EACH STATEMENT EXECUTE FUNCTION sprout_presence_notify();
ALTER TABLE presence ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_sees ON presence FOR SELECT USING (true);
CREATE POLICY own_session ON presence FOR ALL USING (operator = session_user) WITH CHECK (operator = session_user);

DO $r$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sprout_operator') THEN
        CREATE ROLE sprout_operator NOLOGIN;
    END IF;
    -- Its members are approvers (beside any team.ron names): GRANT sprout_approver TO carol.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sprout_approver') THEN
        CREATE ROLE sprout_approver NOLOGIN;
    END IF;
END $r$;
REVOKE ALL ON meta, baseline, journal, presence, schema_version FROM PUBLIC;
GRANT SELECT ON meta, baseline, journal, presence, schema_version TO sprout_operator;
GRANT INSERT ON journal TO sprout_operator;
GRANT UPDATE (body) ON baseline TO sprout_operator;
GRANT INSERT, UPDATE, DELETE ON presence TO sprout_operator;
REVOKE UPDATE, DELETE, TRUNCATE ON journal FROM sprout_operator;
"#];

/// The schema version this sprout reads and writes.
pub fn latest() -> i32 {
    MIGRATIONS.len() as i32
}

/// The database's schema version (0: none yet).
pub fn version(client: &mut Client) -> Result<i32, postgres::Error> {
    let exists: bool = client.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?.get(0);
    if !exists {
        return Ok(0);
    }
    client.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[]).map(|r| r.get(0))
}

/// Apply every migration not yet applied, each in its own transaction; returns the versions
/// applied. Run as the role that is to own the tables.
pub fn migrate(client: &mut Client) -> Result<Vec<i32>, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT session_user)",
    )?;
    tx.commit()?;
    let mut applied = Vec::new();
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let v = i as i32 + 1;
        let mut tx = client.transaction()?;
        // One migrator at a time; a second waits, then finds the version applied.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&(WRITERS_LOCK + 1)])?;
        let done: bool = tx.query_one("SELECT EXISTS (SELECT FROM schema_version WHERE version = $1)", &[&v])?.get(0);
        if done {
            continue;
        }
        tx.batch_execute(&sql.replace("WRITERS_LOCK", &WRITERS_LOCK.to_string()))?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&v])?;
        tx.commit()?;
        applied.push(v);
    }
    Ok(applied)
}
