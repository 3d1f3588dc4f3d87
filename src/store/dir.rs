//! Loading a data directory: the four files, parsed with located errors.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use serde::{Deserialize, Serialize};

use crate::model::Data;
use crate::rules::{self, State};

use super::journal;
use super::parse::{self, MAX_FILE_BYTES};

/// A loaded data directory: the files, the state the journal replays to, and where in the
/// journal that state stands, so later reads take only what was appended.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub dir: PathBuf,
    pub data: Data,
    pub state: State,
    /// A torn last journal line: (line number, byte offset, what was wrong).
    pub torn: Option<journal::Torn>,
    /// The files' identities, taken before reading: a later change always differs from it.
    pub stamp: Stamp,
    /// The journal's identity when `data.journal` was last brought up to date.
    pub journal_at: Option<FileId>,
    /// The journal's generation (see `cache`): tails are read only within one generation.
    pub generation: Option<u64>,
    /// How this state was obtained, for the start-up figures and the tests.
    pub source: Source,
    /// The key of the small files' contents, for writing the cache.
    pub(crate) small: String,
    /// Bumped each time the state is replaced by a fresh load: journal positions seen in an
    /// older epoch may mean other events now.
    pub epoch: u64,
}

/// Where a load's state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Every file parsed and the whole journal replayed.
    Full,
    /// The derived-state cache, plus this many events appended since it was written.
    Cache { tail: usize },
}

/// A file's identity. Any change through any tool changes at least one of these: the kernel
/// sets `ctime` on every write and no tool can set it back (`touch` sets only `mtime`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    pub len: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

impl FileId {
    pub fn of(path: &Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(path).ok()?;
        Some(FileId {
            len: m.len(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000).saturating_add(m.mtime_nsec()),
            ctime_ns: m.ctime().saturating_mul(1_000_000_000).saturating_add(m.ctime_nsec()),
            ino: m.ino(),
            dev: m.dev(),
        })
    }
}

/// The identities of the data files, in `FILES` order.
pub type Stamp = Vec<Option<FileId>>;

/// The files a load reads, in the order of `Stamp`.
pub const FILES: [&str; 5] = [super::CATALOG, super::FLEET, super::ROLLOUT, super::TEAM, super::JOURNAL];

impl Loaded {
    pub fn warnings(&self) -> Vec<String> {
        self.torn
            .iter()
            .map(|(line, _, e)| {
                format!("warning: journal.ron:{line}: the last line is incomplete (a crash mid-write?) and is ignored; the next record moves it to journal.ron.broken ({})", e.message)
            })
            .collect()
    }

    /// Take `fresh` (a new load of the same directory) in place of this state.
    pub fn replace_with(&mut self, fresh: Loaded) {
        let epoch = self.epoch + 1;
        *self = fresh;
        self.epoch = epoch;
    }

    /// The events at `positions`, read from the journal file.
    pub fn entries(&self, positions: &[usize]) -> Result<Vec<crate::model::Entry>, String> {
        journal::read_at(&self.dir.join(super::JOURNAL), &self.data.journal, positions)
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

/// The small files, parsed on every load (they are a few kilobytes) and hashed, so the
/// cache is keyed by their exact contents.
struct Small {
    catalog: crate::model::Catalog,
    plan: crate::model::RolloutPlan,
    team: Option<crate::model::Team>,
    hash: String,
    texts: (String, String),
}

fn small(dir: &Path, errors: &mut Vec<String>) -> Small {
    let (catalog, c) = parse_file(dir, super::CATALOG, true, errors);
    let (plan, r) = parse_file(dir, super::ROLLOUT, true, errors);
    let (team, t) = parse_file::<Option<crate::model::Team>>(dir, super::TEAM, false, errors);
    let mut h = blake3::Hasher::new();
    for text in [&c, &r, &t] {
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    Small { catalog, plan, team, hash: h.finalize().to_hex().to_string(), texts: (c, r) }
}

/// Parse everything and replay the whole journal, streaming it: `each` sees every event.
fn load_full(
    dir: &Path,
    stamp: Stamp,
    mut each: impl FnMut(usize, &crate::model::Entry, &Data, &State),
) -> (Result<Loaded, Vec<String>>, Sources) {
    let mut errors = Vec::new();
    let Small { catalog, plan, team, hash: _, texts: (c, r) } = small(dir, &mut errors);
    let (fleet, f) = parse_file(dir, super::FLEET, true, &mut errors);
    let sources = Sources { catalog: c, fleet: f, rollout: r };
    if !errors.is_empty() {
        return (Err(errors), sources);
    }
    let mut data = Data { catalog, fleet, plan, journal: Default::default(), team };
    let mut state = State::new(&data);
    let path = dir.join(super::JOURNAL);
    let journal_at = stamp[4];
    let mut torn = None;
    if let Some(id) = journal_at {
        match open_at(&path, 0, id.len) {
            Err(e) => errors.push(e),
            Ok(reader) => {
                let scanned = journal::scan(reader, journal::Start::default(), |e, begin, end, line| {
                    let pos = data.journal.len();
                    let server = state.apply(&data, pos, &e);
                    data.journal.push(&e, begin, end, server);
                    each(line, &e, &data, &state);
                });
                match scanned {
                    Ok((end, t)) => {
                        data.journal.line_count = end.lines;
                        torn = t;
                    }
                    Err(e) => errors.push(format!(
                        "{}: {}",
                        dir.join(format!("{}:{}:{}", e.file, e.line, e.col)).display(),
                        e.message
                    )),
                }
            }
        }
    }
    if !errors.is_empty() {
        return (Err(errors), sources);
    }
    let generation = super::cache::generation_for(dir, journal_at);
    let loaded = Loaded {
        dir: dir.to_path_buf(),
        data,
        state,
        torn,
        stamp,
        journal_at,
        generation,
        source: Source::Full,
        small: String::new(),
        epoch: 0,
    };
    (Ok(loaded), sources)
}

/// The journal from byte `from` up to `len` (the length it had when stamped), buffered.
fn open_at(path: &Path, from: u64, len: u64) -> Result<impl std::io::BufRead, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file.take(len.saturating_sub(from))))
}

/// Load a data directory: from the derived-state cache when it provably matches the files
/// (then only journal lines appended since are read), else in full, rewriting the cache.
pub fn load(dir: &Path) -> Result<Loaded, LoadError> {
    let stamp = stamp(dir);
    let mut errors = Vec::new();
    let small = small(dir, &mut errors);
    if errors.is_empty()
        && let Some(loaded) = super::cache::restore(dir, &stamp, &small.hash, || {
            (small.catalog.clone(), small.plan.clone(), small.team.clone())
        })
    {
        if let Source::Cache { tail } = loaded.source
            && tail > super::cache::REWRITE_AFTER
        {
            super::cache::save(&loaded);
        }
        return Ok(loaded);
    }
    let mut loaded = load_full(dir, stamp, |_, _, _, _| {}).0.map_err(LoadError::Invalid)?;
    loaded.small = small.hash;
    super::cache::save(&loaded);
    Ok(loaded)
}

/// What `catch_up` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// The journal is as it was.
    Unchanged,
    /// Events were appended; the first new one is at this position.
    Appended(usize),
    /// Something else changed: everything was read again.
    Reloaded,
}

/// The journal changed in a way a tail read cannot follow: load it in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale;

/// Bring `loaded` up to the journal on disk by reading only the lines appended since, when
/// that is provably all that changed: the journal's identity is the one the last sprout
/// writer left (`.sprout.head`) in the same generation, and it did not shrink. Otherwise
/// `Stale`, and `loaded` is left as it was.
pub fn catch_up(loaded: &mut Loaded) -> Result<CatchUp, Stale> {
    let path = loaded.dir.join(super::JOURNAL);
    let now = FileId::of(&path);
    if now == loaded.journal_at {
        return Ok(CatchUp::Unchanged);
    }
    let id = now.ok_or(Stale)?;
    let from = loaded.data.journal.bytes;
    let same_generation = |id: FileId| {
        super::cache::read_head(&loaded.dir).is_some_and(|h| h.journal == id && Some(h.generation) == loaded.generation)
    };
    if !same_generation(id) || id.len < from {
        return Err(Stale);
    }
    // Read and check the whole tail before applying any of it: a refusal leaves `loaded` as it was.
    let reader = open_at(&path, from, id.len).map_err(|_| Stale)?;
    let mut tail = Vec::new();
    let (end, torn) = journal::scan(reader, journal::Start::after(&loaded.data.journal), |e, begin, end, _| {
        tail.push((e, begin, end))
    })
    .map_err(|_| Stale)?;
    // Whatever happened while reading must also have been sprout's own appends.
    let after = FileId::of(&path).ok_or(Stale)?;
    if after != id && !same_generation(after) {
        return Err(Stale);
    }
    let first = loaded.data.journal.len();
    let Loaded { data, state, .. } = loaded;
    for (e, begin, end) in tail {
        let pos = data.journal.len();
        let server = state.apply(data, pos, &e);
        data.journal.push(&e, begin, end, server);
    }
    data.journal.line_count = end.lines;
    loaded.torn = torn;
    loaded.journal_at = Some(id);
    loaded.stamp[4] = Some(id);
    Ok(if loaded.data.journal.len() > first { CatchUp::Appended(first) } else { CatchUp::Unchanged })
}

/// Reload `loaded` if any file changed: a tail read when only the journal grew by sprout's
/// own appends, else a full load. `None` when nothing changed.
pub fn refresh(loaded: &mut Loaded) -> Result<Option<CatchUp>, LoadError> {
    let now = stamp(&loaded.dir);
    if now == loaded.stamp {
        return Ok(None);
    }
    if now[..4] == loaded.stamp[..4]
        && let Ok(c) = catch_up(loaded)
    {
        return Ok(Some(c));
    }
    match load(&loaded.dir) {
        Ok(fresh) => loaded.replace_with(fresh),
        Err(e) => {
            // Remember what was seen, so a damaged file is reported once, not on every look.
            loaded.stamp = now;
            return Err(e);
        }
    }
    Ok(Some(CatchUp::Reloaded))
}

/// `sprout check`: every syntax and cross-reference problem, each located.
pub fn check(dir: &Path, now: DateTime<Utc>) -> Result<Loaded, Vec<String>> {
    let mut journal = Vec::new();
    let (loaded, sources) =
        load_full(dir, stamp(dir), |line, e, data, state| rules::check::event(data, state, line, e, &mut journal));
    let loaded = loaded?;
    let mut problems = rules::check::check(&loaded.data, &loaded.state, now);
    problems.extend(journal);
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

/// The identities of the data files: a cheap "did anything change" check.
pub fn stamp(dir: &Path) -> Stamp {
    FILES.iter().map(|name| FileId::of(&dir.join(name))).collect()
}
