// A cap on how much of an HTTP answer is read. The Image Factory and the docs site are outside
// the server's control: an endpoint that answers with an endless or huge body must cost an error,
// not the server's memory. Time is bounded by each client's own timeout.

export class ResponseTooLarge extends Error {}

/** The same answer, whose body fails (ResponseTooLarge) once more than `limit` bytes have arrived. */
export function limitResponse(response: Response, limit: number, what: string): Response {
  if (!response.body) return response;
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooLarge = () => new ResponseTooLarge(`${what} sent more than ${limit} bytes; the answer was not read`);
  if (declared > limit) {
    void response.body.cancel().catch(() => undefined);
    const failed = new ReadableStream<Uint8Array>({ start: (controller) => controller.error(tooLarge()) });
    return new Response(failed, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  let received = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}
