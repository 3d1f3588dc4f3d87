//! The fleet filter: terms parsed once per keystroke, matched against compact per-server facts
//! (bit flags, role and site ids, and the shared buffer of lower-case names) built once per change.

use crate::model::{Environment, Rating};
use crate::rules::{Compliance, ServerRow};
use crate::views::Names;

use super::words::Words;
use super::words::{FLAG_PHASES, SOAK_WORDS};

/// A parsed filter: every term must match.
pub(super) struct Filter {
    terms: Vec<(Term, Option<(WordHits, u32)>)>,
}

impl Filter {
    pub(super) fn new(text: &str, words: &Words, names: &Names) -> Filter {
        let terms = text
            .to_lowercase()
            .split_whitespace()
            .map(|t| {
                let term = Term::parse(t);
                let hits = match &term {
                    Term::Word(w) => Some(WordHits::new(w, words, names)),
                    Term::Field(field, value) => WordHits::field(field, value, words, names),
                    _ => None,
                };
                (
                    term,
                    hits.map(|h| {
                        let mask = h.mask();
                        (h, mask)
                    }),
                )
            })
            .collect();
        Filter { terms }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Server `i` passes: the one-server reference `fill` is tested against.
    #[cfg(test)]
    pub(super) fn passes(&self, i: usize, rows: &[ServerRow], words: &Words) -> bool {
        self.terms.iter().all(|(t, h)| t.matches(i, rows, h.as_ref(), words))
    }

    /// Which of the servers from `64 * first` on (64 to a word of `out`) pass: a bit each. Each
    /// term goes over all of them in turn, its facts read front to back; a word's lookups run
    /// in a loop of their own, with no term to tell apart at each server.
    pub(super) fn fill(&self, first: usize, out: &mut [u64], rows: &[ServerRow], words: &Words) {
        let from = first * 64;
        let to = (from + out.len() * 64).min(rows.len());
        out.fill(!0);
        let mut term = vec![0; out.len()];
        for (t, hits) in &self.terms {
            match hits {
                Some((h, mask)) if h.phase.len() <= FLAG_PHASES => h.fill(from, to, words, *mask, &mut term),
                _ => {
                    for (k, slot) in term.iter_mut().enumerate() {
                        let base = from + k * 64;
                        let mut bits = 0;
                        for i in base..(base + 64).min(to) {
                            bits |= u64::from(t.matches(i, rows, hits.as_ref(), words)) << (i - base);
                        }
                        *slot = bits;
                    }
                }
            }
            for (o, t) in out.iter_mut().zip(&term) {
                *o &= t;
            }
        }
    }
}

/// One filter term, parsed once per keystroke: `behind>=2`, `priority=1`, `tier=high`,
/// `without=high`, or a word matched against the server's words.
enum Term {
    Behind(Cmp, u8),
    Priority(Cmp, u8),
    Tier(Rating),
    Without(Rating),
    Word(String),
    /// `field:value`: the value in that field only (`role:mailbox`, `site:bos`, `env:lab`,
    /// `status:overdue`, `name:bos-ims`, `phase:local`).
    Field(String, String),
    /// A comparison that cannot match (an unknown value): nothing passes.
    Never,
}

#[derive(Clone, Copy)]
enum Cmp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
}

impl Cmp {
    fn test(self, a: u8, b: u8) -> bool {
        match self {
            Cmp::Ge => a >= b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Lt => a < b,
            Cmp::Eq => a == b,
        }
    }
}

impl Term {
    fn parse(term: &str) -> Term {
        if let Some((field, value)) = term.split_once(':')
            && matches!(field, "name" | "role" | "site" | "env" | "environment" | "status" | "phase")
        {
            return Term::Field(field.to_string(), value.to_string());
        }
        let rating = |s: &str| Rating::ALL.into_iter().find(|r| r.label().to_lowercase().starts_with(s));
        for (op, cmp) in [(">=", Cmp::Ge), ("<=", Cmp::Le), (">", Cmp::Gt), ("<", Cmp::Lt), ("=", Cmp::Eq)] {
            let Some((key, value)) = term.split_once(op) else { continue };
            let num = value.parse::<u8>().ok();
            return match (key, num) {
                ("behind", Some(v)) => Term::Behind(cmp, v),
                ("priority", Some(v)) => Term::Priority(cmp, v),
                ("tier", _) => rating(value).map_or(Term::Never, Term::Tier),
                ("without", _) => rating(value).map_or(Term::Never, Term::Without),
                ("behind" | "priority", None) => Term::Never,
                _ => Term::Word(term.to_string()),
            };
        }
        Term::Word(term.to_string())
    }

    /// Server `i` passes. A word looks only at the compact per-server arrays, not the rows.
    fn matches(&self, i: usize, rows: &[ServerRow], word: Option<&(WordHits, u32)>, words: &Words) -> bool {
        match self {
            Term::Behind(c, v) => c.test(rows[i].behind, *v),
            Term::Priority(c, v) => rows[i].priority.is_some_and(|p| c.test(p, *v)),
            Term::Tier(t) => rows[i].tier() == Some(*t),
            Term::Without(w) => rows[i].ratings.as_ref().is_some_and(|r| r.without_sp == *w),
            Term::Word(_) | Term::Field(..) => word.is_some_and(|(h, mask)| h.matches(i, rows, words, *mask)),
            Term::Never => false,
        }
    }
}

/// Which values one filter word matches.
struct WordHits {
    name: Vec<bool>,
    role: Vec<bool>,
    site: Vec<bool>,
    phase: Vec<bool>,
    environment: [bool; 3],
    compliance: [bool; 4],
    soak: [bool; 8],
    violation: bool,
    ready: bool,
    blocked: bool,
    remote: bool,
}

impl WordHits {
    /// Matches nothing; a field's hits are set on it.
    fn none(words: &Words) -> WordHits {
        WordHits {
            name: Vec::new(),
            role: vec![false; words.roles.len()],
            site: vec![false; words.sites.len()],
            phase: vec![false; words.phases.len()],
            environment: [false; 3],
            compliance: [false; 4],
            soak: [false; 8],
            violation: false,
            ready: false,
            blocked: false,
            remote: false,
        }
    }

    /// A word that names a value exactly (a role's id or name, a site, an environment, a status
    /// word, `remote`) means that value only: `/BOS mailbox` is the Mailbox servers at BOS, not
    /// every server whose phase's name holds "mailbox". `None` when it names none exactly.
    fn exact(w: &str, words: &Words) -> Option<WordHits> {
        let mut h = WordHits::none(words);
        h.role = roles_named(w, words);
        h.site = words.sites.iter().map(|s| s == w).collect();
        h.environment = environments_named(w);
        h.soak = SOAK_WORDS.map(|s| s == w);
        h.violation = w == "violation";
        h.ready = w == "hotfix-ready";
        h.blocked = w == "hotfix-blocked";
        h.remote = w == "remote";
        let any = h.role.contains(&true)
            || h.site.contains(&true)
            || h.environment.contains(&true)
            || h.soak.contains(&true)
            || h.violation
            || h.ready
            || h.blocked
            || h.remote;
        any.then_some(h)
    }

    /// `field:value`: that field only, exactly (a name or phase: containing the value).
    fn field(field: &str, value: &str, words: &Words, names: &Names) -> Option<WordHits> {
        let mut h = WordHits::none(words);
        match field {
            "name" => h.name = names.hits(value),
            "role" => h.role = roles_named(value, words),
            "site" => h.site = words.sites.iter().map(|s| s == value).collect(),
            "env" | "environment" => h.environment = environments_named(value),
            "status" => h.soak = SOAK_WORDS.map(|s| s == value),
            "phase" => h.phase = words.phases.iter().map(|p| p.contains(value)).collect(),
            _ => return None,
        }
        Some(h)
    }

    fn new(w: &str, words: &Words, names: &Names) -> WordHits {
        if let Some(exact) = WordHits::exact(w, words) {
            return exact;
        }
        let has = |s: &str| s.contains(w);
        let name = names.hits(w);
        let envs = [Environment::Lab, Environment::TestInProduction, Environment::Production];
        let levels = [Compliance::Current, Compliance::Behind, Compliance::AtLimit, Compliance::Violation];
        WordHits {
            name,
            role: words.roles.iter().map(|r| has(r)).collect(),
            site: words.sites.iter().map(|r| has(r)).collect(),
            phase: words.phases.iter().map(|r| has(r)).collect(),
            environment: envs.map(|e| has(e.label())),
            compliance: levels.map(|c| has(&c.label().to_lowercase())),
            soak: SOAK_WORDS.map(has),
            violation: has("violation"),
            ready: has("hotfix-ready"),
            blocked: has("hotfix-blocked"),
            remote: false,
        }
    }

    /// `matches` for the servers `from..to`, a bit each into `out` (64 to a word), where every
    /// phase the word can match has a bit in `flags`.
    fn fill(&self, from: usize, to: usize, words: &Words, mask: u32, out: &mut [u64]) {
        let at = |v: &[bool], k: usize| v.get(k).copied().unwrap_or(false);
        fn part(v: &[bool], from: usize, to: usize) -> &[bool] {
            v.get(from..to).unwrap_or(&[])
        }
        let (flags, role, site) = (
            words.flags.get(from..to).unwrap_or(&[]),
            words.role.get(from..to).unwrap_or(&[]),
            words.site.get(from..to).unwrap_or(&[]),
        );
        let (name, remote) = (part(&self.name, from, to), part(&words.remote, from, to));
        for (k, slot) in out.iter_mut().enumerate() {
            let mut bits = 0;
            for j in k * 64..((k + 1) * 64).min(to.saturating_sub(from)) {
                let hit = flags.get(j).is_some_and(|f| f & mask != 0)
                    | at(name, j)
                    | role.get(j).is_some_and(|&r| at(&self.role, usize::from(r)))
                    | site.get(j).is_some_and(|&s| at(&self.site, s as usize))
                    | (self.remote & at(remote, j));
                bits |= u64::from(hit) << (j % 64);
            }
            *slot = bits;
        }
    }

    /// The bits of `flags` this word matches.
    fn mask(&self) -> u32 {
        let mut m = 0;
        for (k, hit) in self.environment.iter().enumerate() {
            m |= u32::from(*hit) << k;
        }
        for (k, hit) in self.compliance.iter().enumerate() {
            m |= u32::from(*hit) << (3 + k);
        }
        for (k, hit) in self.soak.iter().enumerate() {
            m |= u32::from(*hit) << (7 + k);
        }
        m |= u32::from(self.violation) << 15 | u32::from(self.ready) << 16 | u32::from(self.blocked) << 17;
        for (p, hit) in self.phase.iter().enumerate().take(FLAG_PHASES) {
            m |= u32::from(*hit) << (18 + p);
        }
        m
    }

    /// Every part looked up and or-ed without a branch between them: which part matches is a
    /// coin toss to the CPU, and a mispredicted branch costs more than the lookups.
    fn matches(&self, i: usize, rows: &[ServerRow], words: &Words, mask: u32) -> bool {
        let at = |v: &[bool], k: usize| v.get(k).copied().unwrap_or(false);
        let flags = words.flags.get(i).is_some_and(|f| f & mask != 0);
        let role = words.role.get(i).is_some_and(|&r| at(&self.role, usize::from(r)));
        let site = words.site.get(i).is_some_and(|&s| at(&self.site, s as usize));
        let hit = flags | at(&self.name, i) | role | site | (self.remote & at(&words.remote, i));
        hit || (self.phase.len() > FLAG_PHASES && rows[i].phase.is_some_and(|p| p >= FLAG_PHASES && at(&self.phase, p)))
    }
}

/// The environments `word` names exactly ("lab", "test in production", "TestInProduction").
fn environments_named(word: &str) -> [bool; 3] {
    let envs = [Environment::Lab, Environment::TestInProduction, Environment::Production];
    envs.map(|e| e.label() == word || format!("{e:?}").eq_ignore_ascii_case(word))
}

/// The roles `word` names exactly, by id or by name.
fn roles_named(word: &str, words: &Words) -> Vec<bool> {
    words.role_words.iter().map(|(id, name)| id == word || name == word).collect()
}
