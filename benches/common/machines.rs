//! Fixture machines with many network adapters, for measuring how the
//! start-up check scales with them (issue 14): a copy of
//! `tests/fixtures/workstation` whose `sys/class/net` holds `lo`, the
//! workstation's bridge and tun, and `n` physical PCI Ethernet adapters
//! (each its own PCI function, listed in `sys/bus/pci/devices` like a real
//! multi-port card: vendor, device, class, driver link and `uevent`, and the
//! interface's `type`, `addr_assign_type`, `address` and `device` link). The
//! workstation's own PCI functions have no `uevent` (that fixture keeps the
//! collector's fallback reads tested). And the workstation with many veths
//! besides, a container host's shape.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

/// A machine root with `n` physical adapters (removed on drop).
pub fn nic_machine(n: usize) -> tempfile::TempDir {
    let dir = workstation_copy();
    let root = dir.path();
    let net = root.join("sys/class/net");
    for entry in fs::read_dir(&net).unwrap() {
        let entry = entry.unwrap();
        let target = fs::read_link(entry.path()).unwrap();
        if !target.to_string_lossy().contains("/virtual/") {
            fs::remove_file(entry.path()).unwrap();
        }
    }
    for i in 0..n {
        adapter(root, i);
    }
    // A kernel gives every device a `uevent`: the workstation's own PCI
    // functions get theirs here (the fixture itself keeps none).
    let pci = root.join("sys/bus/pci/devices");
    for entry in fs::read_dir(&pci).unwrap() {
        let function = fs::canonicalize(entry.unwrap().path()).unwrap();
        if !function.join("uevent").exists() {
            fs::write(function.join("uevent"), pci_uevent(&function)).unwrap();
        }
    }
    dir
}

/// A machine root like the workstation (two physical adapters, `lo`, a
/// bridge and a tun) with `n` veths besides: a container host's shape
/// (removed on drop).
pub fn veth_machine(n: usize) -> tempfile::TempDir {
    let dir = workstation_copy();
    let root = dir.path();
    for i in 0..n {
        let name = format!("veth{i:04x}");
        let iface = root.join("sys/devices/virtual/net").join(&name);
        fs::create_dir_all(&iface).unwrap();
        fs::write(iface.join("type"), "1\n").unwrap();
        fs::write(iface.join("addr_assign_type"), "3\n").unwrap();
        symlink(format!("../../devices/virtual/net/{name}"), root.join("sys/class/net").join(&name)).unwrap();
    }
    dir
}

/// A temporary copy of `tests/fixtures/workstation` (removed on drop).
fn workstation_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(super::root().join("tests/fixtures/workstation/."))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "copying the workstation fixture");
    dir
}

/// The kernel's `uevent` of the PCI function in `dir`, from its attributes.
fn pci_uevent(dir: &Path) -> String {
    let hex = |file: &str| {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).unwrap()
    };
    let mut text = String::new();
    if let Ok(driver) = fs::read_link(dir.join("driver")) {
        text += &format!("DRIVER={}\n", driver.file_name().unwrap().to_str().unwrap());
    }
    let slot = dir.file_name().unwrap().to_str().unwrap();
    text += &format!(
        "PCI_CLASS={:X}\nPCI_ID={:04X}:{:04X}\nPCI_SLOT_NAME={slot}\n",
        hex("class"),
        hex("vendor"),
        hex("device")
    );
    text
}

fn adapter(root: &Path, i: usize) {
    let function = format!("0000:{:02x}:00.{}", 0x40 + i / 8, i % 8);
    let name = format!("enp{}s0f{}", 0x40 + i / 8, i % 8);
    let pci = root.join("sys/devices/pci0000:00").join(&function);
    let iface = pci.join("net").join(&name);
    fs::create_dir_all(&iface).unwrap();
    fs::write(pci.join("vendor"), "0x8086\n").unwrap();
    fs::write(pci.join("device"), "0x1521\n").unwrap();
    fs::write(pci.join("class"), "0x020000\n").unwrap();
    symlink("../../../bus/pci/drivers/igb", pci.join("driver")).unwrap();
    // The kernel's one-read summary of the function (driver, class, ids).
    let uevent = format!(
        "DRIVER=igb\nPCI_CLASS=20000\nPCI_ID=8086:1521\nPCI_SUBSYS_ID=8086:0001\nPCI_SLOT_NAME={function}\n\
         MODALIAS=pci:v00008086d00001521sv00008086sd00000001bc02sc00i00\n"
    );
    fs::write(pci.join("uevent"), uevent).unwrap();
    fs::write(iface.join("type"), "1\n").unwrap();
    fs::write(iface.join("addr_assign_type"), "0\n").unwrap();
    fs::write(iface.join("address"), format!("00:1b:21:4e:{:02x}:{:02x}\n", i / 256, i % 256)).unwrap();
    symlink(format!("../../../{function}"), iface.join("device")).unwrap();
    symlink(
        format!("../../devices/pci0000:00/{function}/net/{name}"),
        root.join("sys/class/net").join(&name),
    )
    .unwrap();
    symlink(
        format!("../../../devices/pci0000:00/{function}"),
        root.join("sys/bus/pci/devices").join(&function),
    )
    .unwrap();
}

/// Removes every `uevent` file below `root`, so the collector falls back to
/// reading each attribute on its own (as on a tree copied without them).
pub fn remove_uevent_files(root: &Path) {
    for entry in fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            remove_uevent_files(&entry.path());
        } else if entry.file_name() == "uevent" {
            fs::remove_file(entry.path()).unwrap();
        }
    }
}
