// A throwaway PostgreSQL cluster per test: initdb into a temp dir, pg_ctl start on a private
// Unix socket (no TCP: listen_addresses=''), stopped with `pg_ctl stop -m immediate` in Drop,
// even when the test fails. As root, the cluster runs as the `postgres` user (initdb refuses
// root). Without PostgreSQL the tests fail under CI (env CI set) and skip with a note elsewhere.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The database the rollout lives in, its owner (who migrates and imports) and two operators.
pub const DB: &str = "sprout";
pub const OWNER: &str = "sprout_admin";
pub const OPERATORS: [&str; 2] = ["alice", "bob"];

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    running: bool,
    fsync: bool,
}

fn bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

impl Cluster {
    /// A running cluster with the schema migrated, or `None` (a note printed) when PostgreSQL
    /// is not installed and this is not CI.
    pub fn start() -> Option<Cluster> {
        Cluster::start_with(false)
    }

    /// The same, with `fsync` on when `durable` (benchmarks); tests run without it.
    pub fn start_with(durable: bool) -> Option<Cluster> {
        let Some(bin) = bin_dir() else {
            let note = "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): install the `postgresql` package (.ci/run does)";
            if std::env::var_os("CI").is_some() {
                panic!("{note}");
            }
            eprintln!("skipped: {note}");
            return None;
        };
        let as_postgres = nix::unistd::getuid().is_root();
        let dir = tempfile::Builder::new().prefix("sprout-pg").tempdir().expect("temp dir");
        if as_postgres {
            let user = nix::unistd::User::from_name("postgres")
                .expect("passwd")
                .expect("running as root, the cluster runs as the `postgres` user, which must exist");
            std::os::unix::fs::chown(dir.path(), Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                .expect("chown the cluster dir");
        }
        let mut cluster = Cluster { dir, bin, as_postgres, running: false, fsync: durable };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
        cluster.restart();
        // CREATE DATABASE goes alone: it may not run inside a transaction block.
        cluster.sql("postgres", "postgres", &format!("CREATE ROLE {OWNER} LOGIN CREATEROLE"));
        cluster.sql("postgres", "postgres", &format!("CREATE DATABASE {DB} OWNER {OWNER}"));
        let out = cluster.sprout(&["db", "migrate", &cluster.url(OWNER)]);
        assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
        for who in OPERATORS {
            cluster.sql("postgres", DB, &format!("CREATE ROLE {who} LOGIN IN ROLE sprout_operator;"));
        }
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn socket(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        // The cluster's own directory: runuser keeps root's working directory otherwise.
        let out = c.args(args).current_dir(self.dir.path()).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The operators' own trust folder (`SPROUT_CONFIG` of `sprout`), made if missing.
    pub fn config_dir(&self) -> PathBuf {
        let dir = self.dir.path().join("config");
        std::fs::create_dir_all(&dir).expect("config folder");
        dir
    }

    /// The URL a role connects with, over the private socket.
    pub fn url(&self, role: &str) -> String {
        self.url_to(role, DB)
    }

    fn url_to(&self, role: &str, db: &str) -> String {
        format!("postgresql:///{db}?host={}&user={role}", self.socket())
    }

    /// Run SQL as `role` in `db`.
    pub fn sql(&self, role: &str, db: &str, sql: &str) {
        let mut c = postgres::Client::connect(&self.url_to(role, db), postgres::NoTls).expect("connect");
        c.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e} {:?}", e.as_db_error().map(|d| d.message())));
    }

    /// A client connected as `role`.
    pub fn client(&self, role: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(role), postgres::NoTls).expect("connect")
    }

    /// The sprout binary, clean of the caller's environment.
    pub fn sprout(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_sprout"))
            .args(args)
            .env_remove("SPROUT_DATA")
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("SPROUT_CONFIG", self.dir.path().join("config"))
            .env("SPROUT_SYSTEM_CONFIG", self.dir.path().join("system"))
            .output()
            .expect("run sprout")
    }

    /// Import a data directory as the owner (the sample, for most tests).
    pub fn import(&self, dir: &Path) {
        let out = self.sprout(&["db", "import", &dir.display().to_string(), &self.url(OWNER)]);
        assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Stop the server at once (as a crash would), keeping its files.
    pub fn kill(&mut self) {
        if self.running {
            self.running = false;
            let data = self.data();
            self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        }
    }

    /// Start it (again, after `kill`).
    pub fn restart(&mut self) {
        let data = self.data();
        let fsync = if self.fsync { "on" } else { "off" };
        let options = format!("-k {} -c listen_addresses='' -c max_connections=200 -c fsync={fsync}", self.socket());
        let log = self.dir.path().join("log").display().to_string();
        self.running = true;
        self.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The derived-state caches the test process kept for this cluster's databases.
        if self.running {
            for role in OPERATORS.iter().chain([&OWNER]) {
                if let Some(cache) = sprout::store::pg::PgStore::new(&self.url(role)).cache_path() {
                    let _ = std::fs::remove_file(cache);
                }
            }
        }
        if self.running {
            let data = self.data();
            let exe = self.bin.join("pg_ctl");
            let mut c = if self.as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            } else {
                Command::new(&exe)
            };
            let _ = c.args(["-D", &data, "-m", "immediate", "-w", "stop"]).current_dir(self.dir.path()).output();
        }
    }
}
