//! Signing an event with the operator's own SSH key, held by their ssh-agent (a forwarded one
//! too), where sprout never sees the private key; or, like git's `user.signingKey`, a private
//! key file the operator names (`$SPROUT_SIGNING_KEY`, or the file `signing_key` in their own
//! configuration directory holding its path). The SSHSIG signature is assembled and armored by
//! `ssh-key`, the format `ssh-keygen -Y sign` writes.

use std::path::{Path, PathBuf};

use ssh_agent_client_rs::Client;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::model::Signature;
use crate::model::trust::{NAMESPACE, Trust};

/// The key listed for the operator, and what signs with it.
pub struct Signer {
    holder: Holder,
    fingerprint: String,
}

enum Holder {
    /// A connection to the agent and the key in it.
    Agent(Client, PublicKey),
    /// A private key read from the file the operator named.
    File(Box<PrivateKey>),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Signer({})", self.fingerprint)
    }
}

/// The signer for `operator`'s event with sequence `seq`: the first key in the agent
/// (`$SSH_AUTH_SOCK`) that `trust` lists for them and that signs at `seq`. `Ok(None)` when
/// there is none and signatures are not required; when they are, the error says what to do.
/// A key of theirs that a key change revoked is refused either way: it signs nothing after its
/// revocation, and its holder must know.
pub fn for_operator(trust: &Trust, operator: &str, seq: u64) -> Result<Option<Signer>, String> {
    let found = find(trust, operator, seq);
    match found {
        Ok(signer) => Ok(Some(signer)),
        Err(Missing::Revoked(why)) => Err(format!(
            "{why}; load a key trusted for {operator} into your agent, or ask an approver to add your new key \
             (sprout key add {operator} KEY.pub)"
        )),
        Err(_) if !trust.requires(seq) => Ok(None),
        Err(why) => {
            Err(format!("this data directory requires every event signed, and {why}. {}", advice(trust, operator)))
        }
    }
}

/// Why no key signs for `operator`'s event `seq`, with what to do; `None` when one does.
pub fn why_none(trust: &Trust, operator: &str, seq: u64) -> Option<String> {
    find(trust, operator, seq).err().map(|why| format!("{why}. {}", advice(trust, operator)))
}

/// What to do for a key to sign.
fn advice(trust: &Trust, operator: &str) -> String {
    let named = user_dir().map_or("signing_key in your configuration folder".to_string(), |d| {
        crate::safe::visible(&d.join("signing_key").display().to_string()).into_owned()
    });
    format!(
        "Load your key into your agent (`ssh-add ~/.ssh/id_ed25519`), or forward your agent when you log in \
         (`ssh -A`), or name an unencrypted key file (`SPROUT_SIGNING_KEY`, or its path in {named}); the key must \
         be listed for {operator} in an allowed_signers file ({})",
        if trust.files.is_empty() { "none was found".to_string() } else { trust.files.join(", ") }
    )
}

/// The operator's own configuration folder (`$SPROUT_CONFIG`, else `~/.config/sprout`).
fn user_dir() -> Option<PathBuf> {
    match std::env::var_os("SPROUT_CONFIG") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => Some(dirs::config_dir()?.join("sprout")),
    }
}

/// Why no key signs: none there, or only a revoked one.
enum Missing {
    None(String),
    Revoked(String),
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Missing::None(why) | Missing::Revoked(why) => f.write_str(why),
        }
    }
}

/// The agent's key first; where it has none listed for the operator, the key file they named.
fn find(trust: &Trust, operator: &str, seq: u64) -> Result<Signer, Missing> {
    let agent = from_agent(trust, operator, seq);
    let Err(Missing::None(why)) = agent else { return agent };
    match key_file() {
        None => Err(Missing::None(why)),
        Some(path) => from_file(trust, operator, seq, &path).map_err(|e| match e {
            Missing::None(file) => Missing::None(format!("{why}; {file}")),
            revoked => revoked,
        }),
    }
}

/// The private key file the operator named: `$SPROUT_SIGNING_KEY`, else the path written in
/// `signing_key` in their own configuration directory (`~/.config/sprout`, `$SPROUT_CONFIG`).
fn key_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SPROUT_SIGNING_KEY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let text = std::fs::read_to_string(user_dir()?.join("signing_key")).ok()?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let path = match line.strip_prefix("~/") {
        Some(rest) => dirs::home_dir()?.join(rest),
        None => PathBuf::from(line),
    };
    Some(path)
}

/// The key in `path`, if it is the operator's, readable by its owner only (as ssh insists) and
/// not encrypted (sprout asks for no passphrase: an encrypted key belongs in the agent).
fn from_file(trust: &Trust, operator: &str, seq: u64, path: &Path) -> Result<Signer, Missing> {
    use std::os::unix::fs::MetadataExt;
    let shown = crate::safe::visible(&path.display().to_string()).into_owned();
    let meta =
        std::fs::metadata(path).map_err(|e| Missing::None(format!("the signing key {shown} cannot be read ({e})")))?;
    let head = std::fs::read(path).map(|b| b.into_iter().take(64).collect::<Vec<u8>>()).unwrap_or_default();
    if [&b"ssh-"[..], b"ecdsa-", b"sk-"].iter().any(|p| head.starts_with(p)) {
        return Err(Missing::None(format!(
            "the signing key {shown} is a public key: name the private key file (the same name without .pub)"
        )));
    }
    if meta.mode() & 0o077 != 0 || meta.uid() != nix::unistd::geteuid().as_raw() {
        return Err(Missing::None(format!(
            "the signing key {shown} is not yours alone (mode {:o}): `chmod 600` it, as ssh requires",
            meta.mode() & 0o777
        )));
    }
    let key = PrivateKey::read_openssh_file(path)
        .map_err(|e| Missing::None(format!("the signing key {shown} is not an OpenSSH private key ({e})")))?;
    if key.is_encrypted() {
        return Err(Missing::None(format!(
            "the signing key {shown} is encrypted: load it into your agent instead (`ssh-add {shown}`)"
        )));
    }
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    let mut theirs = trust.keys_of(operator).filter(|k| k.fingerprint == fingerprint).peekable();
    if theirs.peek().is_none() {
        return Err(Missing::None(format!("the signing key {shown} ({fingerprint}) is not listed for {operator}")));
    }
    if theirs.any(|k| k.signs_at(seq)) {
        return Ok(Signer { holder: Holder::File(Box::new(key)), fingerprint });
    }
    let at = trust.keys_of(operator).filter(|k| k.fingerprint == fingerprint).find_map(|k| k.revoked);
    Err(Missing::Revoked(format!(
        "your key {fingerprint} for {operator} was revoked{}",
        at.map(|r| format!(" at event {r}")).unwrap_or_default()
    )))
}

fn from_agent(trust: &Trust, operator: &str, seq: u64) -> Result<Signer, Missing> {
    let socket = std::env::var_os("SSH_AUTH_SOCK")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .ok_or(Missing::None("no ssh-agent is reachable (SSH_AUTH_SOCK is not set)".into()))?;
    let mut agent = Client::connect(&socket)
        .map_err(|e| Missing::None(format!("the ssh-agent at {} does not answer ({e})", socket.display())))?;
    let held = agent
        .list_all_identities()
        .map_err(|e| Missing::None(format!("the ssh-agent would not list its keys ({e})")))?;
    let mut revoked = None;
    for identity in held {
        let ssh_agent_client_rs::Identity::PublicKey(key) = identity else { continue };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let mut theirs = trust.keys_of(operator).filter(|k| k.fingerprint == fingerprint).peekable();
        if theirs.peek().is_none() {
            continue;
        }
        match theirs.find(|k| k.signs_at(seq)).map(|_| ()) {
            Some(()) => return Ok(Signer { holder: Holder::Agent(agent, key.into_owned()), fingerprint }),
            None => {
                let at = trust.keys_of(operator).filter(|k| k.fingerprint == fingerprint).find_map(|k| k.revoked);
                if let Some(r) = at {
                    revoked = Some(format!("your key {fingerprint} for {operator} was revoked at event {r}"));
                }
            }
        }
    }
    Err(revoked
        .map_or_else(|| Missing::None(format!("your ssh-agent holds no key listed for {operator}")), Missing::Revoked))
}

impl Signer {
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Sign `canonical` (an entry's canonical bytes) as an SSHSIG in sprout's namespace.
    pub fn sign(&mut self, canonical: &[u8]) -> Result<Signature, String> {
        let hash = HashAlg::Sha512;
        let signed = match &mut self.holder {
            Holder::Agent(agent, key) => {
                let message = SshSig::signed_data(NAMESPACE, hash, canonical).map_err(|e| e.to_string())?;
                let signature = agent
                    .sign(key.clone(), &message)
                    .map_err(|e| format!("the ssh-agent refused to sign with {} ({e})", self.fingerprint))?;
                SshSig::new(key.key_data().clone(), NAMESPACE, hash, signature)
                    .map_err(|e| format!("the ssh-agent's signature is not usable ({e})"))?
            }
            Holder::File(key) => key
                .sign(NAMESPACE, hash, canonical)
                .map_err(|e| format!("the signing key {} would not sign ({e})", self.fingerprint))?,
        };
        let sig = signed.to_pem(LineEnding::LF).map_err(|e| format!("the signature is not usable ({e})"))?;
        Ok(Signature { key: self.fingerprint.clone(), sig })
    }
}
