//! Who is trusted to sign events: the keys of an `allowed_signers` file (git's format), read
//! from outside the data directory, and whether a directory requires every event signed.

use ssh_key::{HashAlg, PublicKey};

/// The SSHSIG namespace of every event signature: a signature made for git, or for anything
/// else, never passes for an event.
pub const NAMESPACE: &str = "sprout-event";

/// One key line: the operators it may sign for and where it was listed.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub operators: Vec<String>,
    pub key: PublicKey,
    /// `SHA256:...`, as lines carry it.
    pub fingerprint: String,
    /// `file:line`, or `journal event N` for a key added by a key change, for messages.
    pub listed_at: String,
    /// The key signs events after this sequence number: 0 for the trust root's keys, the
    /// key change's own sequence for a key added in the journal.
    pub since: u64,
    /// The sequence of the key change that revoked it: it signs nothing after that.
    pub revoked: Option<u64>,
}

impl TrustedKey {
    /// Whether it may sign the event with sequence `seq`.
    pub fn signs_at(&self, seq: u64) -> bool {
        seq > self.since && self.revoked.is_none_or(|r| seq <= r)
    }
}

/// The trust of one reader for one data directory.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub keys: Vec<TrustedKey>,
    /// Every event must be signed (a `require_signatures` file names this directory)...
    pub required: bool,
    /// ...from this sequence on (`PATH from N`: a directory that adopted signatures midway;
    /// 0, from the start).
    pub required_from: u64,
    /// The files read, for messages ("listed in ...").
    pub files: Vec<String>,
    /// Who may change keys and sign checkpoints, named outside the data directory (an
    /// `approvers` file); `None`: the approvers of team.ron, which the directory's writers can
    /// edit (docs/reliability.md, "Key changes").
    pub approvers: Option<Vec<String>>,
}

impl Trust {
    /// Whether the event with sequence `seq` must be signed.
    pub fn requires(&self, seq: u64) -> bool {
        self.required && seq >= self.required_from
    }

    /// Whether `operator` may change keys and sign checkpoints: named in the trust root's
    /// `approvers` file where there is one, else among team.ron's approvers.
    pub fn may_approve(&self, team: Option<&crate::model::Team>, operator: &str) -> bool {
        match &self.approvers {
            Some(names) => names.iter().any(|a| a == operator),
            None => team.is_some_and(|t| t.may_approve(operator)),
        }
    }

    /// Who they are, for messages.
    pub fn approvers_named(&self, team: Option<&crate::model::Team>) -> String {
        match (&self.approvers, team) {
            (Some(names), _) => format!("the approvers file outside the data directory names {}", names.join(", ")),
            (None, Some(t)) => format!("the approvers in team.ron are {}", t.approvers.join(", ")),
            (None, None) => "there is no team.ron naming approvers".to_string(),
        }
    }

    /// The keys listed for `operator`.
    pub fn keys_of<'a>(&'a self, operator: &'a str) -> impl Iterator<Item = &'a TrustedKey> + 'a {
        self.keys.iter().filter(move |k| k.operators.iter().any(|o| o == operator))
    }

    /// The key lines with this fingerprint.
    pub fn by_fingerprint<'a>(&'a self, fingerprint: &'a str) -> impl Iterator<Item = &'a TrustedKey> + 'a {
        self.keys.iter().filter(move |k| k.fingerprint == fingerprint)
    }

    /// A key change's effect: `key` (an OpenSSH public key line) signs for `operator` after
    /// sequence `seq`. Returns the key's fingerprint.
    pub fn add_key(&mut self, operator: &str, key: &str, seq: u64) -> Result<String, String> {
        let key = PublicKey::from_openssh(key.trim()).map_err(|e| format!("not an SSH public key ({e})"))?;
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        self.keys.push(TrustedKey {
            operators: vec![operator.to_string()],
            key,
            fingerprint: fingerprint.clone(),
            listed_at: format!("journal event {seq}"),
            since: seq,
            revoked: None,
        });
        Ok(fingerprint)
    }

    /// A key change's effect: `operator`'s key `fingerprint` signs nothing after sequence `seq`
    /// (for the other operators a shared key line names, it still does). An error when no key
    /// with that fingerprint signs for `operator` at `seq`.
    pub fn revoke(&mut self, operator: &str, fingerprint: &str, seq: u64) -> Result<(), String> {
        let mut found = false;
        let mut split = Vec::new();
        for k in &mut self.keys {
            if k.fingerprint != fingerprint || !k.operators.iter().any(|o| o == operator) || !k.signs_at(seq) {
                continue;
            }
            found = true;
            if k.operators.len() == 1 {
                k.revoked = Some(seq);
            } else {
                k.operators.retain(|o| o != operator);
                split.push(TrustedKey { operators: vec![operator.to_string()], revoked: Some(seq), ..k.clone() });
            }
        }
        self.keys.extend(split);
        if found { Ok(()) } else { Err(format!("{operator} has no trusted key {fingerprint} to revoke")) }
    }

    /// Add the keys of one `allowed_signers` text (`file` names it in messages). The format is
    /// git's: `operator[,operator...] [namespaces="sprout-event"] ssh-ed25519 AAAA... [comment]`;
    /// `#` starts a comment line. A key whose `namespaces` leave out `sprout-event` is not
    /// trusted for events. Patterns, `cert-authority` and validity windows are refused, not
    /// silently widened or ignored.
    pub fn add_allowed_signers(&mut self, text: &str, file: &str) -> Result<(), String> {
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{file}:{}", n + 1);
            let (operators, rest) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("{at}: a key line is `operator ssh-ed25519 AAAA...`; this one has no key"))?;
            let operators: Vec<String> = operators.split(',').map(str::to_string).collect();
            if operators.iter().any(|o| o.is_empty() || o.contains(['*', '?', '!'])) {
                return Err(format!("{at}: name each operator (their account name); patterns are not supported"));
            }
            let (options, key) = split_options(rest.trim_start());
            let mut for_events = true;
            if let Some(options) = options {
                for option in split_unquoted(options) {
                    match option.split_once('=') {
                        Some((name, value)) if name.eq_ignore_ascii_case("namespaces") => {
                            let value = value.trim_matches('"');
                            for_events = value.split(',').any(|ns| ns.trim() == NAMESPACE);
                        }
                        _ => {
                            return Err(format!(
                                "{at}: option `{option}` is not supported here; only namespaces=\"{NAMESPACE}\""
                            ));
                        }
                    }
                }
            }
            let key = PublicKey::from_openssh(key).map_err(|e| format!("{at}: not an SSH public key ({e})"))?;
            if for_events {
                let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
                self.keys.push(TrustedKey { operators, key, fingerprint, listed_at: at, since: 0, revoked: None });
            }
        }
        self.files.push(file.to_string());
        Ok(())
    }
}

/// The options before the key, if any: a key starts with its type (`ssh-`, `ecdsa-`, `sk-`).
fn split_options(rest: &str) -> (Option<&str>, &str) {
    if ["ssh-", "ecdsa-", "sk-"].iter().any(|t| rest.starts_with(t)) {
        return (None, rest);
    }
    let mut quoted = false;
    for (i, c) in rest.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (Some(&rest[..i]), rest[i..].trim_start()),
            _ => {}
        }
    }
    (Some(rest), "")
}

/// Comma-separated options, commas inside quotes kept.
fn split_unquoted(options: &str) -> Vec<&str> {
    let (mut out, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in options.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&options[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&options[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHu4E0KqTwyG3uDaRSF6OiU3UWa7xMAxkgjxbPlyXtiH a@host";

    #[test]
    fn git_style_lines_are_read_and_other_namespaces_left_out() {
        let mut trust = Trust::default();
        let text = format!(
            "# team keys\nmtracy,mfinger namespaces=\"git,sprout-event\" {KEY}\njsmith {KEY}\nkcho namespaces=\"git\" {KEY}\n"
        );
        trust.add_allowed_signers(&text, "allowed_signers").expect("read");
        assert_eq!(trust.keys.len(), 2);
        assert_eq!(trust.keys_of("mfinger").count(), 1);
        assert_eq!(trust.keys_of("kcho").count(), 0, "a key for git only signs no event");
        assert!(trust.keys[0].fingerprint.starts_with("SHA256:"));
        assert_eq!(trust.keys[1].listed_at, "allowed_signers:3");
    }

    #[test]
    fn patterns_and_unknown_options_are_refused_at_their_line() {
        let mut trust = Trust::default();
        let err = trust.add_allowed_signers(&format!("\n*@corp {KEY}\n"), "f").expect_err("pattern");
        assert!(err.starts_with("f:2: "), "{err}");
        let err = trust.add_allowed_signers(&format!("a cert-authority {KEY}\n"), "f").expect_err("option");
        assert!(err.contains("cert-authority"), "{err}");
        let err = trust.add_allowed_signers("a ssh-ed25519 AAAA\n", "f").expect_err("key");
        assert!(err.contains("not an SSH public key"), "{err}");
    }

    #[test]
    fn a_key_signs_only_inside_its_window_of_sequences() {
        let mut trust = Trust::default();
        trust.add_allowed_signers(&format!("alice,bob {KEY}\n"), "f").expect("read");
        let fingerprint = trust.keys[0].fingerprint.clone();
        trust.revoke("alice", &fingerprint, 10).expect("revoke");
        let alice: Vec<_> = trust.keys_of("alice").collect();
        assert_eq!(alice.len(), 1);
        assert!(alice[0].signs_at(10) && !alice[0].signs_at(11), "revoked after event 10, not before");
        assert!(trust.keys_of("bob").all(|k| k.signs_at(11)), "the shared line still signs for bob");
        let err = trust.revoke("alice", &fingerprint, 12).expect_err("already revoked");
        assert!(err.contains("alice has no trusted key"), "{err}");
        trust.add_key("alice", KEY, 20).expect("added again");
        assert!(trust.keys_of("alice").any(|k| k.signs_at(21)) && !trust.keys_of("alice").any(|k| k.signs_at(15)));
        assert!(trust.add_key("carol", "ssh-ed25519 AAAA", 21).is_err(), "not a key");
    }
}
