// `node --import ./bench/lib/module-count.mjs …`: registers bench/lib/module-count-hooks.mjs.
import { register } from "node:module";

register(new URL("./module-count-hooks.mjs", import.meta.url));
