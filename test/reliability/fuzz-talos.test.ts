// Hostile input, generated: every Talos, etcd and lifecycle tool (see fuzz/suite.ts).
import { ALL_TOOLS } from "../../tools/index.js";
import { fuzzTools } from "./fuzz/suite.js";

fuzzTools(
  "fuzzing the Talos tools",
  ALL_TOOLS.filter((tool) => ["talos", "etcd", "lifecycle"].includes(tool.toolset)).map((tool) => tool.name),
);
