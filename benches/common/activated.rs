//! The activated store every start-up bench measures: a vendor key, a license
//! with expiry, version limit and features, a store activated in setup with a
//! test issuer (the authority issues the same certificate type), and three
//! validators — disk copy only, the README's configuration (the same license
//! embedded in the application *and* installed on disk), and the README's
//! configuration for a license whose certificates have a 30-day lease (a
//! store of its own).

use std::path::Path;
use std::time::SystemTime;

use nodelock::activation::{ActivationCertificate, ActivationId, ActivationKind, Validator};
use nodelock::hardware::FixedCollector;
use nodelock::license::{AppInfo, License, LicenseId, Version};
use nodelock::{Collector, SecretKey, Timestamp, TrustedKeys};

/// The product the benches license.
pub const PRODUCT: &str = "com.example.app";

/// An activated store and the validators that check it.
pub struct Activated {
    /// The store directory (removed on drop).
    pub store: tempfile::TempDir,
    /// The application's build.
    pub app: AppInfo,
    /// The vendor's armoured public key, as an application embeds it.
    pub public_text: String,
    /// Disk copy only.
    pub disk: Validator,
    /// The README's configuration: embedded license plus its identical disk copy.
    pub readme: Validator,
    /// The README's configuration with a leased certificate (its own store).
    pub lease: Validator,
    /// The leased store's directory.
    pub lease_store: tempfile::TempDir,
}

/// Issues a license, activates a fresh store on this host at `now`, and runs
/// the first check (which writes the clock high-water mark, so later checks
/// within the hour write nothing).
pub fn activated(now: Timestamp) -> Activated {
    let (vendor, public_text, trusted, app, mut license) = parties(now);

    let (store, disk, readme) = activate(&license, &vendor, &app, &trusted, now, None::<FixedCollector>);
    license.id = LicenseId([0x5b; 16]);
    license.lease_days = 30;
    let (lease_store, _, lease) = activate(&license, &vendor, &app, &trusted, now, None::<FixedCollector>);
    Activated { store, app, public_text, disk, readme, lease, lease_store }
}

/// A store activated at `now` for a license that never expires (disk copy
/// only), for the hourly check, whose clock runs years ahead during a bench.
pub fn activated_perpetual(now: Timestamp) -> (tempfile::TempDir, Validator) {
    let (vendor, _, trusted, app, mut license) = parties(now);
    license.expires_at = None;
    let (store, disk, _) = activate(&license, &vendor, &app, &trusted, now, None::<FixedCollector>);
    (store, disk)
}

/// The vendor key, its armoured public half, the trusted set, the
/// application and the license every start-up bench uses.
fn parties(now: Timestamp) -> (SecretKey, String, TrustedKeys, AppInfo, License) {
    let vendor = SecretKey::from_seed(&[0x11; 32]);
    let public_text = vendor.public_key().to_armoured();
    let trusted = TrustedKeys::from_armoured([public_text.as_str()]).unwrap();
    let app = AppInfo::new(PRODUCT, Version::new(2, 1, 0), now.minus_secs(30 * 86_400));
    let mut license = License::new(LicenseId([0x5a; 16]), PRODUCT, "ACME Corp", 5, now.minus_secs(86_400));
    license.expires_at = Some(now.plus_days(365));
    license.max_product_version = Some(Version::parse_limit("2").unwrap());
    license.features.insert("edition".into(), "pro".into());
    license.features.insert("max_users".into(), "50".into());
    (vendor, public_text, trusted, app, license)
}

/// A store activated at `now` for the machine below `root` (a fixture root
/// read by `LinuxCollector::with_root`), the README's configuration checking
/// the machine below `check_root` (the same one, or one the plausibility rule
/// refuses), and the armoured public key (for the floor).
#[cfg(target_os = "linux")]
pub fn activated_on(
    root: &Path,
    check_root: &Path,
    now: Timestamp,
) -> (tempfile::TempDir, Validator, String) {
    use nodelock::hardware::linux::LinuxCollector;
    let (vendor, public_text, trusted, app, license) = parties(now);
    let (store, _, _) =
        activate(&license, &vendor, &app, &trusted, now, Some(LinuxCollector::with_root(root)));
    let text = std::fs::read_to_string(store.path().join("license.lic")).unwrap();
    let readme = Validator::new(app, trusted, store.path())
        .with_collector(LinuxCollector::with_root(check_root))
        .with_embedded_license(text);
    (store, readme, public_text)
}

/// A store activated for `license` at `now`, with its disk-only and its
/// embedded-plus-disk validators, both checked once.
fn activate<C: Collector + Clone + Send + Sync + 'static>(
    license: &License,
    vendor: &SecretKey,
    app: &AppInfo,
    trusted: &TrustedKeys,
    now: Timestamp,
    collector: Option<C>,
) -> (tempfile::TempDir, Validator, Validator) {
    let store = tempfile::tempdir().unwrap();
    let license_text = license.sign(vendor).unwrap().to_armoured();
    let with = |v: Validator| match &collector {
        Some(c) => v.with_collector(c.clone()),
        None => v,
    };
    let disk = with(Validator::new(app.clone(), trusted.clone(), store.path()));
    disk.install_license(&license_text).unwrap();
    let request = disk.request_activation_at(Some("bench host"), now).unwrap();
    let certificate = ActivationCertificate::answering(
        &request,
        ActivationId([0x77; 16]),
        ActivationKind::Permanent,
        Some(1),
        now,
    )
    .with_lease_end(license.lease_end(now))
    .sign(vendor)
    .unwrap();
    disk.install(&certificate).unwrap();
    let verdict = disk.check();
    assert!(verdict.is_licensed(), "the bench store is activated: {verdict}");
    let readme =
        with(Validator::new(app.clone(), trusted.clone(), store.path())).with_embedded_license(license_text);
    assert!(readme.check().is_licensed(), "the README configuration is licensed");
    (store, disk, readme)
}

/// Every file of a store: name, size, modification time (to show a check wrote nothing).
pub fn snapshot(dir: &Path) -> Vec<(String, u64, SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            (e.file_name().into_string().unwrap(), meta.len(), meta.modified().unwrap())
        })
        .collect();
    files.sort();
    files
}
