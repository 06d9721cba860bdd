// yaml for the modules on the server's start path, loaded at first use. Under Node, yaml's package
// export is CommonJS for import and require alike, so require() returns the very module instance
// `import "yaml"` gives the other modules (no second copy, same classes). A server without a config
// file or talosconfig never needs it before the first tools/list, and its load is ≈30 ms of start-up.
import { createRequire } from "node:module";
import type * as Yaml from "yaml";

const require = createRequire(import.meta.url);
let loaded: typeof Yaml | undefined;

export const yaml = (): typeof Yaml => (loaded ??= require("yaml") as typeof Yaml);
