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
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(command: KeysCommand) -> Outcome {
    match command {
        KeysCommand::Generate { out, json } => {
            let key = crate::keys::generate_files(&out).map_err(Failure::input)?;
            let (secret, public) = (out.join("secret.key"), out.join("public.key"));
            let text = format!(
                "key id {}\nsecret key: {} (keep it private; it signs your licenses)\n\
                 public key: {} (embed it in your application)",
                key.key_id(),
                secret.display(),
                public.display()
            );
            let value = serde_json::json!({
                "key_id": key.key_id().to_string(),
                "secret_key": secret.display().to_string(),
                "public_key": public.display().to_string(),
            });
            super::emit(json, text, value)
        }
    }
}
