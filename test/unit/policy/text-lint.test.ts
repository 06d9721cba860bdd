import { describe, expect, it } from "vitest";
import { lintText } from "../../../src/policy/text-lint.js";
import { TALOSCTL_TREE } from "./fixtures/talosctl-tree.js";

const rulesOf = (text: string) => lintText(text, { talosctl: TALOSCTL_TREE }).map((f) => f.rule);

describe("policy-check text lint", () => {
  it.each([
    ["ssh root@10.0.0.2", "no-ssh"],
    ["$ scp backup.db admin@10.0.0.2:/tmp/", "no-ssh"],
    ["```sh\nsudo vi /etc/kubernetes/manifests/kube-apiserver.yaml\n```", "no-node-file-edits"],
    ["`sed -i 's/a/b/' /etc/hosts`", "no-node-file-edits"],
    ["```\necho 'nameserver 1.1.1.1' > /etc/resolv.conf\n```", "no-node-file-edits"],
    ["```bash\napt-get install -y htop\n```", "no-package-managers"],
    ["$ yum install nfs-utils", "no-package-managers"],
    ["`kubeadm upgrade apply v1.35.0`", "no-kubeadm"],
    ["```\nsystemctl restart kubelet\n```", "no-cert-systemd-changes"],
    ["$ update-ca-certificates", "no-cert-systemd-changes"],
    ["```sh\nuntil talosctl bootstrap --nodes 10.0.0.2; do sleep 5; done\n```", "bootstrap-once"],
    ["```sh\nfor i in 1 2 3; do\n  talosctl bootstrap --nodes 10.0.0.2\ndone\n```", "bootstrap-once"],
    ["$ talosctl bootstrap --nodes 10.0.0.2 || talosctl bootstrap --nodes 10.0.0.3", "bootstrap-once"],
    ["$ watch -n 5 talosctl bootstrap --nodes 10.0.0.2", "bootstrap-once"],
    ["retry 5 talosctl bootstrap --nodes 10.0.0.2", "bootstrap-once"],
    ["$ timeout 30s ssh root@10.0.0.2 uptime", "no-ssh"],
    ["$ FOO=1 sudo apt install htop", "no-package-managers"],
    ["$ echo $(ssh node uptime)", "no-ssh"],
    ["$ pip install requests", "no-package-managers"],
    ["$ cp kubelet.service /etc/systemd/system/", "no-cert-systemd-changes"],
    ["$ nano /var/lib/kubelet/config.yaml", "no-node-file-edits"],
    ["Now run `talosctl reset --nodes 10.0.0.5` to clean it.", "destructive-explicit"],
    ["`talosctl etcd backup --nodes 10.0.0.2`", "real-commands-only"],
    ["$ talosctl etcd restore --nodes 10.0.0.2 db.snap", "real-commands-only"],
    ["$ talosctl apply-config --nodes 10.0.0.2 --file cp.yaml --reboot-now", "real-commands-only"],
  ])("flags %s", (text, rule) => {
    expect(rulesOf(text)).toContain(rule);
  });

  it.each([
    "Talos has no SSH; use the API instead.",
    "Do not use kubeadm with Talos, and apt is not available.",
    "ssh is not available on Talos nodes.",
    "Never edit files in /etc on a node.",
    "```sh\ntalosctl etcd snapshot db.snap --nodes 10.0.0.2\n```",
    "$ talosctl apply-config --insecure --nodes 10.0.0.2 --file cp.yaml",
    "$ talosctl bootstrap --nodes 10.0.0.2",
    "$ talosctl bootstrap --recover-from db.snap --nodes 10.0.0.2",
    "WARNING: this is destructive and wipes the node.\n$ talosctl reset --nodes 10.0.0.5 --graceful",
    "$ talosctl get members --nodes 10.0.0.2 -o json",
    "$ watch -n 5 talosctl get members --nodes 10.0.0.2",
    "$ omnictl cluster template sync -f t.yaml",
    "$ ls /etc",
    "$ talosctl upgrade --nodes 10.0.0.2 --image ghcr.io/siderolabs/installer:v1.12.6",
    "$ pip --version",
  ])("does not flag: %s", (text) => {
    expect(lintText(text, { talosctl: TALOSCTL_TREE })).toEqual([]);
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

  it("skips command checks when no tree is known", () => {
    expect(lintText("$ talosctl etcd backup", {})).toEqual([]);
  });
});
