//! The floor of a start-up check (issue 14): the least any such check must
//! do, with the same primitives — parse the key, read and verify the
//! license, read the activation file and verify its certificate, read the
//! clock mark, look at the anchor, list the network and block directories
//! and read one sysfs attribute per component of the machine's profile
//! that decides the verdict. It is a lower bound by construction, not the
//! exact minimum of a collector.
//!
//! Every bench machine's hardware matches its certificate, so under the
//! default policy the PCI kinds (`READ_LAST`: video, IDE, SCSI) cannot
//! change the verdict: the check does not read them (since session 9), and
//! neither does its floor. Until then the floor also listed
//! `sys/bus/pci/devices` and read one attribute per PCI component, and the
//! check read every PCI function's class.
//! `benches/startup.rs` times it beside the check; `startup_instructions`
//! counts its instructions and system calls (`floor`, `floor_nicsN`).

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use nodelock::activation::store::decode_state_bytes;
use nodelock::activation::{ActivationCertificate, READ_LAST};
use nodelock::license::SignedLicense;
use nodelock::{Collector, ComponentKind, TrustedKeys};

/// What the floor touches: the store, the key, and the hardware files.
pub struct Floor {
    store: PathBuf,
    public_text: String,
    dirs: Vec<PathBuf>,
    attributes: Vec<PathBuf>,
}

impl Floor {
    /// The floor of a check of `store` on the machine below `root`, whose
    /// profile holds the components `collector` finds: one attribute read per
    /// component that decides (every kind but `READ_LAST`) — each physical
    /// adapter's `address`, the system drive's serial where it lives, and
    /// for the other kinds a PCI `vendor` attribute, a read of the same cost.
    ///
    /// The serial is read from its own file (since session 7; before, a
    /// `vendor` attribute stood in for it): on a virtio disk that read is a
    /// request to the hypervisor, ~40 µs on this VM against ~14 µs for a
    /// plain attribute, and no check can skip it.
    pub fn new(store: &Path, public_text: &str, root: &Path, collector: &dyn Collector) -> Floor {
        let inventory = collector.collect();
        let net = root.join("sys/class/net");
        let mut macs: Vec<PathBuf> = fs::read_dir(&net)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !fs::read_link(p).unwrap().to_string_lossy().contains("/virtual/"))
            .map(|p| p.join("address"))
            .collect();
        macs.sort();
        let pci = root.join("sys/bus/pci/devices");
        let first_pci = fs::read_dir(&pci).unwrap().next().unwrap().unwrap().path().join("vendor");
        let serial = inventory
            .of_kind(ComponentKind::SystemDrive)
            .next()
            .and_then(|drive| serial_file(root, &drive.value));
        let deciding = inventory.components.iter().filter(|c| !READ_LAST.contains(c.kind)).count();
        let others = deciding.saturating_sub(macs.len() + usize::from(serial.is_some()));
        let mut attributes = macs;
        attributes.extend(serial);
        attributes.extend(std::iter::repeat_n(first_pci, others));
        assert_eq!(attributes.len(), deciding.max(attributes.len()));
        Floor {
            store: store.to_path_buf(),
            public_text: public_text.to_owned(),
            dirs: vec![net, root.join("sys/class/block")],
            attributes,
        }
    }

    /// One pass of the floor; `true` when both signatures verified.
    pub fn run(&self) -> bool {
        let trusted = TrustedKeys::from_armoured([self.public_text.as_str()]).unwrap();
        let text = fs::read_to_string(self.store.join("license.lic")).unwrap();
        let license = SignedLicense::from_armoured(&text, &trusted).is_ok();
        let state = decode_state_bytes(&fs::read(self.store.join("activation")).unwrap()).unwrap();
        let active = state.active.expect("an activated store");
        let certificate = ActivationCertificate::open(&active.certificate, &trusted).is_ok();
        let clock = fs::read(self.store.join("clock")).unwrap().len();
        let anchor = fs::metadata(self.store.join("anchor")).unwrap().len();
        let mut entries = 0;
        for dir in &self.dirs {
            entries += fs::read_dir(dir).map_or(0, Iterator::count);
        }
        let mut bytes = 0;
        for attribute in &self.attributes {
            bytes += fs::read(attribute).map_or(0, |b| b.len());
        }
        black_box((clock, anchor, entries, bytes));
        license && certificate
    }
}

/// The file below `root` that holds the system drive's serial `value` (a
/// disk's `serial` or `device/serial`), if one does.
fn serial_file(root: &Path, value: &str) -> Option<PathBuf> {
    let disks = fs::read_dir(root.join("sys/block")).ok()?;
    disks.flatten().flat_map(|disk| ["serial", "device/serial"].map(|file| disk.path().join(file))).find(
        |path| fs::read_to_string(path).is_ok_and(|text| text.trim().eq_ignore_ascii_case(value.trim())),
    )
}
