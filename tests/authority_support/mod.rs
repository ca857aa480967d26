//! Shared helpers of the authority tests: a vendor, licenses, and simulated
//! machines that make activation requests and sign deactivation receipts the
//! way the client does, without touching the file system.
#![allow(dead_code)]

use std::collections::HashMap;

mod postgres_env;
mod seed;
#[allow(unused_imports)]
pub use postgres_env::{POSTGRES_VAR, fresh_schema, postgres_url};
#[allow(unused_imports)]
pub use seed::{Rng, SEED_VAR, test_seed, test_seed_or};

use nodelock::activation::{
    ActivationCertificate, ActivationId, ActivationRequest, DeactivationReceipt, LocationStamp, Nonce,
};
use nodelock::authority::{Authority, Ledger, MemoryLedger, SqliteLedger};
use nodelock::hardware::ComponentKind;
use nodelock::license::{License, LicenseId};
use nodelock::profile::{Digest, Profile};
use nodelock::{SecretKey, Timestamp};

/// Instantiates each generic behaviour test `fn name<L: Ledger>(Backend<L>)`
/// once per ledger implementation.
#[allow(unused_macros)]
macro_rules! on_every_ledger {
    ($($name:ident),* $(,)?) => {
        mod memory_ledger {
            $( #[test] fn $name() { super::$name(super::memory()); } )*
        }
        mod sqlite_ledger {
            $( #[test] fn $name() { super::$name(super::sqlite()); } )*
        }
        #[cfg(feature = "postgres")]
        mod postgres_ledger {
            $( #[test] fn $name() {
                if let Some(b) = super::postgres_backend(concat!(module_path!(), "::", stringify!($name))) {
                    super::$name(b);
                }
            } )*
        }
    };
}

pub const PRODUCT: &str = "com.example.app";
pub const ADMIN: &str = "admin";

pub fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Noon on 2026-07-01, the tests' "now".
pub fn t0() -> Timestamp {
    ts("2026-07-01T12:00:00Z")
}

pub fn vendor() -> SecretKey {
    SecretKey::from_seed(&[0x11; 32])
}

/// A license of `seats` seats, one transfer each, temporary activations off.
pub fn license(n: u8, seats: u32) -> License {
    License::new(LicenseId([n; 16]), PRODUCT, format!("Customer {n}"), seats, ts("2026-01-01"))
}

/// A ledger plus whatever keeps it alive (the SQLite file's directory).
pub struct Backend<L> {
    pub ledger: L,
    pub dir: Option<tempfile::TempDir>,
}

pub fn memory() -> Backend<MemoryLedger> {
    Backend { ledger: MemoryLedger::new(), dir: None }
}

pub fn sqlite() -> Backend<SqliteLedger> {
    let dir = tempfile::tempdir().unwrap();
    let ledger = SqliteLedger::open(dir.path().join("ledger.db")).unwrap();
    Backend { ledger, dir: Some(dir) }
}

/// A PostgreSQL ledger in a fresh schema, or `None` (and a line saying the
/// test `name` was skipped) without [`POSTGRES_VAR`].
#[cfg(feature = "postgres")]
pub fn postgres_backend(name: &str) -> Option<Backend<nodelock::authority::PostgresLedger>> {
    let url = postgres_url(name)?;
    let ledger = nodelock::authority::PostgresLedger::open_in_schema(&url, &fresh_schema()).unwrap();
    Some(Backend { ledger, dir: None })
}

/// An authority over `backend`'s ledger with `licenses` issued.
pub fn authority<L: Ledger>(
    backend: Backend<L>,
    licenses: &[License],
) -> (Authority<L>, Option<tempfile::TempDir>) {
    let authority = Authority::new(vendor(), backend.ledger);
    for l in licenses {
        authority.issue(l, ADMIN, ts("2026-01-01")).unwrap();
    }
    (authority, backend.dir)
}

/// Eight distinct digests from a machine number and a salt.
fn digest(machine: u32, salt: u8) -> Digest {
    let mut d = [salt; 16];
    d[..4].copy_from_slice(&machine.to_le_bytes());
    Digest(d)
}

const KINDS: [ComponentKind; 6] = [
    ComponentKind::Mac,
    ComponentKind::Mac,
    ComponentKind::Cpu,
    ComponentKind::SystemDrive,
    ComponentKind::Memory,
    ComponentKind::Video,
];

fn profile_of(machine: u32, salts: [u8; 6]) -> Profile {
    Profile::from_digests(KINDS.into_iter().zip(salts).map(|(k, salt)| (k, digest(machine, salt)))).unwrap()
}

/// The hardware of simulated machine `n`: two NICs, CPU, system drive,
/// memory and video, all different from every other machine's.
pub fn hardware(n: u32) -> Profile {
    profile_of(n, [1, 2, 3, 4, 5, 6])
}

/// Machine `from`'s hardware with the components at `taken` (indices into
/// NIC, NIC, CPU, system drive, memory, video) replaced by machine `to`'s:
/// the steps of a walk from one machine to another.
pub fn mixed(from: u32, to: u32, taken: &[usize]) -> Profile {
    let salts = [1, 2, 3, 4, 5, 6];
    Profile::from_digests(
        KINDS
            .into_iter()
            .zip(salts)
            .enumerate()
            .map(|(i, (k, salt))| (k, digest(if taken.contains(&i) { to } else { from }, salt))),
    )
    .unwrap()
}

/// Machine `n`'s hardware with one NIC replaced (partial weight 1: within tolerance).
pub fn one_nic_replaced(n: u32) -> Profile {
    profile_of(n, [1, 9, 3, 4, 5, 6])
}

/// Machine `n`'s hardware with a NIC and the system drive replaced (1 + 3 > 3).
pub fn rebuilt(n: u32) -> Profile {
    profile_of(n, [1, 9, 3, 10, 5, 6])
}

/// A simulated end-user machine with one store: like the client's store,
/// every request carries a fresh nonce and the store's activation key (one
/// key until the store deactivates; [`Machine::receipt`] gives it up and the
/// next request starts a new store). [`Machine::new_store`] is another store
/// on the same machine (another OS user).
#[derive(Clone)]
pub struct Machine {
    pub number: u32,
    pub profile: Profile,
    pub stamp: LocationStamp,
    pub label: Option<String>,
    store: Option<[u8; 32]>,
    secrets: HashMap<Nonce, [u8; 32]>,
}

impl Machine {
    pub fn new(number: u32) -> Self {
        let mut stamp = [0xa5; 16];
        stamp[..4].copy_from_slice(&number.to_le_bytes());
        Machine {
            number,
            profile: hardware(number),
            stamp: LocationStamp(stamp),
            label: Some(format!("machine {number}")),
            store: None,
            secrets: HashMap::new(),
        }
    }

    /// From now on, requests come from a new store on this machine (a fresh key).
    pub fn new_store(&mut self) {
        self.store = None;
    }

    /// A request for release `release` of `license`.
    pub fn request_release(&mut self, license: LicenseId, release: u32) -> ActivationRequest {
        let seed = *self.store.get_or_insert_with(|| {
            let mut seed = [0; 32];
            getrandom::fill(&mut seed).unwrap();
            seed
        });
        let secret = SecretKey::from_seed(&seed);
        let request = ActivationRequest {
            license_id: license,
            release_version: release,
            profile: self.profile.clone(),
            stamp: self.stamp,
            nonce: Nonce::generate().unwrap(),
            activation_key: secret.public_key().to_bytes(),
            label: self.label.clone(),
            client_time: t0(),
        };
        self.secrets.insert(request.nonce, seed);
        request
    }

    /// A request for release 1 of `license`.
    pub fn request(&mut self, license: LicenseId) -> ActivationRequest {
        self.request_release(license, 1)
    }

    /// The deactivation receipt giving up `certificate`, as an offline code.
    /// A receipt made with the current store's key ends that store: the next
    /// request starts a new one, as the client does after deactivating.
    pub fn receipt(&mut self, certificate: &ActivationCertificate) -> Vec<u8> {
        let seed = self.secrets[&certificate.nonce];
        if self.store == Some(seed) {
            self.store = None;
        }
        let receipt = DeactivationReceipt {
            activation_id: certificate.activation_id,
            license_id: certificate.license_id,
            nonce: certificate.nonce,
            deactivated_at: t0(),
        };
        let bytes = receipt.sign(&SecretKey::from_seed(&seed));
        DeactivationReceipt::code_of(&bytes).into_bytes()
    }
}

/// Shorthand: the activation id of a certificate.
pub fn id_of(cert: &ActivationCertificate) -> ActivationId {
    cert.activation_id
}
