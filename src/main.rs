//! The `sprout` binary: parse the command line, run a command, set the exit status.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use sprout::cli::{self, Cli, Command, Context, Format};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let now = cli.now.unwrap_or_else(chrono::Utc::now);
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let result = (|| {
        let dir = match &cli.command {
            Some(Command::Init { dir }) => dir.clone(),
            _ => cli::data_dir(cli.data.clone(), now, &mut err)?,
        };
        let ctx = Context {
            dir,
            now,
            read_only: cli.read_only,
            rollout: cli.rollout.clone(),
        };
        // The dashboard arrives with the next issue; until then no command means status.
        let command = cli.command.unwrap_or(Command::Status {
            format: Format::Text,
        });
        cli::run(command, &ctx, &mut out, &mut err)
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure(msg)) => {
            let _ = out.flush();
            let _ = writeln!(err, "sprout: {msg}");
            ExitCode::FAILURE
        }
    }
}
