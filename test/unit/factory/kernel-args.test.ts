// Rule kernel-arg-hosts as a pure decision, with the parameter names of the pinned Talos.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configuredKernelArgHosts, hostsIn, kernelArgHandovers } from "../../../src/factory/kernel-args.js";

const allowed = ["omni.example.com", "10.0.0.9", "fd00::9"];

describe("kernel args that hand a node to a host", () => {
  it("allows ordinary args and handover args that name a configured host", () => {
    expect(
      kernelArgHandovers(
        [
          "console=ttyS0",
          "net.ifnames=0",
          "talos.dashboard.disabled=1",
          "talos.platform=metal",
          "talos.config=none",
          "talos.config=metal-iso",
          "siderolink.api=https://OMNI.example.com:8090/?jointoken=abc",
          "talos.logging.kernel=tcp://10.0.0.9:5044/",
          "talos.events.sink=[fd00::9]:4001",
          "talos.config=http://10.0.0.9:8080/config.yaml",
          "talos.environment=https_proxy=http://10.0.0.9:3128",
        ],
        allowed,
      ),
    ).toEqual([]);
  });

  it("refuses handover args pointing anywhere else, naming the argument and the host but never the value", () => {
    const cases: [string, RegExp][] = [
      ["talos.config=https://evil.example/config.yaml", /talos\.config points at evil\.example/],
      ["siderolink.api=https://attacker.example:8090/?jointoken=SECRET", /siderolink\.api points at attacker\.example/],
      ["talos.logging.kernel=udp://203.0.113.7:514", /talos\.logging\.kernel points at 203\.0\.113\.7/],
      ["talos.events.sink=203.0.113.7:4002", /talos\.events\.sink points at 203\.0\.113\.7/],
      ["talos.config.oauth.token_url=https://idp.evil.example/token", /talos\.config\.oauth\.token_url points at idp\.evil\.example/],
      ["talos.environment=http_proxy=http://proxy.evil.example:3128", /talos\.environment points at proxy\.evil\.example/],
      ["em.events_url=https://phone.example/home", /em\.events_url points at phone\.example/],
      ["talos.logging.other=tcp://203.0.113.8:9", /talos\.logging\.other points at 203\.0\.113\.8/],
      ["TALOS.CONFIG=https://evil.example/c", /talos\.config points at/],
    ];
    for (const [arg, reason] of cases) {
      const findings = kernelArgHandovers([arg], allowed);
      expect(findings, arg).toHaveLength(1);
      expect(findings[0]!.reason, arg).toMatch(reason);
      expect(JSON.stringify(findings), arg).not.toContain("SECRET");
    }
  });

  it("a proxy without a scheme is still a proxy (Go reads HTTPS_PROXY=host:port as http://host:port)", () => {
    for (const arg of ["talos.environment=https_proxy=proxy.evil.example:3128", "talos.environment=HTTP_PROXY=proxy.evil.example", "talos.environment=all_proxy=[fd00::66]:1080"]) {
      const findings = kernelArgHandovers([arg], allowed);
      expect(findings, arg).toHaveLength(1);
      expect(findings[0]!.reason, arg).toMatch(/talos\.environment points at (proxy\.evil\.example|fd00::66)/);
    }
    expect(kernelArgHandovers(["talos.environment=https_proxy=10.0.0.9:3128", "talos.environment=NO_PROXY=internal.example,10.0.0.0/8", "talos.environment=TZ=UTC"], allowed)).toEqual([]);
  });

  it("always refuses inline machine configs", () => {
    for (const arg of ["talos.config.inline=KLUv/QBY", "talos.config.early=KLUv/QBY"]) {
      expect(kernelArgHandovers([arg], allowed)[0]!.reason).toMatch(/embeds a machine config/);
    }
  });

  it("with nothing configured, every handover host is foreign", () => {
    expect(kernelArgHandovers(["talos.config=http://10.0.0.9/c"], [])[0]!.reason).toMatch(/allowed: none/);
  });

  it("finds hosts in URLs and host:port values", () => {
    expect(hostsIn("https://A.example:1/x?y=http://b.example")).toEqual(["a.example", "b.example"]);
    expect(hostsIn("[fd00::1]:4001")).toEqual(["fd00::1"]);
    expect(hostsIn("10.0.0.1:514")).toEqual(["10.0.0.1"]);
    expect(hostsIn("1")).toEqual([]);
    expect(hostsIn("http://user:pw@inner.example/")).toEqual(["inner.example"]);
  });

  it("the configured hosts are kernelArgHosts plus the Omni endpoint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-kargs-"));
    const omniconfig = join(dir, "omniconfig");
    writeFileSync(omniconfig, "context: o\ncontexts:\n  o:\n    url: https://omni.example.com:8090\n");
    expect(await configuredKernelArgHosts({ kernelArgHosts: ["10.0.0.9"], omniconfig }, {})).toEqual(["10.0.0.9", "omni.example.com"]);
    expect(await configuredKernelArgHosts({ kernelArgHosts: [], omniconfig: undefined }, { OMNI_ENDPOINT: "https://o2.example" })).toEqual(["o2.example"]);
    expect(await configuredKernelArgHosts({ kernelArgHosts: [], omniconfig: undefined }, {})).toEqual([]);
  });
});
