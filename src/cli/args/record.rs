//! What `sprout record` takes: the kinds of event an operator records, with their notes and results.

use clap::{Args, Subcommand, ValueEnum};

use crate::model::CheckoutResult;

#[derive(Debug, Args)]
pub struct Note {
    /// A note kept with the event.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResultArg {
    Pass,
    Concern,
    Fail,
}

impl From<ResultArg> for CheckoutResult {
    fn from(r: ResultArg) -> Self {
        match r {
            ResultArg::Pass => CheckoutResult::Pass,
            ResultArg::Concern => CheckoutResult::Concern,
            ResultArg::Fail => CheckoutResult::Fail,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Record {
    /// A service pack installed on a server (default: the rollout's target).
    Install {
        server: String,
        /// Product id from catalog.ron (default: the rollout's product).
        #[arg(long)]
        product: Option<String>,
        /// Service-pack level (default: the rollout's target).
        #[arg(long)]
        level: Option<u8>,
        /// What winver showed, if the install was verified.
        #[arg(long, value_name = "TEXT")]
        verified: Option<String>,
    },
    /// Verification of an installed service pack (what winver showed).
    Verify {
        server: String,
        winver: String,
        #[arg(long)]
        product: Option<String>,
        #[arg(long)]
        level: Option<u8>,
    },
    /// A full backup of the server, confirmed before an install.
    Backup {
        server: String,
        #[command(flatten)]
        note: Note,
    },
    /// A checkout of a soaking server: pass, concern or fail.
    Checkout {
        server: String,
        #[arg(value_enum)]
        result: ResultArg,
        #[command(flatten)]
        note: Note,
    },
    /// A group's sign-off for a phase (default: the current phase).
    Signoff {
        group: String,
        #[arg(long)]
        phase: Option<String>,
        #[command(flatten)]
        note: Note,
    },
    /// Extend a phase's soak window (default: the current phase).
    Extend {
        days: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        phase: Option<String>,
    },
    /// Exclude a server from the rollout.
    Exclude {
        server: String,
        #[arg(long)]
        reason: String,
    },
    /// Back out a failed install: the server returns to its previous level.
    Backout {
        server: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        product: Option<String>,
    },
    /// A hot fix applied to a server.
    Hotfix { server: String, hot_fix: String },
    /// Override a server's derived upgrade priority (with team.ron: ask the approvers for it).
    Priority {
        server: String,
        /// 1 (as soon as possible), 2 or 3 (last).
        priority: u8,
        /// Why the derived priority is wrong for this server.
        #[arg(long)]
        reason: String,
        /// Who approved it (without team.ron).
        #[arg(long, value_name = "NAME")]
        approver: Option<String>,
    },
}
