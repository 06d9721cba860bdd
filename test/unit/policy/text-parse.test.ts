// Reading agent text into the commands that would run (with their place, loop and stance) and the
// prose clauses around them.
import { describe, expect, it } from "vitest";
import { parseShell } from "../../../src/policy/shell-words.js";
import { findCommands, parseText } from "../../../src/policy/text-parse.js";

const words = (text: string) => findCommands(text).map((c) => c.words.join(" "));

describe("parseShell", () => {
  it("splits simple commands at ; && || | and $( ), dropping sudo, env assignments and wrappers", () => {
    const commands = parseShell("FOO=1 sudo apt install htop && echo $(ssh node uptime) | tee out; timeout 30s talosctl version", 0);
    expect(commands.map((c) => c.words.join(" "))).toEqual(["apt install htop", "echo", "ssh node uptime", "tee out", "talosctl version"]);
  });

  it("keeps offsets into the whole text", () => {
    const [command] = parseShell("  talosctl dmesg", 10);
    expect(command).toMatchObject({ start: 12, end: 26 });
  });

  it("marks commands in loops (body and condition) and under repeating wrappers", () => {
    const commands = parseShell("for n in a b; do\n  talosctl bootstrap -n $n\ndone\nuntil talosctl health; do sleep 5; done\nwatch -n 5 talosctl get members\ntalosctl version", 0);
    expect(commands.map((c) => [c.words[1] ?? c.words[0], c.inLoop, c.repeated])).toEqual([
      ["bootstrap", true, false],
      ["health", true, false],
      ["5", true, false],
      ["get", false, true],
      ["version", false, false],
    ]);
  });

  it("joins backslash continuations and skips here-document bodies and comments", () => {
    const commands = parseShell("talosctl gen config demo https://x:6443 \\\n  --output _out # comment\ncat <<EOF > patch.yaml\nssh inside-heredoc\nEOF\nls", 0);
    expect(commands.map((c) => c.words.join(" "))).toEqual(["talosctl gen config demo https://x:6443 --output _out", "cat <<EOF > patch.yaml", "ls"]);
  });
});

describe("parseText", () => {
  it("finds commands in shell fences, $ lines, bare command lines, inline code and prose", () => {
    const text = [
      "Intro.",
      "```sh",
      "talosctl -n 10.5.0.2 dmesg",
      "```",
      "$ talosctl version",
      "ssh root@10.5.0.2",
      "Then run `kubectl get nodes` and talosctl -n 10.5.0.2 etcd snapshot db.snapshot, then stop.",
    ].join("\n");
    expect(findCommands(text).map((c) => [c.source, c.words.join(" ")])).toEqual([
      ["code", "talosctl -n 10.5.0.2 dmesg"],
      ["prompt", "talosctl version"],
      ["line", "ssh root@10.5.0.2"],
      ["inline", "kubectl get nodes"],
      ["prose", "talosctl -n 10.5.0.2 etcd snapshot db.snapshot"],
    ]);
  });

  it("reads data fences (YAML, JSON) as neither commands nor prose, and only $ lines of console transcripts", () => {
    expect(words("```yaml\nmachine:\n  files:\n    - path: /var/x\n```")).toEqual([]);
    expect(words("```console\n$ talosctl version\nClient: v1.12.6\n```")).toEqual(["talosctl version"]);
  });

  it("stops talosctl in prose at the first English word, and ignores talosctl used as a noun", () => {
    expect(words("Use talosctl to talk to the API; talosctl is the CLI.")).toEqual([]);
    expect(words("Run talosctl upgrade with the --image flag.")).toEqual(["talosctl upgrade"]);
    expect(words("talosctl's output")).toEqual([]);
  });

  it("marks inline commands in clauses that say not to run them", () => {
    const commands = findCommands("There is no `talosctl etcd backup`; run `talosctl etcd snapshot db`. Instead of `ssh node`, use the API.");
    expect(commands.map((c) => [c.words.join(" "), c.statedAgainst])).toEqual([
      ["talosctl etcd backup", true],
      ["talosctl etcd snapshot db", false],
      ["ssh node", true],
    ]);
  });

  it("marks a code block introduced as what not to do, and keeps its introduction as the lead", () => {
    const [bad] = findCommands("Don't do this:\n```\nssh root@node\n```");
    expect(bad).toMatchObject({ statedAgainst: true, lead: "Don't do this:" });
    const [good] = findCommands("On your workstation, without sudo:\n```\nbrew install qemu\n```");
    expect(good).toMatchObject({ statedAgainst: false, lead: "On your workstation, without sudo:" });
  });

  it("blanks inline commands and quoted messages from the prose, keeping single words", () => {
    const text = "Edit `/etc/hosts` after `etcd data directory is not empty` and `ssh node`.";
    const [clause] = parseText(text).clauses;
    expect(clause!.text).toContain(" /etc/hosts ");
    expect(clause!.text).not.toContain("not empty");
    expect(clause!.text).not.toContain("ssh");
    expect(clause!.text).toHaveLength(text.length);
  });
});
