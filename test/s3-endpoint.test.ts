// Where requests go: AWS regions in virtual-hosted style (China's own domain), custom endpoints, path style.
import { describe, expect, test } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolveEndpoint, encodeKeyPath, InvalidEndpointError } from "../src/s3/endpoint.js";
import { S3Connection } from "../src/s3/request.js";

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

  // An address has no "<bucket>.<address>" name: such endpoints go path style without being told.
  test.each([
    ["http://127.0.0.1:9000", "127.0.0.1"],
    ["http://10.1.2.3", "10.1.2.3"],
    ["http://[::1]:9000", "[::1]"],
    ["https://[fd00::5]", "[fd00::5]"],
    ["http://localhost:9000", "localhost"],
    ["LOCALHOST:9000", "localhost"],
  ])("%s goes path style by itself", (endpoint, hostname) => {
    expect(resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint })).toMatchObject({ hostname, basePath: "/rec/" });
  });

  test("forcePathStyle: false keeps localhost virtual-hosted (a store set up for <bucket>.localhost), never an address", () => {
    expect(resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint: "http://localhost:9000", forcePathStyle: false })).toMatchObject({ hostname: "rec.localhost", basePath: "/" });
    expect(resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint: "http://127.0.0.1:9000", forcePathStyle: false }).basePath).toBe("/rec/");
  });

  test("a named host keeps virtual-hosted style unless told", () => {
    for (const endpoint of ["http://minio.local:9000", "https://127.0.0.1.nip.io", "http://localhost.example"]) {
      expect(resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint }).basePath, endpoint).toBe("/");
    }
  });

  test("an IPv6 endpoint is reached (the brackets stay in the Host header only)", async () => {
    const seen: { host?: string; url?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ host: req.headers.host, url: req.url });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "::1", resolve));
    const port = (server.address() as AddressInfo).port;
    const connection = new S3Connection({ location: { region: "us-east-1", bucket: "rec", endpoint: `http://[::1]:${port}` }, credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }) });
    try {
      expect((await connection.send({ method: "GET", key: "cam/a.ts" })).status).toBe(200);
      expect(seen).toEqual([{ host: `[::1]:${port}`, url: "/rec/cam/a.ts" }]);
    } finally {
      connection.close();
      server.close();
    }
  });

  test("refuses bucket names S3 does not allow and endpoints that are not http(s)", () => {
    for (const bucket of ["", "a", "UPPER", "-lead", "under_score", "x".repeat(64)]) {
      expect(() => resolveEndpoint({ region: "us-east-1", bucket }), bucket).toThrow(InvalidEndpointError);
    }
    expect(() => resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint: "ftp://host" })).toThrow(/http or https, not ftp/);
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
