// The one error type for a Kubernetes API answer that is not a success, whichever client got it:
// callers decide on the HTTP status (404 absent, 409 someone else wrote first) and show the message.

/** A non-2xx answer: the HTTP status and the Status object's reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error for a non-2xx answer whose body may be a Status object (JSON text or parsed) or anything else. */
export function kubeApiError(status: number, what: string, body: unknown): KubeApiError {
  let answer: { reason?: unknown; message?: unknown } = {};
  if (typeof body === "string") {
    try {
      answer = JSON.parse(body) as typeof answer;
    } catch {
      // not a Status object: keep the text
    }
  } else if (body && typeof body === "object") {
    answer = body as typeof answer;
  }
  const reason = typeof answer.reason === "string" ? answer.reason : "";
  const text = typeof answer.message === "string" ? answer.message : typeof body === "string" ? body.trim() : "";
  return new KubeApiError(status, reason, `${what}: ${status} ${reason} ${text}`.replace(/\s+/g, " ").trim());
}
