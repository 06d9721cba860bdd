// The Talos API role table (reference §4; machined's `rules` map, identical in 1.11 and 1.12):
// which certificate roles may call which method. Unlisted methods need os:admin.
const READ = ["os:admin", "os:operator", "os:reader"];
const ETCD_READ = [...READ, "os:etcd:backup"];
const OPERATE = ["os:admin", "os:operator"];

const RULES: Record<string, string[]> = {
  "/cluster.ClusterService/HealthCheck": READ,
  "/inspect.InspectService/ControllerRuntimeDependencies": READ,
  "/storage.StorageService/Disks": READ,
  "/time.TimeService/Time": READ,
  "/time.TimeService/TimeCheck": READ,
  "/machine.MachineService/CPUInfo": READ,
  "/machine.MachineService/CPUFreqStats": READ,
  "/machine.MachineService/DiskStats": READ,
  "/machine.MachineService/DiskUsage": READ,
  "/machine.MachineService/ImageList": READ,
  "/machine.MachineService/List": READ,
  "/machine.MachineService/LoadAvg": READ,
  "/machine.MachineService/LogsContainers": READ,
  "/machine.MachineService/NetworkDeviceStats": READ,
  "/machine.MachineService/Netstat": READ,
  "/machine.MachineService/Stats": READ,
  "/machine.MachineService/SystemStat": READ,
  "/machine.MachineService/ImagePull": OPERATE,
  "/machine.MachineService/PacketCapture": OPERATE,
  "/cosi.resource.State/Get": READ,
  "/cosi.resource.State/List": READ,
  "/cosi.resource.State/Watch": READ,
  "/machine.MachineService/Version": READ,
  "/machine.MachineService/Dmesg": READ,
  "/machine.MachineService/Logs": READ,
  "/machine.MachineService/Events": READ,
  "/machine.MachineService/ServiceList": READ,
  "/machine.MachineService/Containers": READ,
  "/machine.MachineService/Processes": READ,
  "/machine.MachineService/Memory": READ,
  "/machine.MachineService/Mounts": READ,
  "/machine.MachineService/Hostname": READ,
  "/machine.MachineService/EtcdAlarmList": ETCD_READ,
  "/machine.MachineService/EtcdMemberList": ETCD_READ,
  "/machine.MachineService/EtcdStatus": ETCD_READ,
  "/machine.MachineService/EtcdSnapshot": ["os:admin", "os:operator", "os:etcd:backup"],
  "/machine.MachineService/EtcdAlarmDisarm": OPERATE,
  "/machine.MachineService/EtcdDefragment": OPERATE,
  "/machine.MachineService/Reboot": OPERATE,
  "/machine.MachineService/Restart": OPERATE,
  "/machine.MachineService/ServiceRestart": OPERATE,
  "/machine.MachineService/ServiceStart": OPERATE,
  "/machine.MachineService/ServiceStop": OPERATE,
  "/machine.MachineService/Shutdown": OPERATE,
};

export function allowedRoles(method: string): string[] {
  return RULES[method] ?? ["os:admin"];
}

export function authorized(method: string, roles: readonly string[]): boolean {
  return allowedRoles(method).some((role) => roles.includes(role));
}

/** COSI reads of Sensitive resources need os:admin whatever the method allows. */
export function canReadSensitive(roles: readonly string[]): boolean {
  return roles.includes("os:admin");
}

/** What a node in maintenance mode answers without a client certificate. */
export const MAINTENANCE_METHODS = new Set([
  "/machine.MachineService/ApplyConfiguration",
  "/machine.MachineService/Version",
  "/cosi.resource.State/Get",
  "/cosi.resource.State/List",
  "/machine.MachineService/Reset",
  "/machine.MachineService/Upgrade",
]);
