import { describe, expect, it } from "vitest";
import { limitResponse, ResponseTooLarge } from "../../../src/net/limit-response.js";

const streamOf = (chunks: number, size: number) =>
  new ReadableStream<Uint8Array>({
    pull(controller) {
      if (chunks-- <= 0) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(120));
    },
  });

describe("limitResponse", () => {
  it("passes answers up to the limit unchanged (status, headers, body)", async () => {
    const response = limitResponse(new Response("x".repeat(100), { status: 201, headers: { "x-a": "1" } }), 100, "test");
    expect(response.status).toBe(201);
    expect(response.headers.get("x-a")).toBe("1");
    expect(await response.text()).toBe("x".repeat(100));
    expect(await limitResponse(new Response(streamOf(10, 10)), 100, "test").text()).toHaveLength(100);
    expect(await limitResponse(new Response(null, { status: 204 }), 1, "test").text()).toBe("");
  });

  it("fails a body that grows past the limit, naming who sent it", async () => {
    await expect(limitResponse(new Response("x".repeat(101)), 100, "the docs site").text()).rejects.toThrow(/the docs site sent more than 100 bytes/);
    await expect(limitResponse(new Response(streamOf(11, 10)), 100, "t").text()).rejects.toBeInstanceOf(ResponseTooLarge);
  });

  it("stops an endless body at the limit", async () => {
    const endless = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array(65_536)) });
    await expect(limitResponse(new Response(endless), 1_000_000, "t").arrayBuffer()).rejects.toBeInstanceOf(ResponseTooLarge);
  });

  it("refuses at once when the declared length is over the limit", async () => {
    const response = limitResponse(new Response(streamOf(1, 10), { headers: { "content-length": "5000" } }), 100, "t");
    await expect(response.text()).rejects.toThrow(/more than 100 bytes/);
  });
});
