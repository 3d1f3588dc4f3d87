//! The trust files, read from outside the data directory so that its writers cannot change
//! them: `allowed_signers` (whose key signs for whom), `require_signatures` (directories
//! whose every event must be signed) and `approvers` (who may change keys and sign checkpoints,
//! one account name a line; without it, team.ron's approvers), in the system directory (`/etc/sprout`, or
//! `$SPROUT_SYSTEM_CONFIG`) and in the operator's own (`~/.config/sprout`, or `$SPROUT_CONFIG`).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::model::trust::Trust;

pub const ALLOWED_SIGNERS: &str = "allowed_signers";
pub const REQUIRE_SIGNATURES: &str = "require_signatures";
pub const APPROVERS: &str = "approvers";

/// The system directory: `$SPROUT_SYSTEM_CONFIG` (tests), else `/etc/sprout`.
pub fn system_dir() -> PathBuf {
    match std::env::var_os("SPROUT_SYSTEM_CONFIG") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from("/etc/sprout"),
    }
}

/// The operator's own directory, where `config::dir` keeps their settings (the store does
/// not reach up into `config`).
fn user_dir() -> Option<PathBuf> {
    match std::env::var_os("SPROUT_CONFIG") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => dirs::config_dir().map(|d| d.join("sprout")),
    }
}

/// The trust of this user for the data directory shown as `place` (a path), or the database
/// (a `postgres://` URL: a `require_signatures` line naming the same database and host counts).
pub fn load(place: &str) -> Result<Trust, String> {
    let mut trust = Trust::default();
    let dirs: Vec<PathBuf> = std::iter::once(system_dir()).chain(user_dir()).collect();
    let here = std::fs::canonicalize(place).ok();
    for dir in &dirs {
        if let Some((text, file)) = read(&dir.join(ALLOWED_SIGNERS))? {
            trust.add_allowed_signers(&text, &file)?;
        }
        if let Some((text, _)) = read(&dir.join(APPROVERS))? {
            let names = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
            trust.approvers.get_or_insert_with(Vec::new).extend(names.map(str::to_string));
        }
        if let Some((text, file)) = read(&dir.join(REQUIRE_SIGNATURES))? {
            for (n, line) in text.lines().enumerate().map(|(n, l)| (n + 1, l.trim())) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                // `PATH from N`: a directory that adopted signatures at its event N.
                let (named, from) = match line.rsplit_once(" from ") {
                    Some((named, n_text)) => {
                        let from = n_text.trim().trim_start_matches('#').parse::<u64>().map_err(|_| {
                            format!("{file}:{n}: `from` takes the event number signatures start at (`PATH from 41`)")
                        })?;
                        (named.trim(), from)
                    }
                    None => (line, 0),
                };
                let names_this = named == "*"
                    || (here.is_some() && std::fs::canonicalize(named).ok() == here)
                    || same_database(named, place);
                if names_this {
                    trust.required_from = if trust.required { trust.required_from.min(from) } else { from };
                    trust.required = true;
                }
            }
        }
    }
    Ok(trust)
}

/// Whether a `require_signatures` line naming a database (`postgres://...`) names the one at
/// `place`: the same database on the same host and port, whoever connects (each operator's URL
/// names their own role).
fn same_database(line: &str, place: &str) -> bool {
    use std::str::FromStr;
    let is_url = |t: &str| t.starts_with("postgres://") || t.starts_with("postgresql://");
    if !is_url(line) || !is_url(place) {
        return false;
    }
    let (Ok(a), Ok(b)) = (postgres::Config::from_str(line), postgres::Config::from_str(place)) else { return false };
    // A URL that names no host or port means the default one (the local socket, 5432).
    let hosts = |c: &postgres::Config| format!("{:?}", c.get_hosts());
    let same_host = a.get_hosts().is_empty() || b.get_hosts().is_empty() || hosts(&a) == hosts(&b);
    let same_port = a.get_ports().is_empty() || b.get_ports().is_empty() || a.get_ports() == b.get_ports();
    a.get_dbname().is_some() && a.get_dbname() == b.get_dbname() && same_host && same_port
}

/// A trust file's text, if it is there. One that others could have written decides nothing: it
/// must belong to root or to this user and be writable by nobody else.
fn read(path: &Path) -> Result<Option<(String, String)>, String> {
    let shown = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    let me = nix::unistd::getuid().as_raw();
    if (meta.uid() != 0 && meta.uid() != me) || meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{shown}: a trust file must belong to root or to you and be writable by nobody else (chmod go-w {shown})"
        ));
    }
    if meta.len() > 1024 * 1024 {
        return Err(format!("{shown}: larger than 1 MiB; is it the right file?"));
    }
    std::fs::read_to_string(path).map(|t| Some((t, shown.clone()))).map_err(|e| format!("{shown}: {e}"))
}
