// Hardware from SMBIOS and PCI, as on a QEMU q35 machine: one CPU socket, one DIMM, the system
// information (UUID and serial stable per node), and the PCI devices behind eth0, eth1 and sda.
import type { ResourceKind } from "../resources.js";

const HARDWARE = "talos.resource.definitions.hardware";

const PCI_DEVICES: [string, Record<string, string>][] = [
  ["0000:00:00.0", { class: "Bridge", subclass: "Host bridge", vendor: "Intel Corporation", product: "82G33/G31/P35/P31 Express DRAM Controller", class_id: "0x06", subclass_id: "0x00", vendor_id: "0x8086", product_id: "0x29c0" }],
  ["0000:00:01.0", { class: "Display controller", subclass: "VGA compatible controller", vendor: "Red Hat, Inc.", product: "QXL paravirtual graphic card", class_id: "0x03", subclass_id: "0x00", vendor_id: "0x1b36", product_id: "0x0100" }],
  ["0000:00:02.0", { class: "Network controller", subclass: "Ethernet controller", vendor: "Red Hat, Inc.", product: "Virtio network device", class_id: "0x02", subclass_id: "0x00", vendor_id: "0x1af4", product_id: "0x1000", driver: "virtio-pci" }],
  ["0000:00:03.0", { class: "Network controller", subclass: "Ethernet controller", vendor: "Red Hat, Inc.", product: "Virtio network device", class_id: "0x02", subclass_id: "0x00", vendor_id: "0x1af4", product_id: "0x1000", driver: "virtio-pci" }],
  ["0000:00:1f.2", { class: "Mass storage controller", subclass: "SATA controller", vendor: "Intel Corporation", product: "82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]", class_id: "0x01", subclass_id: "0x06", vendor_id: "0x8086", product_id: "0x2922", driver: "ahci" }],
];

export const HARDWARE_KINDS: ResourceKind[] = [
  {
    type: "Processors.hardware.talos.dev",
    namespace: "hardware",
    printColumns: [
      { name: "Manufacturer", jsonPath: "{.manufacturer}" },
      { name: "Model", jsonPath: "{.productName}" },
      { name: "Cores", jsonPath: "{.coreCount}" },
      { name: "Threads", jsonPath: "{.threadCount}" },
    ],
    proto: { message: `${HARDWARE}.ProcessorSpec` },
    list: ({ facts }) => ({
      "CPU-0": { socket: "CPU 0", manufacturer: "QEMU", productName: "pc-q35-8.2", maxSpeedMhz: 2000, bootSpeedMhz: 2000, status: 65, coreCount: facts.cpuCores, coreEnabled: facts.cpuCores, threadCount: facts.cpuCores },
    }),
  },
  {
    type: "MemoryModules.hardware.talos.dev",
    namespace: "hardware",
    printColumns: [
      { name: "Manufacturer", jsonPath: "{.manufacturer}" },
      { name: "Model", jsonPath: "{.productName}" },
      { name: "SizeMiB", jsonPath: "{.sizeMiB}" },
    ],
    proto: { message: `${HARDWARE}.MemoryModuleSpec` },
    list: ({ facts }) => ({ "DIMM-0": { sizeMiB: facts.memoryMiB, deviceLocator: "DIMM 0", manufacturer: "QEMU" } }),
  },
  {
    type: "SystemInformations.hardware.talos.dev",
    namespace: "hardware",
    printColumns: [
      { name: "Manufacturer", jsonPath: "{.manufacturer}" },
      { name: "ProductName", jsonPath: "{.productName}" },
      { name: "Version", jsonPath: "{.version}" },
      { name: "SerialNumber", jsonPath: "{.serialnumber}" },
      { name: "UUID", jsonPath: "{.uuid}" },
      { name: "WakeUpType", jsonPath: "{.wakeUpType}" },
      { name: "SKUNumber", jsonPath: "{.skuNumber}" },
    ],
    proto: { message: `${HARDWARE}.SystemInformationSpec` },
    list: ({ node }) => ({
      systeminformation: { manufacturer: "QEMU", productName: "Standard PC (Q35 + ICH9, 2009)", version: "pc-q35-8.2", uuid: node.uuid, wakeUpType: "Power Switch" },
    }),
  },
  {
    type: "PCIDevices.hardware.talos.dev",
    namespace: "hardware",
    printColumns: [
      { name: "Class", jsonPath: "{.class}" },
      { name: "Subclass", jsonPath: "{.subclass}" },
      { name: "Vendor", jsonPath: "{.vendor}" },
      { name: "Product", jsonPath: "{.product}" },
    ],
    proto: { message: `${HARDWARE}.PCIDeviceSpec` },
    list: () => Object.fromEntries(PCI_DEVICES),
  },
];
