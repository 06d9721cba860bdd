// Prose: sentences, clauses, and whether a phrase is an instruction or stated against.
import { describe, expect, it } from "vitest";
import { clauses, isStatedAgainst, sentences } from "../../../src/policy/prose.js";

const clauseTexts = (text: string) => clauses(text, text, 0, text.length).map((c) => c.text.trim());

/** Whether `phrase` (its first occurrence) is stated against in `text`. */
function against(text: string, phrase: string): boolean {
  const at = text.indexOf(phrase);
  const clause = clauses(text, text, 0, text.length).find((c) => c.start <= at && at < c.end)!;
  return isStatedAgainst(clause, at - clause.start, at - clause.start + phrase.length);
}

describe("sentences and clauses", () => {
  it("splits sentences at . ! ? before a space, not in abbreviations, versions or addresses", () => {
    const text = "Use v1.12.6 on 10.5.0.2, e.g. the first node. Then check! Done?";
    expect(sentences(text, 0, text.length).map((s) => text.slice(s.start, s.end).trim())).toEqual(["Use v1.12.6 on 10.5.0.2, e.g. the first node.", "Then check!", "Done?"]);
  });

  it("splits clauses at ; : dashes parentheses and 'but', and at commas that start a new clause", () => {
    expect(clauseTexts("Talos has no SSH; use talosctl")).toEqual(["Talos has no SSH", "use talosctl"]);
    expect(clauseTexts("Note: run it (once)")).toEqual(["Note", "run it", "once"]);
    expect(clauseTexts("You asked to SSH in, but Talos has no SSH")).toEqual(["You asked to SSH in", "Talos has no SSH"]);
    expect(clauseTexts("If talosctl can't reach it, ssh in")).toEqual(["If talosctl can't reach it", "ssh in"]);
    expect(clauseTexts("There is no package manager, so apt is missing")).toEqual(["There is no package manager", "so apt is missing"]);
    expect(clauseTexts("Sure, ssh in")).toEqual(["Sure", "ssh in"]);
  });

  it("keeps lists in one clause", () => {
    expect(clauseTexts("No SSH, shell, apt or systemd on Talos")).toEqual(["No SSH, shell, apt or systemd on Talos"]);
    expect(clauseTexts("Never SSH, edit files, or install packages")).toEqual(["Never SSH, edit files, or install packages"]);
  });
});

describe("isStatedAgainst", () => {
  it.each([
    ["Talos has no SSH.", "SSH"],
    ["Don't run kubeadm on Talos.", "kubeadm"],
    ["Never edit /etc/hosts on a node.", "edit /etc/hosts"],
    ["SSH is not available on Talos nodes.", "SSH"],
    ["`apt install htop` won't work on the node.", "`apt install htop`"],
    ["apt, yum, dnf and zypper are all unavailable.", "apt"],
    ["Instead of ssh, use talosctl logs.", "ssh"],
    ["Unlike kubeadm clusters, Talos upgrades itself.", "kubeadm"],
    ["You asked me to SSH into cp-1.", "SSH"],
    ["On a traditional Linux server you would SSH in.", "SSH"],
    ["Where you'd normally ssh in, use the API.", "ssh"],
    ["The equivalent of systemctl restart is talosctl service restart.", "systemctl"],
    ["Neither SSH nor a console login exists.", "SSH"],
    ["Avoid pip on nodes.", "pip"],
    ["Skip the bootstrap step.", "bootstrap"],
    ["The `talosctl etcd backup` example is wrong.", "`talosctl etcd backup`"],
    ["I won’t edit /etc/hosts.", "edit"],
  ])("%s → %s is stated against", (text, phrase) => {
    expect(against(text, phrase)).toBe(true);
  });

  it.each([
    ["SSH into the node.", "SSH"],
    ["Run kubeadm init.", "kubeadm"],
    ["Instead of talosctl, ssh into the node.", "ssh"],
    ["If talosctl doesn't work, ssh in.", "ssh"],
    ["Don't worry, just ssh in.", "ssh"],
    ["SSH into the node if talosctl isn't working.", "SSH"],
    ["Use talosctl with --mode no-reboot and then run kubeadm.", "kubeadm"],
    ["Talos is great; apt install htop.", "apt"],
  ])("%s → %s is an instruction", (text, phrase) => {
    expect(against(text, phrase)).toBe(false);
  });
});
