// node:crypto for the modules on the server's start path, loaded at first use (as src/lazy-yaml.ts
// does for yaml). A server hashes, signs and draws random bytes only once calls come in; with
// node:crypto imported by those modules, loading it was ≈3% of a stdio server's start-up.
import { createRequire } from "node:module";
import type * as Crypto from "node:crypto";

const require = createRequire(import.meta.url);
let loaded: typeof Crypto | undefined;

export const nodeCrypto = (): typeof Crypto => (loaded ??= require("node:crypto") as typeof Crypto);
