// The cameras.json of `ipc-hls record --config`: a good file with defaults gives each camera its merged settings;
// a table of bad files gives exactly the listed problems (all of them, not just the first), each naming the camera
// and the field, and never a password from a source URL.
import { describe, it, expect } from "vitest";
import { parseRecordConfig, parseRecordConfigText, RecordConfigError } from "../src/record-config.js";
import { maskUserinfo } from "../src/mask-url.js";

const camera = (fields: Record<string, unknown> = {}) => ({ name: "front-door", source: "rtsp://192.168.1.20/stream1", bucket: "recordings", ...fields });

function problems(config: unknown): readonly string[] {
  try {
    parseRecordConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(RecordConfigError);
    expect((err as Error).message).toBe((err as RecordConfigError).problems.join("\n"));
    return (err as RecordConfigError).problems;
  }
  throw new Error("the config was accepted");
}

describe("parseRecordConfig: a good config", () => {
  it("merges the defaults into each camera; a camera's own destination replaces the default one", () => {
    const config = parseRecordConfig({
      defaults: {
        bucket: "recordings",
        region: "eu-west-1",
        prefix: "/site-1/cameras/",
        bufferSize: 8388608,
        segmentDuration: 4,
        spill: { dir: "/var/spool/ipc-hls/{name}", maxBytes: 1000000 },
        tags: { site: "depot", retention: "long" },
        transport: "udp",
      },
      concurrency: 8,
      metrics: 9464,
      cameras: [
        { name: "front-door", source: "rtsp://admin:s3cr3t@192.168.1.20:554/stream1", tags: { retention: "short" } },
        { name: "yard", source: "rtsps://cam.example/live", transport: "tcp", bucket: "yard-bucket", endpoint: "http://127.0.0.1:9000", pathStyle: true, spill: { maxBytes: 5 } },
        { name: "pi", source: "-", fps: "30000/1001", store: "/srv/recordings", prefix: "" },
        { name: "replay", source: "clips/cam.h264", fps: 25 },
      ],
    });
    expect(config).toEqual({
      concurrency: 8,
      metricsPort: 9464,
      cameras: [
        {
          name: "front-door",
          source: { kind: "rtsp", url: "rtsp://admin:s3cr3t@192.168.1.20:554/stream1" },
          sourceLabel: "rtsp://admin:***@192.168.1.20:554/stream1",
          transport: "udp",
          destination: { kind: "s3", bucket: "recordings", region: "eu-west-1" },
          keyPrefix: "site-1/cameras/front-door",
          spill: { dir: "/var/spool/ipc-hls/front-door", maxBytes: 1000000 },
          bufferSize: 8388608,
          segmentDuration: 4,
          tags: { site: "depot", retention: "short" },
        },
        {
          name: "yard",
          source: { kind: "rtsp", url: "rtsps://cam.example/live" },
          sourceLabel: "rtsps://cam.example/live",
          transport: "tcp",
          destination: { kind: "s3", bucket: "yard-bucket", region: "eu-west-1", endpoint: "http://127.0.0.1:9000", pathStyle: true },
          keyPrefix: "site-1/cameras/yard",
          spill: { dir: "/var/spool/ipc-hls/yard", maxBytes: 5 },
          bufferSize: 8388608,
          segmentDuration: 4,
          tags: { site: "depot", retention: "long" },
        },
        {
          name: "pi",
          source: { kind: "stdin" },
          sourceLabel: "-",
          fps: [30000, 1001],
          destination: { kind: "dir", dir: "/srv/recordings" },
          keyPrefix: "pi",
          spill: { dir: "/var/spool/ipc-hls/pi", maxBytes: 1000000 },
          bufferSize: 8388608,
          segmentDuration: 4,
          tags: { site: "depot", retention: "long" },
        },
        {
          name: "replay",
          source: { kind: "file", path: "clips/cam.h264" },
          sourceLabel: "clips/cam.h264",
          fps: [25, 1],
          destination: { kind: "s3", bucket: "recordings", region: "eu-west-1" },
          keyPrefix: "site-1/cameras/replay",
          spill: { dir: "/var/spool/ipc-hls/replay", maxBytes: 1000000 },
          bufferSize: 8388608,
          segmentDuration: 4,
          tags: { site: "depot", retention: "long" },
        },
      ],
    });
  });

  it("leaves out what the file does not say (the record command's defaults apply)", () => {
    expect(parseRecordConfig({ defaults: { container: "fmp4" }, cameras: [{ name: "c1", source: "-", store: "rec" }, { name: "c2", source: "rtsp://cam/1", store: "rec", container: "ts" }] }).cameras.map((c) => c.container)).toEqual(["fmp4", "ts"]);
    expect(parseRecordConfig({ cameras: [{ name: "c1", source: "-", store: "rec" }] })).toEqual({
      cameras: [{ name: "c1", source: { kind: "stdin" }, sourceLabel: "-", destination: { kind: "dir", dir: "rec" }, keyPrefix: "c1" }],
    });
  });
});

describe("parseRecordConfig: bad configs give exactly these problems", () => {
  const cases: [string, unknown, string[]][] = [
    ["not an object", [1], ["the config must be a JSON object, got [1]"]],
    ["no cameras", {}, ["cameras is required: a list of cameras"]],
    ["empty cameras", { cameras: [] }, ["cameras is empty: give at least one camera"]],
    ["cameras not a list", { cameras: { a: 1 } }, ['cameras must be a list, got {"a":1}']],
    ["a camera not an object", { cameras: ["rtsp://x"] }, ['cameras[0]: must be an object, got "rtsp://x"']],
    ["an unknown container", { cameras: [camera({ container: "mp4" })] }, ['camera "front-door": container must be "ts" or "fmp4", got "mp4"']],
    ["bufferSize as text", { cameras: [camera({ bufferSize: "4M" })] }, ['camera "front-door": bufferSize must be an integer ≥ 12032, got "4M"']],
    ["bufferSize too small", { cameras: [camera({ bufferSize: 12031 })] }, ['camera "front-door": bufferSize must be an integer ≥ 12032, got 12031']],
    ["bufferSize fractional", { cameras: [camera({ bufferSize: 20000.5 })] }, ['camera "front-door": bufferSize must be an integer ≥ 12032, got 20000.5']],
    [
      "several problems in one camera, all reported",
      { cameras: [camera({ transport: "http", fps: 0, segmentDuration: 61, pathStyle: "yes" })] },
      [
        'camera "front-door": transport must be "tcp" or "udp", got "http"',
        'camera "front-door": fps must be a frame rate from 0.1 to 1000 like 25, 29.97 or "30000/1001", got 0',
        'camera "front-door": pathStyle must be true or false, got "yes"',
        'camera "front-door": segmentDuration must be a number of seconds from 0.1 to 60, got 61',
      ],
    ],
    ["no name", { cameras: [{ source: "-", store: "d" }] }, ["cameras[0]: name is required"]],
    [
      "a bad name is named by index",
      { cameras: [camera(), { name: "../etc", source: "-", store: "d" }] },
      ['cameras[1]: name must be 1-128 letters, digits, . _ : - (starting with a letter or digit), got "../etc"'],
    ],
    [
      "duplicate names",
      { cameras: [camera(), camera({ source: "rtsp://other/1" })] },
      ['cameras[1]: name "front-door" is already used by cameras[0]'],
    ],
    ["no source", { cameras: [{ name: "a", store: "d" }] }, ['camera "a": source is required']],
    [
      "unsupported scheme, password masked",
      { cameras: [camera({ source: "http://admin:s3cr3t@cam/video" })] },
      ['camera "front-door": source must be rtsp://…, rtsps://…, "-" (standard input) or a file path, got "http://admin:***@cam/video"'],
    ],
    [
      "an RTSP URL without a host, password masked",
      { cameras: [camera({ source: "rtsp://admin:s3cr3t@/stream" })] },
      ['camera "front-door": source is not a valid URL: "rtsp://admin:***@/stream"'],
    ],
    [
      "two cameras on standard input",
      { cameras: [camera({ name: "a", source: "-" }), camera({ name: "b", source: "-" })] },
      ['camera "b": source "-" (standard input) is already camera "a"\'s: only one camera can read it'],
    ],
    ["transport on a pipe", { cameras: [camera({ source: "-", transport: "udp" })] }, ['camera "front-door": transport applies only to rtsp:// and rtsps:// sources']],
    [
      "no destination",
      { cameras: [{ name: "a", source: "-" }] },
      ['camera "a": no destination: give bucket (S3) or store (a directory), here or in defaults'],
    ],
    ["two destinations", { cameras: [camera({ store: "dir" })] }, ['camera "front-door": give either bucket (S3) or store (a directory), not both']],
    [
      "two destinations in defaults are reported once",
      { defaults: { bucket: "recordings", store: "dir" }, cameras: [{ name: "a", source: "-" }, { name: "b", source: "-1.h264" }] },
      ["defaults: give either bucket (S3) or store (a directory), not both"],
    ],
    [
      "S3 settings with a directory",
      { defaults: { store: "dir" }, cameras: [{ name: "a", source: "-", endpoint: "http://127.0.0.1:9000" }] },
      ['camera "a": endpoint applies only to a bucket, not to store'],
    ],
    ["bad bucket name", { cameras: [camera({ bucket: "My_Bucket" })] }, ['camera "front-door": bucket must be an S3 bucket name (3-63 lower-case letters, digits, . and -), got "My_Bucket"']],
    [
      "bad endpoint, password masked",
      { cameras: [camera({ endpoint: "ftp://key:s3cr3t@store" })] },
      ['camera "front-door": endpoint must be an http:// or https:// URL, got "ftp://key:***@store"'],
    ],
    ["bad prefix", { cameras: [camera({ prefix: "a/../b" })] }, ['camera "front-door": prefix must be a key prefix like "cameras" or "site-1/cameras", got "a/../b"']],
    ["bad region", { cameras: [camera({ region: "eu west" })] }, ['camera "front-door": region must be a region name like "eu-west-1", got "eu west"']],
    [
      "unknown fields, with and without a suggestion",
      { concurency: 2, cameras: [camera({ bufferSzie: 100000, colour: "red", Tags: {} })] },
      [
        'unknown field "concurency" (did you mean "concurrency"?)',
        'camera "front-door": unknown field "bufferSzie" (did you mean "bufferSize"?)',
        'camera "front-door": unknown field "colour"',
        'camera "front-door": unknown field "Tags" (did you mean "tags"?)',
      ],
    ],
    [
      "spill: not an object, unknown field, missing dir",
      { cameras: [camera({ name: "a", spill: "/tmp/x" }), camera({ name: "b", spill: { dir: "/s/b", max: 5 } }), camera({ name: "c", spill: { maxBytes: 5 } })] },
      [
        'camera "a": spill must be an object like {"dir": "/var/spool/ipc-hls/{name}"}, got "/tmp/x"',
        'camera "b": unknown field "spill.max" (did you mean "spill.maxBytes"?)',
        'camera "c": spill.dir is required',
      ],
    ],
    [
      "spill directory shared by two cameras",
      { defaults: { spill: { dir: "/var/spool/ipc-hls" } }, cameras: [camera({ name: "a" }), camera({ name: "b" })] },
      ['camera "b": spill.dir "/var/spool/ipc-hls" is also camera "a"\'s: each camera needs its own (use {name} in defaults)'],
    ],
    [
      "the same spill directory written two ways",
      { cameras: [camera({ name: "a", spill: { dir: "/var/spool/a" } }), camera({ name: "b", spill: { dir: "/var/spool/b/../a/" } })] },
      ['camera "b": spill.dir "/var/spool/b/../a/" is also camera "a"\'s: each camera needs its own (use {name} in defaults)'],
    ],
    ["spill.maxBytes zero", { cameras: [camera({ spill: { dir: "/s", maxBytes: 0 } })] }, ['camera "front-door": spill.maxBytes must be an integer ≥ 1, got 0']],
    [
      "bad tags",
      { cameras: [camera({ name: "a", tags: ["x"] }), camera({ name: "b", tags: { "aws:x": "1" } })] },
      [
        'camera "a": tags must be an object of strings like {"site": "depot"}, got ["x"]',
        'camera "b": tags are not valid: tag key "aws:x": the aws: prefix is reserved',
      ],
    ],
    [
      "too many tags once merged",
      { defaults: { tags: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`d${i}`, "x"])) }, cameras: [camera({ tags: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`c${i}`, "x"])) })] },
      ["camera \"front-door\": tags with the defaults' are not valid: at most 10 tags per object, got 11"],
    ],
    [
      "top-level fields",
      { concurrency: 0, metrics: 70000, defaults: [], cameras: [camera()] },
      ["concurrency must be an integer ≥ 1, got 0", "metrics must be a TCP port from 1 to 65535, got 70000", "defaults must be an object, got []"],
    ],
    [
      "problems in the defaults are named once, under defaults",
      { defaults: { bufferSize: -1, name: "x" }, cameras: [camera({ name: "a" }), camera({ name: "b" })] },
      ['defaults: unknown field "name"', "defaults: bufferSize must be an integer ≥ 12032, got -1"],
    ],
  ];

  it.each(cases)("%s", (_, config, expected) => {
    expect(problems(config)).toEqual(expected);
  });

  it("never prints a password, whatever else is wrong", () => {
    const secret = "s3cr3t-P@ss";
    const sources = [`rtsp://admin:${secret}@cam/1`, `rtsp://admin:${secret}@`, `rtps://admin:${secret}@cam/1`, `http://${secret}@cam`, `rtsp://u:${secret}@cam:99999/x`];
    for (const source of sources) {
      let message = "";
      try {
        parseRecordConfig({ cameras: [{ name: "a", source, bufferSize: source, spill: { dir: source }, tags: { k: source } }] });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain("s3cr3t");
    }
  });
});

describe("parseRecordConfigText", () => {
  it("parses the file's text", () => {
    expect(parseRecordConfigText('{"cameras": [{"name": "a", "source": "-", "store": "d"}]}').cameras[0]!.name).toBe("a");
  });

  it.each([
    ['{"cameras": [{"name": "a",\n  "source": "rtsp://admin:s3cr3t@cam/1" "store": "d"}]}', "cameras.json is not valid JSON (line 2, column 41)"],
    ['{"cameras": [rtsp://admin:s3cr3t@cam/1]}', "cameras.json is not valid JSON"],
    ['{"cameras": [{"source": "rtsp://admin:s3cr3t@cam/1"', "cameras.json is not valid JSON (line 1, column 52)"],
  ])("a syntax error names the place, never the text: %s", (text, message) => {
    expect(() => parseRecordConfigText(text, "cameras.json")).toThrow(new RecordConfigError([message]));
  });
});

describe("maskUserinfo", () => {
  it.each([
    ["rtsp://admin:secret@192.168.1.20:554/stream1", "rtsp://admin:***@192.168.1.20:554/stream1"],
    ["rtsp://token@cam/live", "rtsp://***@cam/live"],
    ["rtsp://admin:pa@ss/word@cam/live", "rtsp://admin:***@cam/live"],
    ["rtsp://cam/live", "rtsp://cam/live"],
    ["clips/a@b.h264", "clips/a@b.h264"],
  ])("%s → %s", (input, output) => {
    expect(maskUserinfo(input)).toBe(output);
  });
});
