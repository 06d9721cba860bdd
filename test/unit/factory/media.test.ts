import { describe, expect, it } from "vitest";
import { mediaFor } from "../../../src/factory/media.js";

const id = "a".repeat(64);

describe("artifact locations of a schematic", () => {
  it("metal amd64: installer on the factory's OCI frontend, media under /image and /pxe", () => {
    expect(mediaFor({ factoryUrl: "https://factory.example.test", id, version: "v1.12.6", platform: "metal", arch: "amd64", secureboot: false })).toEqual({
      installerImage: `factory.example.test/metal-installer/${id}:v1.12.6`,
      urls: {
        iso: `https://factory.example.test/image/${id}/v1.12.6/metal-amd64.iso`,
        diskImage: `https://factory.example.test/image/${id}/v1.12.6/metal-amd64.raw.xz`,
        pxe: `https://factory.example.test/pxe/${id}/v1.12.6/metal-amd64`,
        kernel: `https://factory.example.test/image/${id}/v1.12.6/kernel-amd64`,
        initramfs: `https://factory.example.test/image/${id}/v1.12.6/initramfs-amd64.xz`,
      },
    });
  });

  it("secure boot, other platforms and a self-hosted factory with a port", () => {
    const media = mediaFor({ factoryUrl: "http://127.0.0.1:8090/", id, version: "v1.12.6", platform: "gcp", arch: "arm64", secureboot: true });
    expect(media.installerImage).toBe(`127.0.0.1:8090/gcp-installer-secureboot/${id}:v1.12.6`);
    expect(media.urls.iso).toBe(`http://127.0.0.1:8090/image/${id}/v1.12.6/gcp-arm64-secureboot.iso`);
    expect(media.urls.diskImage).toBe(`http://127.0.0.1:8090/image/${id}/v1.12.6/gcp-arm64-secureboot.raw.tar.gz`);
    expect(mediaFor({ factoryUrl: "https://f.test", id, version: "v1.12.6", platform: "aws", arch: "amd64", secureboot: false }).urls.diskImage).toMatch(/aws-amd64\.raw\.xz$/);
  });
});
