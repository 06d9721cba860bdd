// Hostile input, generated: every Omni, factory, docs and policy tool (see fuzz/suite.ts).
import { ALL_TOOLS } from "../../tools/index.js";
import { fuzzTools } from "./fuzz/suite.js";

fuzzTools(
  "fuzzing the Omni, factory, docs and policy tools",
  ALL_TOOLS.filter((tool) => !["talos", "etcd", "lifecycle"].includes(tool.toolset)).map((tool) => tool.name),
);
