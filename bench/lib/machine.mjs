// Facts about the machine a benchmark ran on, written next to every result.
import { cpus, loadavg, totalmem } from "node:os";

export function machineFacts() {
  const cores = cpus();
  return {
    cpu: cores[0]?.model ?? "unknown",
    cores: cores.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1m: +loadavg()[0].toFixed(2),
  };
}
