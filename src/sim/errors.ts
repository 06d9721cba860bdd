// What the simulated APIs (Talos and Omni) answer with on failure, and how Go clients print it.
import * as grpc from "@grpc/grpc-js";

/** A gRPC status error a node answers with. */
export class SimError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/** gRPC code → the name Go prints ("ALREADY_EXISTS" → "AlreadyExists"; codes.OK prints "OK"). */
export const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(grpc.status)
    .filter(([, value]) => typeof value === "number")
    .map(([name, value]) => [value, name === "OK" ? name : name.split("_").map((w) => w[0] + w.slice(1).toLowerCase()).join("")]),
);

/** How Go's status error prints: "rpc error: code = AlreadyExists desc = …". */
export function goErrorText(error: SimError): string {
  return `rpc error: code = ${CODE_NAMES[error.code]} desc = ${error.message}`;
}

/** A google.protobuf.Timestamp. */
export const ts = (date: Date) => ({ seconds: Math.floor(date.getTime() / 1000), nanos: (date.getTime() % 1000) * 1e6 });

/** The status a failed handler answers with: its SimError, or `fallback` with the error's message. */
export function asSimError(error: unknown, fallback: grpc.status = grpc.status.UNKNOWN): SimError {
  return error instanceof SimError ? error : new SimError(fallback, (error as Error).message);
}
