import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOmniDefinitions, parseDefinitions, parseNamespaces, type OmniResourceDefinition } from "../../../src/sim/omni/definitions.js";
import { protoRoot } from "../../../src/sim/protos.js";

/** gofmt indents with tabs: the snippets below are written with 4 spaces per level. */
const go = (source: string) => source.replace(/^(?: {4})+/gm, (indent) => "\t".repeat(indent.length / 4));

const NAMESPACES_GO = go(`package resources

import "github.com/cosi-project/runtime/pkg/resource"

// MainNamespace is where most things live.
const MainNamespace resource.Namespace = "main"

// ScratchNamespace is not persisted.
const ScratchNamespace resource.Namespace = "scratch"

// ProviderNamespace belongs to providers.
const ProviderNamespace resource.Namespace = "provider"

// ProviderScratchNamespace is derived from another one.
const ProviderScratchNamespace resource.Namespace = ProviderNamespace + "-scratch"

// ProviderPrefix ends with a colon.
const ProviderPrefix resource.Namespace = ProviderNamespace + ":"

// NotANamespace has no namespace type.
const NotANamespace = "nope"

// SomeType is a type, not a namespace.
const SomeType resource.Type = "Things.test.sidero.dev"
`);

const NAMESPACES = { MainNamespace: "main", ScratchNamespace: "scratch", DefaultNamespace: "default" };

/** One resource file of the usual shape: type constant, spec alias, extension, definition. */
const WIDGET_GO = go(`package things

import (
    "github.com/cosi-project/runtime/pkg/resource"
    "github.com/cosi-project/runtime/pkg/resource/meta"
    "github.com/cosi-project/runtime/pkg/resource/protobuf"
    "github.com/cosi-project/runtime/pkg/resource/typed"
)

const (
    // WidgetType is the type of Widget.
    WidgetType = resource.Type("Widgets.test.sidero.dev")
)

// Widget is a test resource.
type Widget = typed.Resource[WidgetSpec, WidgetExtension]

// WidgetSpec wraps specs.WidgetSpec.
type WidgetSpec = protobuf.ResourceSpec[specs.WidgetSpec, *specs.WidgetSpec]

// WidgetExtension provides auxiliary methods.
type WidgetExtension struct{}

// ResourceDefinition implements [typed.Extension] interface.
func (WidgetExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             WidgetType,
        Aliases:          []resource.Type{"wdg", "wdgs"},
        DefaultNamespace: resources.ScratchNamespace,
        PrintColumns: []meta.PrintColumn{
            {
                Name:     "Size",
                JSONPath: "{.size}",
            },
            {
                Name:     "Colour Name",
                JSONPath: "{.colourname}",
            },
        },
        Sensitivity: meta.Sensitive,
    }
}

// Validate is not part of the definition.
func (w *Widget) Validate() error {
    return nil
}
`);

describe("parseNamespaces", () => {
  it("reads typed namespace constants, including concatenations of earlier ones", () => {
    expect(parseNamespaces(NAMESPACES_GO)).toEqual({
      MainNamespace: "main",
      ScratchNamespace: "scratch",
      ProviderNamespace: "provider",
      ProviderScratchNamespace: "provider-scratch",
      ProviderPrefix: "provider:",
    });
  });

  it("ignores untyped constants and other resource types", () => {
    const namespaces = parseNamespaces(NAMESPACES_GO);
    expect(namespaces).not.toHaveProperty("NotANamespace");
    expect(namespaces).not.toHaveProperty("SomeType");
  });

  it("finds nothing in a file without namespaces", () => {
    expect(parseNamespaces("package x\n\nconst Foo = 1\n")).toEqual({});
  });
});

describe("parseDefinitions", () => {
  it("reads type, namespace, spec message, aliases, print columns and sensitivity", () => {
    expect(parseDefinitions(WIDGET_GO, NAMESPACES)).toEqual<OmniResourceDefinition[]>([
      {
        type: "Widgets.test.sidero.dev",
        namespace: "scratch",
        specMessage: "specs.WidgetSpec",
        aliases: ["wdg", "wdgs"],
        printColumns: [
          { name: "Size", jsonPath: "{.size}" },
          { name: "Colour Name", jsonPath: "{.colourname}" },
        ],
        sensitive: true,
      },
    ]);
  });

  it("defaults to namespace default, no aliases, no columns and not sensitive", () => {
    const source = go(`package things

const GadgetType = resource.Type("Gadgets.test.sidero.dev")

type GadgetSpec = protobuf.ResourceSpec[specs.GadgetSpec, *specs.GadgetSpec]

func (GadgetExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             GadgetType,
        Aliases:          []resource.Type{},
        DefaultNamespace: resources.UnknownNamespace,
        PrintColumns:     []meta.PrintColumn{},
    }
}
`);
    expect(parseDefinitions(source, NAMESPACES)).toEqual([
      { type: "Gadgets.test.sidero.dev", namespace: "default", specMessage: "specs.GadgetSpec", aliases: [], printColumns: [], sensitive: false },
    ]);
  });

  it("resolves a namespace named without the resources. qualifier", () => {
    const source = go(`package things

const LocalType = resource.Type("Locals.test.sidero.dev")

func (LocalExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             LocalType,
        DefaultNamespace: MainNamespace,
    }
}
`);
    expect(parseDefinitions(source, NAMESPACES)).toMatchObject([{ type: "Locals.test.sidero.dev", namespace: "main" }]);
    expect(parseDefinitions(source, {})).toMatchObject([{ type: "Locals.test.sidero.dev", namespace: "default" }]);
  });

  it("is not sensitive for meta.NonSensitive", () => {
    const source = WIDGET_GO.replace("meta.Sensitive", "meta.NonSensitive");
    expect(parseDefinitions(source, NAMESPACES)[0]!.sensitive).toBe(false);
  });

  it("leaves the spec message undefined when the file declares no protobuf spec", () => {
    const source = go(`package things

const RawType = resource.Type("Raws.test.sidero.dev")

type Raw struct{}

func (Raw) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             RawType,
        DefaultNamespace: resources.MainNamespace,
    }
}
`);
    const [raw] = parseDefinitions(source, NAMESPACES);
    expect(raw).toMatchObject({ type: "Raws.test.sidero.dev", namespace: "main" });
    expect(raw!.specMessage).toBeUndefined();
  });

  it("takes the spec of the definition's extension when the Go names differ from the type's", () => {
    const source = go(`package auth

const (
    // AuthSettingsType is named differently from its Go types.
    AuthSettingsType = resource.Type("AuthSettings.test.sidero.dev")
)

type Settings = typed.Resource[SettingsSpec, SettingsExtension]

type SettingsSpec = protobuf.ResourceSpec[specs.AuthSettingsSpec, *specs.AuthSettingsSpec]

type SettingsExtension struct{}

func (SettingsExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             AuthSettingsType,
        DefaultNamespace: resources.MainNamespace,
    }
}
`);
    expect(parseDefinitions(source, NAMESPACES)).toMatchObject([{ type: "AuthSettings.test.sidero.dev", specMessage: "specs.AuthSettingsSpec" }]);
  });

  it("reads several definitions of one file, each with its own spec", () => {
    const source = go(`package things

const (
    AlphaType = resource.Type("Alphas.test.sidero.dev")
    BetaType  = resource.Type("Betas.test.sidero.dev")
)

type Alpha = typed.Resource[AlphaSpec, AlphaExtension]
type Beta = typed.Resource[BetaSpec, BetaExtension]

type AlphaSpec = protobuf.ResourceSpec[specs.AlphaSpec, *specs.AlphaSpec]
type BetaSpec = protobuf.ResourceSpec[specs.BetaStatusSpec, *specs.BetaStatusSpec]

func (AlphaExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             AlphaType,
        DefaultNamespace: resources.MainNamespace,
    }
}

func (BetaExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             BetaType,
        DefaultNamespace: resources.ScratchNamespace,
        Sensitivity:      meta.Sensitive,
    }
}
`);
    expect(parseDefinitions(source, NAMESPACES)).toEqual([
      { type: "Alphas.test.sidero.dev", namespace: "main", specMessage: "specs.AlphaSpec", aliases: [], printColumns: [], sensitive: false },
      { type: "Betas.test.sidero.dev", namespace: "scratch", specMessage: "specs.BetaStatusSpec", aliases: [], printColumns: [], sensitive: true },
    ]);
  });

  it("skips a definition whose type constant is not declared in the file", () => {
    const source = go(`package things

func (ElsewhereExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             ElsewhereType,
        DefaultNamespace: resources.MainNamespace,
    }
}
`);
    expect(parseDefinitions(source, NAMESPACES)).toEqual([]);
  });

  it("finds nothing in a file without a definition", () => {
    expect(parseDefinitions('package things\n\nconst WidgetType = resource.Type("Widgets.test.sidero.dev")\n', NAMESPACES)).toEqual([]);
  });
});

describe("loadOmniDefinitions", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), "omni-defs-"));
    dirs.push(root);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }

  const definitionFile = (goName: string, type: string, namespace: string) =>
    go(`package p

const ${goName}Type = resource.Type("${type}")

type ${goName}Spec = protobuf.ResourceSpec[specs.${goName}Spec, *specs.${goName}Spec]

func (${goName}Extension) ResourceDefinition() meta.ResourceDefinitionSpec {
    return meta.ResourceDefinitionSpec{
        Type:             ${goName}Type,
        DefaultNamespace: ${namespace},
    }
}
`);

  it("walks the tree in name order, with the namespaces of resources.go, skipping tests and other files", () => {
    const root = tree({
      "resources.go": NAMESPACES_GO,
      "things/widget.go": WIDGET_GO,
      "things/alpha.go": definitionFile("Alpha", "Alphas.test.sidero.dev", "resources.ProviderScratchNamespace"),
      "things/alpha_test.go": definitionFile("Fake", "Fakes.test.sidero.dev", "resources.MainNamespace"),
      "things/README.md": definitionFile("Doc", "Docs.test.sidero.dev", "resources.MainNamespace"),
      "things/deeper/zeta.go": definitionFile("Zeta", "Zetas.test.sidero.dev", "resources.MainNamespace"),
      "other/beta.go": definitionFile("Beta", "Betas.test.sidero.dev", "resources.NoSuchNamespace"),
    });
    const definitions = loadOmniDefinitions(root);
    expect(definitions.map((d) => `${d.type}@${d.namespace}`)).toEqual([
      "Betas.test.sidero.dev@default",
      "Alphas.test.sidero.dev@provider-scratch",
      "Zetas.test.sidero.dev@main",
      "Widgets.test.sidero.dev@scratch",
    ]);
    expect(definitions.find((d) => d.type === "Alphas.test.sidero.dev")?.specMessage).toBe("specs.AlphaSpec");
  });

  it("resolves a namespace a package declares for itself", () => {
    const root = tree({
      "resources.go": NAMESPACES_GO,
      "keys/keys.go": go(`package keys

// KeysNamespace is this package's own namespace.
const KeysNamespace resource.Namespace = "keys"
`),
      "keys/signing_key.go": definitionFile("SigningKey", "SigningKeys.test.sidero.dev", "KeysNamespace"),
      "other/uses_main.go": definitionFile("User", "Users.test.sidero.dev", "KeysNamespace"),
    });
    expect(loadOmniDefinitions(root).map((d) => `${d.type}@${d.namespace}`)).toEqual([
      "SigningKeys.test.sidero.dev@keys",
      // Another package's constant is not visible: the default namespace.
      "Users.test.sidero.dev@default",
    ]);
  });

  it("names `npm run clis` when the sources are missing", () => {
    expect(() => loadOmniDefinitions("/nonexistent/omni-resources")).toThrow(/the Omni resource sources are missing under \/nonexistent\/omni-resources: run `npm run clis`/);
    const empty = tree({ "things/widget.go": WIDGET_GO });
    expect(() => loadOmniDefinitions(empty)).toThrow(/npm run clis/);
  });

  it("reads the real Omni client module", () => {
    const definitions = loadOmniDefinitions(join(protoRoot(), "omni-resources-v1.9.3"));
    const byType = new Map(definitions.map((d) => [d.type, d]));
    expect(definitions.length).toBeGreaterThan(100);
    expect(byType.size).toBe(definitions.length);
    expect(byType.get("Clusters.omni.sidero.dev")).toEqual({
      type: "Clusters.omni.sidero.dev",
      namespace: "default",
      specMessage: "specs.ClusterSpec",
      aliases: [],
      printColumns: [
        { name: "Talos Version", jsonPath: "{.talosversion}" },
        { name: "Kubernetes Version", jsonPath: "{.kubernetesversion}" },
      ],
      sensitive: false,
    });
    expect(byType.get("SysVersions.system.sidero.dev")).toMatchObject({ namespace: "ephemeral", specMessage: "specs.SysVersionSpec" });
    expect(byType.get("ConfigPatches.omni.sidero.dev")).toMatchObject({ namespace: "default", specMessage: "specs.ConfigPatchSpec", sensitive: true });
    expect(byType.get("MachineStatuses.omni.sidero.dev")).toMatchObject({ namespace: "default", specMessage: "specs.MachineStatusSpec", sensitive: false });
    expect(byType.get("InfraProviderHealthStatuses.omni.sidero.dev")?.namespace).toBe("infra-provider-ephemeral");
    // Go names that differ from the type's (AuthConfigType's spec alias is ConfigSpec).
    expect(byType.get("AuthConfigs.omni.sidero.dev")?.specMessage).toBe("specs.AuthConfigSpec");
    expect(byType.get("InfraMachines.omni.sidero.dev")?.specMessage).toBe("specs.InfraMachineSpec");
    // A namespace declared in the oidc package itself.
    expect(byType.get("JWTPublicKeys.system.sidero.dev")?.namespace).toBe("oidc");
  });
});
