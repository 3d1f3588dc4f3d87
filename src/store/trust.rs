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

/// The trust of this user for the data directory shown as `place` (a path; a store that is
/// not a directory is never required to be signed by a file here).
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
        if let Some((text, _)) = read(&dir.join(REQUIRE_SIGNATURES))? {
            trust.required |= text.lines().map(str::trim).any(|line| {
                line == "*" || (!line.starts_with('#') && here.is_some() && std::fs::canonicalize(line).ok() == here)
            });
        }
    }
    Ok(trust)
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
