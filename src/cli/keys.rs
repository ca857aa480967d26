//! `nodelock keys …`: vendor signing keys.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Failure, Outcome};

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Generate a key pair: DIR/secret.key (mode 0600) and DIR/public.key.
    /// Refuses to overwrite existing files.
    Generate {
        /// Directory for the two key files (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub(crate) fn run(command: KeysCommand) -> Outcome {
    match command {
        KeysCommand::Generate { out } => {
            let key = crate::keys::generate_files(&out).map_err(Failure::input)?;
            println!("key id {}", key.key_id());
            println!(
                "secret key: {} (keep it private; it signs your licenses)",
                out.join("secret.key").display()
            );
            println!("public key: {} (embed it in your application)", out.join("public.key").display());
            Ok(())
        }
    }
}
