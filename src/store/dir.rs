//! Loading a data directory: the four files, parsed with located errors.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::model::Data;
use crate::rules;

use super::journal;
use super::parse::{self, MAX_FILE_BYTES};

#[derive(Debug, Clone)]
pub struct Loaded {
    pub dir: PathBuf,
    pub data: Data,
    /// A torn last journal line: (line number, byte offset, what was wrong).
    pub torn: Option<(usize, usize, parse::Located)>,
    /// The files' size and mtime, taken before reading: a later change always differs from it.
    pub stamp: Vec<Option<(u64, std::time::SystemTime)>>,
}

impl Loaded {
    pub fn warnings(&self) -> Vec<String> {
        self.torn
            .iter()
            .map(|(line, _, e)| {
                format!("warning: journal.ron:{line}: the last line is incomplete (a crash mid-write?) and is ignored; the next record moves it to journal.ron.broken ({})", e.message)
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

pub(crate) fn read(path: &Path) -> Result<Option<String>, String> {
    let shown = path.display();
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{shown}: {e}")),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Err(format!("{shown}: {} bytes is larger than the {MAX_FILE_BYTES}-byte limit", m.len()));
        }
        Ok(_) => {}
    }
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            format!("{shown}:{line}:{col}: not UTF-8 text (a damaged byte?); restore the file from backup")
        }),
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

fn parse_file<T: DeserializeOwned + Default>(
    dir: &Path,
    name: &str,
    required: bool,
    errors: &mut Vec<String>,
) -> (T, String) {
    match read(&dir.join(name)) {
        Ok(Some(text)) => match parse::ron::<T>(name, &text, 1) {
            Ok(v) => (v, text),
            Err(e) => {
                errors.push(format!("{}: {}", dir.join(format!("{name}:{}:{}", e.line, e.col)).display(), e.message));
                (T::default(), text)
            }
        },
        Ok(None) if required => {
            errors.push(format!(
                "{}: not found; `sprout init {}` writes the sample there to start from",
                dir.join(name).display(),
                dir.display()
            ));
            (T::default(), String::new())
        }
        Ok(None) => (T::default(), String::new()),
        Err(e) => {
            errors.push(e);
            (T::default(), String::new())
        }
    }
}

/// The files' texts, kept by `check` to locate cross-reference problems.
#[derive(Debug, Default)]
pub struct Sources {
    pub catalog: String,
    pub fleet: String,
    pub rollout: String,
}

fn load_inner(dir: &Path) -> (Result<Loaded, Vec<String>>, Sources) {
    let stamp = stamp(dir);
    let mut errors = Vec::new();
    let (catalog, c) = parse_file(dir, super::CATALOG, true, &mut errors);
    let (fleet, f) = parse_file(dir, super::FLEET, true, &mut errors);
    let (plan, r) = parse_file(dir, super::ROLLOUT, true, &mut errors);
    let sources = Sources { catalog: c, fleet: f, rollout: r };
    let (team, _) = parse_file::<Option<crate::model::Team>>(dir, super::TEAM, false, &mut errors);
    let mut parsed = journal::Parsed::default();
    match read(&dir.join(super::JOURNAL)) {
        Ok(Some(text)) => match journal::parse(&text) {
            Ok(p) => parsed = p,
            Err(e) => errors.push(format!(
                "{}: {}",
                dir.join(format!("{}:{}:{}", e.file, e.line, e.col)).display(),
                e.message
            )),
        },
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if !errors.is_empty() {
        return (Err(errors), sources);
    }
    let data = Data { catalog, fleet, plan, journal: parsed.entries, team };
    (Ok(Loaded { dir: dir.to_path_buf(), data, torn: parsed.torn, stamp }), sources)
}

pub fn load(dir: &Path) -> Result<Loaded, LoadError> {
    load_inner(dir).0.map_err(LoadError::Invalid)
}

/// `sprout check`: every syntax and cross-reference problem, each located.
pub fn check(dir: &Path, now: DateTime<Utc>) -> Result<Loaded, Vec<String>> {
    let (loaded, sources) = load_inner(dir);
    let loaded = loaded?;
    let problems = rules::check::check(&loaded.data, now);
    if problems.is_empty() {
        return Ok(loaded);
    }
    Err(problems
        .into_iter()
        .map(|p| {
            let text = match p.file {
                super::CATALOG => &sources.catalog,
                super::FLEET => &sources.fleet,
                super::ROLLOUT => &sources.rollout,
                _ => "",
            };
            let (line, col) = p
                .line
                .map(|l| (l, 1))
                .or_else(|| p.near.as_deref().and_then(|n| parse::locate(text, n, p.last)))
                .unwrap_or((1, 1));
            format!("{}: {}", dir.join(format!("{}:{line}:{col}", p.file)).display(), p.message)
        })
        .collect())
}

/// Size and modification time of the four files: a cheap "did anything change" check.
pub fn stamp(dir: &Path) -> Vec<Option<(u64, std::time::SystemTime)>> {
    [super::CATALOG, super::FLEET, super::ROLLOUT, super::JOURNAL]
        .iter()
        .map(|name| fs::metadata(dir.join(name)).ok().and_then(|m| Some((m.len(), m.modified().ok()?))))
        .collect()
}
