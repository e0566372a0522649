// Where requests go: AWS regions in virtual-hosted style (China's own domain), custom endpoints, path style.
import { describe, expect, test } from "vitest";
import { resolveEndpoint, encodeKeyPath, InvalidEndpointError } from "../src/s3/endpoint.js";

describe("resolveEndpoint", () => {
  test.each([
    { loc: { region: "eu-west-1", bucket: "rec" }, want: { protocol: "https:", hostname: "rec.s3.eu-west-1.amazonaws.com", basePath: "/" } },
    { loc: { region: "cn-north-1", bucket: "rec" }, want: { protocol: "https:", hostname: "rec.s3.cn-north-1.amazonaws.com.cn", basePath: "/" } },
    { loc: { region: "cn-northwest-1", bucket: "rec", forcePathStyle: true }, want: { protocol: "https:", hostname: "s3.cn-northwest-1.amazonaws.com.cn", basePath: "/rec/" } },
    // The TLS wildcard certificate covers no dotted bucket names: those go path style.
    { loc: { region: "us-east-1", bucket: "rec.example.com" }, want: { protocol: "https:", hostname: "s3.us-east-1.amazonaws.com", basePath: "/rec.example.com/" } },
    { loc: { region: "us-east-1", bucket: "rec", endpoint: "http://127.0.0.1:9000", forcePathStyle: true }, want: { protocol: "http:", hostname: "127.0.0.1", port: 9000, basePath: "/rec/" } },
    { loc: { region: "us-east-1", bucket: "rec", endpoint: "storage.example.net" }, want: { protocol: "https:", hostname: "rec.storage.example.net", basePath: "/" } },
  ])("$loc.region $loc.bucket $loc.endpoint → $want.hostname$want.basePath", ({ loc, want }) => {
    expect(resolveEndpoint(loc)).toEqual({ port: undefined, ...want });
  });

  test("refuses bucket names S3 does not allow and endpoints that are not http(s)", () => {
    for (const bucket of ["", "a", "UPPER", "-lead", "under_score", "x".repeat(64)]) {
      expect(() => resolveEndpoint({ region: "us-east-1", bucket }), bucket).toThrow(InvalidEndpointError);
    }
    expect(() => resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint: "ftp://host" })).toThrow(/http or https/);
    expect(() => resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint: "http://" })).toThrow(InvalidEndpointError);
  });
});

describe("encodeKeyPath", () => {
  test("keeps slashes and unreserved characters, percent-encodes the rest (RFC 3986)", () => {
    expect(encodeKeyPath("cam 1/2026/11/25/19/36-42.711_2000ms_f286e9c2-000000.ts")).toBe(
      "cam%201/2026/11/25/19/36-42.711_2000ms_f286e9c2-000000.ts",
    );
    expect(encodeKeyPath("a!b'c(d)e*f~g&h=é")).toBe("a%21b%27c%28d%29e%2Af~g%26h%3D%C3%A9");
  });
});
