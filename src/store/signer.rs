//! Signing an event with the operator's own SSH key, held by their ssh-agent (a forwarded one
//! too): sprout never sees the private key. The agent signs the SSHSIG message; the signature
//! is assembled and armored by `ssh-key`, the format `ssh-keygen -Y sign` writes.

use std::path::PathBuf;

use ssh_agent_client_rs::Client;
use ssh_key::{HashAlg, LineEnding, PublicKey, SshSig};

use crate::model::Signature;
use crate::model::trust::{NAMESPACE, Trust};

/// A connection to the agent and the key in it that is listed for the operator.
pub struct Signer {
    agent: Client,
    key: PublicKey,
    fingerprint: String,
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
        Err(_) if !trust.required => Ok(None),
        Err(why) => Err(format!(
            "this data directory requires every event signed, and {why}. Load your key into your agent \
             (`ssh-add ~/.ssh/id_ed25519`), or forward your agent when you log in (`ssh -A`); the key must be \
             listed for {operator} in an allowed_signers file ({})",
            if trust.files.is_empty() { "none was found".to_string() } else { trust.files.join(", ") }
        )),
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

fn find(trust: &Trust, operator: &str, seq: u64) -> Result<Signer, Missing> {
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
            Some(()) => return Ok(Signer { agent, key: key.into_owned(), fingerprint }),
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
        let message = SshSig::signed_data(NAMESPACE, hash, canonical).map_err(|e| e.to_string())?;
        let signature = self
            .agent
            .sign(self.key.clone(), &message)
            .map_err(|e| format!("the ssh-agent refused to sign with {} ({e})", self.fingerprint))?;
        let sig = SshSig::new(self.key.key_data().clone(), NAMESPACE, hash, signature)
            .and_then(|s| s.to_pem(LineEnding::LF))
            .map_err(|e| format!("the ssh-agent's signature is not usable ({e})"))?;
        Ok(Signature { key: self.fingerprint.clone(), sig })
    }
}
