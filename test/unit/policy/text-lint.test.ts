// policy-check's rules on text, prose and code alike: every rule with texts it must flag and texts
// it must leave clean (explanations that name a forbidden thing only to say it is forbidden).
// The larger labelled corpus runs against the real command trees in test/contract/policy-corpus.test.ts.
import { describe, expect, it } from "vitest";
import { lintText } from "../../../src/policy/text-lint.js";
import { TALOSCTL_TREE } from "./fixtures/talosctl-tree.js";

const rulesOf = (text: string) => [...new Set(lintText(text, { talosctl: TALOSCTL_TREE }).map((f) => f.rule))].sort();

describe("policy-check text lint", () => {
  it.each([
    // no-ssh
    ["ssh root@10.0.0.2", "no-ssh"],
    ["$ scp backup.db admin@10.0.0.2:/tmp/", "no-ssh"],
    ["$ timeout 30s ssh root@10.0.0.2 uptime", "no-ssh"],
    ["$ echo $(ssh node uptime)", "no-ssh"],
    ["SSH into the control plane and read the kubelet journal.", "no-ssh"],
    ["If talosctl can't reach the node, ssh in as root.", "no-ssh"],
    ["Don't worry about the API, just ssh in.", "no-ssh"],
    // no-node-file-edits
    ["```sh\nsudo vi /etc/kubernetes/manifests/kube-apiserver.yaml\n```", "no-node-file-edits"],
    ["`sed -i 's/a/b/' /etc/hosts`", "no-node-file-edits"],
    ["```\necho 'nameserver 1.1.1.1' > /etc/resolv.conf\n```", "no-node-file-edits"],
    ["$ nano /var/lib/kubelet/config.yaml", "no-node-file-edits"],
    ["Log in to the node and edit /etc/hosts.", "no-node-file-edits"],
    ["Open a root shell on the worker and look around.", "no-node-file-edits"],
    ["Append the line to /etc/sysctl.conf on every node.", "no-node-file-edits"],
    ["Then sudo -i on the node and fix the permissions.", "no-node-file-edits"],
    // no-package-managers
    ["```bash\napt-get install -y htop\n```", "no-package-managers"],
    ["$ yum install nfs-utils", "no-package-managers"],
    ["$ FOO=1 sudo apt install htop", "no-package-managers"],
    ["On the worker node: `pip install requests`", "no-package-managers"],
    ["Use pacman to install open-iscsi on the nodes.", "no-package-managers"],
    ["Install it with the system package manager.", "no-package-managers"],
    // no-kubeadm
    ["`kubeadm upgrade apply v1.35.0`", "no-kubeadm"],
    ["Join the worker with kubeadm join.", "no-kubeadm"],
    // no-cert-systemd-changes
    ["```\nsystemctl restart kubelet\n```", "no-cert-systemd-changes"],
    ["$ update-ca-certificates", "no-cert-systemd-changes"],
    ["$ cp kubelet.service /etc/systemd/system/", "no-cert-systemd-changes"],
    ["Create a systemd unit for the agent on each node.", "no-cert-systemd-changes"],
    ["Add the CA to the node's trust store.", "no-cert-systemd-changes"],
    // bootstrap-once
    ["```sh\nuntil talosctl bootstrap --nodes 10.0.0.2; do sleep 5; done\n```", "bootstrap-once"],
    ["```sh\nfor i in 1 2 3; do\n  talosctl bootstrap --nodes 10.0.0.2\ndone\n```", "bootstrap-once"],
    ["$ talosctl bootstrap --nodes 10.0.0.2 || talosctl bootstrap --nodes 10.0.0.3", "bootstrap-once"],
    ["$ watch -n 5 talosctl bootstrap --nodes 10.0.0.2", "bootstrap-once"],
    ["retry 5 talosctl bootstrap --nodes 10.0.0.2", "bootstrap-once"],
    ["$ talosctl -n 10.0.0.2,10.0.0.3 bootstrap", "bootstrap-once"],
    ["```sh\ntalosctl -n 10.0.0.2 bootstrap\ntalosctl -n 10.0.0.3 bootstrap\n```", "bootstrap-once"],
    ["Run `talosctl -n 10.0.0.2 bootstrap`. If it fails, run it again.", "bootstrap-once"],
    ["Bootstrap every control-plane node.", "bootstrap-once"],
    // destructive-explicit
    ["Now run `talosctl reset --nodes 10.0.0.5` to clean it.", "destructive-explicit"],
    ["$ talosctl -n 10.0.0.5 reset --system-labels-to-wipe EPHEMERAL", "destructive-explicit"],
    // omni-reconcile
    ["The cluster is managed by Omni; run `talosctl -n 10.0.0.2 apply-config --file cp.yaml`.", "omni-reconcile"],
    // real-commands-only
    ["`talosctl etcd backup --nodes 10.0.0.2`", "real-commands-only"],
    ["$ talosctl etcd restore --nodes 10.0.0.2 db.snap", "real-commands-only"],
    ["$ talosctl apply-config --nodes 10.0.0.2 --file cp.yaml --reboot-now", "real-commands-only"],
    ["Back up with talosctl etcd backup.", "real-commands-only"],
    ["$ talosctl -n 10.0.0.2 gen config demo https://10.0.0.2:6443", "real-commands-only"],
  ])("flags %s", (text, rule) => {
    expect(rulesOf(text)).toEqual([rule]);
  });

  it.each([
    // the most common form of talosctl: global flags before the subcommand
    "$ talosctl -n 10.5.0.2 etcd snapshot db.snapshot",
    "$ talosctl -n 10.5.0.2 dmesg",
    "$ talosctl --nodes=10.5.0.2 --endpoints=10.5.0.2 version",
    "$ talosctl -n10.5.0.2 service etcd",
    "$ talosctl --talosconfig ./talosconfig --context demo -e 10.5.0.2 -n 10.5.0.2 health",
    "Run talosctl -n 10.5.0.2 etcd snapshot db.snapshot, then copy it off the cluster.",
    // correct commands
    "```sh\ntalosctl etcd snapshot db.snap --nodes 10.0.0.2\n```",
    "$ talosctl apply-config --insecure --nodes 10.0.0.2 --file cp.yaml",
    "$ talosctl bootstrap --nodes 10.0.0.2",
    "$ talosctl bootstrap --recover-from db.snap --nodes 10.0.0.2",
    "$ talosctl get members --nodes 10.0.0.2 -o json",
    "$ watch -n 5 talosctl get members --nodes 10.0.0.2",
    "$ omnictl cluster template sync -f t.yaml",
    "$ ls /etc",
    "$ talosctl upgrade --nodes 10.0.0.2 --image ghcr.io/siderolabs/installer:v1.12.6",
    "$ pip --version",
    "```bash\nfor n in 10.0.0.2 10.0.0.3; do talosctl apply-config -n $n --file cp.yaml; done\ntalosctl -n 10.0.0.2 bootstrap\n```",
    // explanations and advice against
    "Talos has no SSH; use the API instead.",
    "Do not use kubeadm with Talos, and apt is not available.",
    "ssh is not available on Talos nodes.",
    "Never edit files in /etc on a node.",
    "Instead of `ssh node journalctl -u kubelet`, use `talosctl -n 10.0.0.2 logs kubelet`.",
    "You asked me to SSH into cp-1, but Talos has no SSH daemon.",
    "There is no `talosctl etcd backup`; the real command is `talosctl etcd snapshot`.",
    "Talos has no package manager, so apt, yum and pacman are all unavailable.",
    "Don't copy your CA into /usr/local/share/ca-certificates or run update-ca-certificates.",
    "If bootstrap fails, don't retry it; read the etcd service's logs.",
    "This cluster is managed by Omni, so don't patch nodes with talosctl; sync the template.",
    "Reading an Omni cluster's logs is fine: `talosctl -n cp-1 logs kubelet`.",
    "WARNING: this is destructive and wipes the node.\n$ talosctl reset --nodes 10.0.0.5 --graceful",
    "For a standalone cluster, `talosctl -n 10.0.0.2 apply-config --file cp.yaml`; with Omni, sync the template.",
    "If you later move this cluster to Omni, changes go through templates. For now: `talosctl -n 10.0.0.2 apply-config --file cp.yaml`.",
    "Run `sudo -i` on your workstation to install the tools.",
    // workstation tooling
    "On your workstation: `sudo apt install qemu-system-x86`.",
    "`brew install siderolabs/tap/sidero-tools`",
    "$ pip install requests",
    "```sh\ncurl -Lo /usr/local/bin/talosctl https://example.invalid/talosctl\nchmod +x /usr/local/bin/talosctl\n```",
    "Log in to Omni and download the installation media for your machines.",
    "Copy the audit logs from /var/log/audit with `talosctl -n 10.0.0.2 copy /var/log/audit ./logs`.",
    "Add a machine.files entry that writes /var/cri/conf.d/20-customization.part.",
  ])("does not flag: %s", (text) => {
    expect(lintText(text, { talosctl: TALOSCTL_TREE })).toEqual([]);
  });

  it("reports each violation once, with every rule it breaks", () => {
    expect(rulesOf("SSH into each worker and install open-iscsi with apt.")).toEqual(["no-package-managers", "no-ssh"]);
    expect(lintText("Run `ssh root@10.0.0.2` now.", { talosctl: TALOSCTL_TREE })).toHaveLength(1);
  });

  it("names the real command as the fix, with line and column", () => {
    const [finding] = lintText("Backup first:\n  $ talosctl etcd backup", { talosctl: TALOSCTL_TREE });
    expect(finding).toMatchObject({ rule: "real-commands-only", severity: "error", span: { line: 2, column: 5 } });
    expect(finding!.fix).toContain("talosctl etcd snapshot");
  });

  it("suggests the nearest real subcommand or flag", () => {
    const [command] = lintText("$ talosctl etcd snapshoot db", { talosctl: TALOSCTL_TREE });
    expect(command!.fix).toContain("talosctl etcd snapshot");
    const [flag] = lintText("$ talosctl upgrade --imag x", { talosctl: TALOSCTL_TREE });
    expect(flag!.message).toMatch(/no flag --imag.*--image/);
  });

  it("skips command checks when no tree is known, and still applies the other rules", () => {
    expect(lintText("$ talosctl etcd backup", {})).toEqual([]);
    expect(lintText("The cluster is managed by Omni. `talosctl -n 10.0.0.2 reset --graceful` wipes it.", {}).map((f) => f.rule)).toEqual(["omni-reconcile"]);
  });
});
