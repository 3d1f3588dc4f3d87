//! Connecting to PostgreSQL: the URL, a redacted place for messages, and one connection kept
//! per use (reading, writing), dropped when it breaks and opened again on the next use.

use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use postgres::{Client, Config, NoTls};

/// How long opening a connection may take before the store says the database is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A `--data` value naming a database rather than a directory.
pub fn is_url(data: &str) -> bool {
    data.starts_with("postgres://") || data.starts_with("postgresql://")
}

/// The URL as messages and the header show it: any password left out.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.split_once('@') {
        Some((auth, host)) if !auth.contains('/') => (Some(auth), host),
        _ => (None, rest),
    };
    let auth = auth.map(|a| a.split_once(':').map_or(a.to_string(), |(user, _)| format!("{user}:***")));
    let host = match host.split_once('?') {
        Some((h, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|kv| !kv.starts_with("password=")).collect();
            if kept.is_empty() { h.to_string() } else { format!("{h}?{}", kept.join("&")) }
        }
        None => host.to_string(),
    };
    match auth {
        Some(a) => format!("{scheme}://{a}@{host}"),
        None => format!("{scheme}://{host}"),
    }
}

/// Open a connection, naming the application and bounding the wait.
pub fn connect(url: &str) -> Result<Client, String> {
    let mut config = Config::from_str(url).map_err(|e| format!("{}: not a usable database URL: {e}", redact(url)))?;
    // As psql does: the server's Unix socket when no host is named, and the OS account's name
    // when no user is (peer authentication then maps the one to the other).
    if config.get_hosts().is_empty() {
        let dirs = ["/run/postgresql", "/var/run/postgresql", "/tmp"];
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let listening = dirs.iter().find(|d| std::path::Path::new(d).join(format!(".s.PGSQL.{port}")).exists());
        config.host_path(listening.copied().unwrap_or("/run/postgresql"));
    }
    if config.get_user().is_none() {
        let me = nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten().map(|u| u.name);
        if let Some(name) = me.or_else(|| std::env::var("USER").ok()) {
            config.user(&name);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("sprout");
    }
    config.connect(NoTls).map_err(|e| format!("{}: cannot connect to the database: {}", redact(url), describe(&e)))
}

/// A database error in the server's words (its message, detail and hint), or the client's.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_string();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; {hint}"));
            }
            text
        }
        None if e.is_closed() => "the connection to the database was lost".to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}

/// One connection, opened on first use and again after it broke.
pub struct Conn {
    url: String,
    client: Mutex<Option<Client>>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("place", &redact(&self.url)).finish_non_exhaustive()
    }
}

impl Conn {
    pub fn new(url: &str) -> Conn {
        Conn { url: url.to_string(), client: Mutex::new(None) }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection, opened if there is none or the last one broke.
    pub fn hold(&self) -> Result<Held<'_>, String> {
        let mut guard = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_some_and(Client::is_closed) {
            *guard = None;
        }
        if guard.is_none() {
            *guard = Some(connect(&self.url)?);
        }
        Ok(Held { guard, place: redact(&self.url) })
    }

    /// Run `f` on the connection; a failure is said with the place and the server's words.
    pub fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>) -> Result<T, String> {
        let mut held = self.hold()?;
        held.run(f)
    }
}

/// A connection held for a while (a write's transaction); forgotten if it breaks.
pub struct Held<'a> {
    guard: MutexGuard<'a, Option<Client>>,
    pub place: String,
}

impl Held<'_> {
    pub fn run<T>(&mut self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>) -> Result<T, String> {
        let Some(client) = self.guard.as_mut() else {
            return Err(format!("{}: the connection to the database was lost", self.place));
        };
        match f(client) {
            Ok(v) => Ok(v),
            Err(e) => {
                let text = format!("{}: {}", self.place, describe(&e));
                if client.is_closed() {
                    *self.guard = None;
                }
                Err(text)
            }
        }
    }

    /// The server's error code of a failure, to tell a lock timeout from the rest.
    pub fn run_coded<T>(
        &mut self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, (Option<String>, String)> {
        let Some(client) = self.guard.as_mut() else {
            return Err((None, format!("{}: the connection to the database was lost", self.place)));
        };
        match f(client) {
            Ok(v) => Ok(v),
            Err(e) => {
                let code = e.code().map(|c| c.code().to_string());
                let text = format!("{}: {}", self.place, describe(&e));
                if client.is_closed() {
                    *self.guard = None;
                }
                Err((code, text))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(redact("postgres://bob:secret@db1/sprout"), "postgres://bob:***@db1/sprout");
        assert_eq!(
            redact("postgres:///sprout?host=/run/pg&password=x&user=bob"),
            "postgres:///sprout?host=/run/pg&user=bob"
        );
        assert_eq!(redact("postgresql://db1:5433/sprout"), "postgresql://db1:5433/sprout");
    }

    #[test]
    fn only_a_postgres_url_names_a_database() {
        assert!(is_url("postgres://db/sprout") && is_url("postgresql:///sprout"));
        assert!(!is_url("/var/lib/sprout") && !is_url("postgres"));
    }
}
