//! What the end user's commands share (`activate …`, `deactivate`, and the
//! online ones): which store a command works on (`--store`, or the default
//! store of the license's product), the renewal and deactivation arguments,
//! this machine's profile for a license, and the trusted keys given.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Failure, collector_for, read_text};
use crate::activation::{ActivationRequest, Store};
use crate::codes::ErrorCode;
use crate::keys::{PublicKey, TrustedKeys};
use crate::license::{License, SignedLicense};
use crate::profile::{ProductKey, Profile};
use crate::timestamp::Timestamp;

const MAX_FILE: u64 = 256 * 1024;

/// What a renewal is made from: the license (or the one installed in the store).
#[derive(Debug, Args)]
pub(crate) struct RenewArgs {
    /// The license the activation is for (default: the one installed in `--store`).
    #[arg(long, value_name = "FILE", required_unless_present = "store")]
    pub(super) license: Option<PathBuf>,
    /// The license store (default: the per-user store of the license's product).
    #[arg(long, value_name = "DIR")]
    pub(super) store: Option<PathBuf>,
    /// A name for this machine in the vendor's seat list.
    #[arg(long, value_name = "NAME")]
    pub(super) label: Option<String>,
    /// Profile the machine described by DIR (holding sys/ and proc/) instead of this one.
    #[arg(long, value_name = "DIR")]
    pub(super) root: Option<PathBuf>,
    /// JSON output: `{"code", "store"}` (online: what was installed).
    #[arg(long)]
    pub(super) json: bool,
    /// Also show the code as a QR code (on stderr).
    #[arg(long)]
    pub(super) qr: bool,
    /// Print the full request (full digests, about 550 characters) instead
    /// of the short one (under 300 characters).
    #[arg(long)]
    pub(super) long_code: bool,
    /// Renew online with the activation service at URL instead of printing a code.
    #[cfg(feature = "online")]
    #[arg(long, value_name = "URL")]
    pub(super) server: Option<String>,
    /// With `--server`: verify the certificate with this public key before installing it.
    #[cfg(feature = "online")]
    #[arg(long, value_name = "PUB", requires = "server")]
    pub(super) public_key: Vec<PathBuf>,
}

impl RenewArgs {
    /// The license's text and the store it is renewed in.
    pub(super) fn license_and_store(&self) -> Result<(String, Store), Failure> {
        let path = match (&self.license, &self.store) {
            (Some(license), _) => license.clone(),
            (None, Some(store)) => Store::new(store).license_path(),
            (None, None) => {
                return Err(Failure::input("name the license store: --store DIR or --license FILE"));
            }
        };
        let text = read_text(&path, MAX_FILE)?;
        let (license, _) = SignedLicense::inspect_unverified(&text).map_err(Failure::input)?;
        let store = Store::new(store_for(self.store.clone(), &license.product)?);
        Ok((text, store))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DeactivateArgs {
    /// The license store: `--store DIR`, or the per-user store of `--license FILE`'s product.
    #[command(flatten)]
    pub(super) store: StoreChoice,
    /// Hand the receipt to the activation service at URL instead of printing
    /// it (feature `online`); when unreachable, the receipt is printed.
    #[cfg(feature = "online")]
    #[arg(long, value_name = "URL")]
    pub(super) online: Option<String>,
    /// JSON output: `{"receipt"}`.
    #[arg(long)]
    pub(super) json: bool,
}

/// Which store a command that takes no license otherwise works on: the one
/// given, or the per-user store of the license's product — the same default
/// as every other command that takes `--store`.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub(crate) struct StoreChoice {
    /// The license store (default: the per-user store of the license's product).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// The license the store is for, naming the default store.
    #[arg(long, value_name = "FILE")]
    license: Option<PathBuf>,
}

impl StoreChoice {
    /// The store's directory, which must exist: a command installing into or
    /// deactivating a store that was never made names the path, instead of
    /// answering as if the store were empty.
    pub(super) fn existing(self) -> Result<PathBuf, Failure> {
        let dir = self.dir()?;
        if dir.is_dir() {
            return Ok(dir);
        }
        Err(Failure::input(format!(
            "no store at {}: check --store (`nodelock activate request` printed the store it used), or pass \
             --license FILE for the license's default store",
            dir.display()
        ))
        .with_code(ErrorCode::NoStore))
    }

    fn dir(self) -> Result<PathBuf, Failure> {
        match (self.store, self.license) {
            (Some(store), _) => Ok(store),
            (None, Some(license)) => {
                let text = read_text(&license, MAX_FILE)?;
                let (license, _) = SignedLicense::inspect_unverified(&text).map_err(Failure::input)?;
                store_for(None, &license.product)
            }
            (None, None) => Err(Failure::input("name the license store: --store DIR or --license FILE")),
        }
    }
}
pub(super) fn store_for(store: Option<PathBuf>, product: &str) -> Result<PathBuf, Failure> {
    match store {
        Some(s) => Ok(s),
        None => Store::default_dir(product).map_err(Failure::input),
    }
}

pub(super) fn trusted_keys(paths: &[PathBuf]) -> Result<TrustedKeys, Failure> {
    let mut trusted = TrustedKeys::new();
    for p in paths {
        trusted.add(PublicKey::read_file(p).map_err(|e| Failure::input_about(p.display(), e))?);
    }
    Ok(trusted)
}
/// A renewal request for the activation `store` holds, with digests `width`
/// bytes wide ([`request_width`]).
pub(super) fn renewal_request(
    args: &RenewArgs,
    text: &str,
    store: &Store,
    width: usize,
) -> Result<ActivationRequest, Failure> {
    let (license, _) = SignedLicense::inspect_unverified(text).map_err(Failure::input)?;
    let profile = profile_of(&license, args.root.as_deref()).shortened(width);
    store.renew(text, &license, profile, args.label.clone(), Timestamp::now()).map_err(Failure::input)
}
/// The digest width of the requests the CLI makes: short unless `--long-code`.
pub(super) fn request_width(long_code: bool) -> usize {
    if long_code { crate::profile::DIGEST_LEN } else { crate::profile::short::REQUEST_WIDTH }
}

pub(super) fn profile_of(license: &License, root: Option<&Path>) -> Profile {
    Profile::build(
        &collector_for(root).collect(),
        &ProductKey::for_product(&license.product),
        license.policy.include_removable,
    )
}
