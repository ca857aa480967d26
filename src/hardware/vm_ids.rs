//! Which PCI vendors, device names and firmware (DMI) names mark a component
//! or a machine as emulated or paravirtual, so that every collector sets
//! [`ComponentFlags::virtual_device`](super::ComponentFlags::virtual_device)
//! the same way for the same device (pure data, no OS calls).

/// PCI vendor ids that only make emulated or paravirtual devices: Red Hat /
/// virtio (`1af4`), Red Hat QEMU devices (`1b36`), QEMU's standard VGA
/// (`1234`), Microsoft Hyper-V (`1414`), VMware (`15ad`), VirtualBox
/// (`80ee`), Xen (`5853`), Amazon EC2 Nitro (`1d0f`) and Parallels (`1ab8`).
pub(crate) fn pci_vendor_is_virtual(vendor: u16) -> bool {
    matches!(vendor, 0x1af4 | 0x1b36 | 0x1234 | 0x1414 | 0x15ad | 0x80ee | 0x5853 | 0x1d0f | 0x1ab8)
}

/// Whether a device's vendor/model/description text names a hypervisor's
/// emulated device ("QEMU DVD-ROM", "VBOX HARDDISK", "Msft Virtual Disk",
/// "vmxnet3 Ethernet Adapter", "Red Hat VirtIO Ethernet Adapter",
/// "Microsoft Hyper-V Network Adapter", "Amazon Elastic Network Adapter").
pub(crate) fn name_is_virtual(text: &str) -> bool {
    const MARKERS: [&str; 14] = [
        "qemu",
        "vbox",
        "virtualbox",
        "vmware",
        "necvmwar",
        "vmxnet",
        "virtio",
        "hyper-v",
        "msft virtual",
        "microsoft virtual",
        "amazon elastic",
        "xen ",
        "parallels",
        "virtual disk",
    ];
    let lower = text.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

/// Whether the SMBIOS/DMI system vendor, product name and board vendor name
/// a hypervisor or a cloud's virtual machine (QEMU, KVM, VMware, VirtualBox,
/// Xen, Hyper-V, Amazon EC2, Google Compute Engine, Parallels, DigitalOcean,
/// OpenStack, Bochs, bhyve). Matching is case-insensitive, on whole words, so
/// "Lenovo" never matches "Xen".
pub(crate) fn dmi_names_hypervisor(sys_vendor: &str, product_name: &str, board_vendor: &str) -> bool {
    const WORDS: [&str; 12] = [
        "qemu",
        "kvm",
        "vmware",
        "virtualbox",
        "innotek",
        "xen",
        "parallels",
        "digitalocean",
        "droplet",
        "openstack",
        "bochs",
        "bhyve",
    ];
    const PHRASES: [&str; 2] = ["amazon ec2", "google compute engine"];
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let fields = [sys_vendor, product_name, board_vendor];
    let named = fields.iter().any(|field| {
        let words = words(field);
        words.iter().any(|w| WORDS.contains(&w.as_str()))
            || PHRASES.iter().any(|phrase| words.join(" ").contains(phrase))
    });
    let hyper_v = words(sys_vendor).join(" ").contains("microsoft corporation")
        && words(product_name).join(" ").contains("virtual machine");
    named || hyper_v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_vendors_and_names() {
        assert!(pci_vendor_is_virtual(0x1af4));
        assert!(pci_vendor_is_virtual(0x1414));
        assert!(!pci_vendor_is_virtual(0x10de));
        assert!(!pci_vendor_is_virtual(0x8086));
        assert!(name_is_virtual("Red Hat VirtIO Ethernet Adapter"));
        assert!(name_is_virtual("NECVMWar VMware SATA CD00"));
        assert!(name_is_virtual("Msft Virtual Disk"));
        assert!(name_is_virtual("QEMU QEMU DVD-ROM"));
        assert!(!name_is_virtual("Intel(R) Ethernet Connection (7) I219-V"));
        assert!(!name_is_virtual("HL-DT-ST DVD+-RW GU90N"));
        assert!(!name_is_virtual("Samsung SSD 970 EVO Plus 1TB"));
    }

    #[test]
    fn hypervisor_dmi_names() {
        for (vendor, product, board) in [
            ("QEMU", "Standard PC (Q35 + ICH9, 2009)", ""),
            ("Red Hat", "KVM", "Red Hat"),
            ("VMware, Inc.", "VMware7,1", ""),
            ("innotek GmbH", "VirtualBox", "Oracle Corporation"),
            ("Xen", "HVM domU", ""),
            ("Microsoft Corporation", "Virtual Machine", "Microsoft Corporation"),
            ("Amazon EC2", "m5.large", "Amazon EC2"),
            ("Google", "Google Compute Engine", "Google"),
            ("Parallels Software International Inc.", "Parallels Virtual Platform", ""),
            ("DigitalOcean", "Droplet", ""),
            ("OpenStack Foundation", "OpenStack Nova", ""),
            ("Bochs", "Bochs", ""),
        ] {
            assert!(dmi_names_hypervisor(vendor, product, board), "{vendor} / {product}");
        }
        for (vendor, product, board) in [
            ("LENOVO", "20XW0055GE", "LENOVO"),
            ("Dell Inc.", "Precision 5820 Tower", "Dell Inc."),
            ("Microsoft Corporation", "Surface Laptop 4", "Microsoft Corporation"),
            ("Xenon Systems", "Workstation", ""),
            ("", "", ""),
        ] {
            assert!(!dmi_names_hypervisor(vendor, product, board), "{vendor} / {product}");
        }
    }
}
