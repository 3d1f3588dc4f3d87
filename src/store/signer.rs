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

/// The signer for `operator`: the first key in the agent (`$SSH_AUTH_SOCK`) that `trust` lists
/// for them. `Ok(None)` when there is none and signatures are not required; when they are, the
/// error says what to do.
pub fn for_operator(trust: &Trust, operator: &str) -> Result<Option<Signer>, String> {
    let found = find(trust, operator);
    match found {
        Ok(signer) => Ok(Some(signer)),
        Err(_) if !trust.required => Ok(None),
        Err(why) => Err(format!(
            "this data directory requires every event signed, and {why}. Load your key into your agent \
             (`ssh-add ~/.ssh/id_ed25519`), or forward your agent when you log in (`ssh -A`); the key must be \
             listed for {operator} in an allowed_signers file ({})",
            if trust.files.is_empty() { "none was found".to_string() } else { trust.files.join(", ") }
        )),
    }
}

fn find(trust: &Trust, operator: &str) -> Result<Signer, String> {
    let socket = std::env::var_os("SSH_AUTH_SOCK")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .ok_or("no ssh-agent is reachable (SSH_AUTH_SOCK is not set)")?;
    let mut agent =
        Client::connect(&socket).map_err(|e| format!("the ssh-agent at {} does not answer ({e})", socket.display()))?;
    let held = agent.list_all_identities().map_err(|e| format!("the ssh-agent would not list its keys ({e})"))?;
    for identity in held {
        let ssh_agent_client_rs::Identity::PublicKey(key) = identity else { continue };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        if trust.keys_of(operator).any(|k| k.fingerprint == fingerprint) {
            return Ok(Signer { agent, key: key.into_owned(), fingerprint });
        }
    }
    Err(format!("your ssh-agent holds no key listed for {operator}"))
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
