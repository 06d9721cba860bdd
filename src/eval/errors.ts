// Errors an eval command reports as bad input (exit 2, the message names the fix), as opposed to a
// task that fails its checks (exit 1) or a bug (a stack trace).
export class EvalInputError extends Error {
  override name = "EvalInputError";
}
