// The file of `ipc-hls record --config cameras.json`: several cameras in one process. parseRecordConfig checks the
// whole file at once and reports every problem, each naming the camera and the field, so a long list of cameras
// is fixed in one pass. Passwords in source URLs never appear in a message.
//
//   { "defaults": { ...camera fields... }, "concurrency": 8, "metrics": 9464,
//     "cameras": [ { "name": "front-door", "source": "rtsp://user:pass@192.168.1.20/stream1", ... } ] }
//
// Each camera is its defaults overridden by its own fields (tags and spill merge key by key). A camera records to
// exactly one destination: an S3 bucket or a directory ("store"); giving its own one replaces the default one.
// Values left out stay undefined: `ipc-hls record` applies the same defaults as its flags.
import { resolve } from "node:path";
import { parseFrameRate } from "./cli/command.js";
import { CONTAINERS, MIN_BUFFER_SIZE, SEGMENT_DURATION_MAX, SEGMENT_DURATION_MIN, type Container } from "./core-types.js";
import { resolveEndpoint } from "./s3/endpoint.js";
import { encodeTags } from "./s3/tagging.js";
import { CAMERA_RE, normalizePrefix } from "./keys.js";
import { maskUserinfo } from "./mask-url.js";
import { isStorePrefix } from "./store-prefix.js";
import { closestName } from "./did-you-mean.js";

export type RtspTransport = "tcp" | "udp";

export type CameraSource =
  | { kind: "rtsp"; /** rtsp:// or rtsps://, credentials included: never log it, log `CameraConfig.sourceLabel`. */ url: string }
  | { kind: "stdin" }
  | { kind: "file"; path: string };

export type CameraDestination =
  | { kind: "s3"; bucket: string; region?: string; endpoint?: string; pathStyle?: boolean }
  | { kind: "dir"; dir: string };

export interface CameraConfig {
  name: string;
  source: CameraSource;
  /** The source as it may be printed: the URL's password masked. */
  sourceLabel: string;
  /** RTSP only: how RTP arrives. */
  transport?: RtspTransport;
  /** [numerator, denominator]; for pipes and files without VUI timing. */
  fps?: [number, number];
  destination: CameraDestination;
  /** Where the keys go: "<prefix>/<name>", or "<name>" without a prefix (what `serve` and `playlist` expect). */
  keyPrefix: string;
  spill?: { dir: string; maxBytes?: number };
  bufferSize?: number;
  segmentDuration?: number;
  container?: Container;
  tags?: Record<string, string>;
}

export interface RecordConfig {
  cameras: CameraConfig[];
  /** Uploads in flight at once, shared by every camera. */
  concurrency?: number;
  /** Port of the /metrics and /healthz server (on 127.0.0.1). */
  metricsPort?: number;
}

/** Everything wrong with a config file, one problem a line. */
export class RecordConfigError extends Error {
  override name = "RecordConfigError";
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

/** In a spill directory, replaced by the camera's name (every camera needs a directory of its own). */
export const NAME_PLACEHOLDER = "{name}";

const TOP_FIELDS = ["defaults", "concurrency", "metrics", "cameras"];
const SHARED_FIELDS = ["transport", "fps", "bucket", "prefix", "region", "endpoint", "pathStyle", "store", "spill", "bufferSize", "segmentDuration", "container", "tags"];
const CAMERA_FIELDS = ["name", "source", ...SHARED_FIELDS];
const SPILL_FIELDS = ["dir", "maxBytes"];
const S3_ONLY = ["region", "endpoint", "pathStyle"] as const;

/** The checked fields of one camera or of the defaults (absent ones undefined). */
interface Fields {
  transport?: RtspTransport;
  fps?: [number, number];
  bucket?: string;
  prefix?: string;
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
  store?: string;
  /** bucket or store was given (valid or not): a missing destination is not news then. */
  destinationGiven?: boolean;
  /** invalid: a field of it failed its check (and was reported). */
  spill?: { dir?: string; maxBytes?: number; invalid?: boolean };
  bufferSize?: number;
  segmentDuration?: number;
  container?: Container;
  tags?: Record<string, string>;
}

export function parseRecordConfig(json: unknown): RecordConfig {
  const problems: string[] = [];
  if (!isObject(json)) throw new RecordConfigError([`the config must be a JSON object, got ${shown(json)}`]);
  const report = (where: string) => (text: string) => problems.push(where ? `${where}: ${text}` : text);

  checkKnown(json, TOP_FIELDS, report(""));
  const concurrency = optional(json.concurrency, (v) => integerAtLeast(v, 1), "concurrency", report(""));
  const metricsPort = optional(json.metrics, (v) => port(v), "metrics", report(""));

  let defaults: Fields = {};
  if (json.defaults !== undefined) {
    if (isObject(json.defaults)) defaults = checkFields(json.defaults, SHARED_FIELDS, report("defaults"));
    else report("")(`defaults must be an object, got ${shown(json.defaults)}`);
  }

  const cameras: CameraConfig[] = [];
  if (!Array.isArray(json.cameras)) {
    report("")(json.cameras === undefined ? "cameras is required: a list of cameras" : `cameras must be a list, got ${shown(json.cameras)}`);
  } else if (json.cameras.length === 0) {
    report("")("cameras is empty: give at least one camera");
  }
  const cameraList: unknown[] = Array.isArray(json.cameras) ? json.cameras : [];
  const namesSeen = new Map<string, string>();
  let stdinCamera: string | undefined;
  const spillDirs = new Map<string, string>();
  cameraList.forEach((entry, index) => {
    const position = `cameras[${index}]`;
    if (!isObject(entry)) return report(position)(`must be an object, got ${shown(entry)}`);
    const name = typeof entry.name === "string" && CAMERA_RE.test(entry.name) ? entry.name : undefined;
    const where = name !== undefined ? `camera ${JSON.stringify(name)}` : position;
    const problem = report(where);
    if (entry.name === undefined) problem("name is required");
    else if (name === undefined) problem(`name must be 1-128 letters, digits, . _ : - (starting with a letter or digit), got ${shown(entry.name)}`);
    else if (namesSeen.has(name)) report(position)(`name ${JSON.stringify(name)} is already used by ${namesSeen.get(name)}`);
    else namesSeen.set(name, position);

    const own = checkFields(entry, CAMERA_FIELDS, problem);
    const source = checkSource(entry.source, problem);
    if (source?.kind === "stdin") {
      if (stdinCamera !== undefined) problem(`source "-" (standard input) is already ${stdinCamera}'s: only one camera can read it`);
      else stdinCamera = where;
    }
    if (own.transport !== undefined && source !== undefined && source.kind !== "rtsp") problem("transport applies only to rtsp:// and rtsps:// sources");

    const destination = mergeDestination(own, defaults, problem);
    const spill = mergeSpill(own.spill, defaults.spill, name, problem);
    if (spill && name !== undefined) {
      const other = spillDirs.get(resolve(spill.dir));
      if (other !== undefined) problem(`spill.dir ${shown(spill.dir)} is also ${other}'s: each camera needs its own (use ${NAME_PLACEHOLDER} in defaults)`);
      else spillDirs.set(resolve(spill.dir), where);
    }
    const tags = own.tags || defaults.tags ? { ...defaults.tags, ...own.tags } : undefined;
    if (tags && own.tags && defaults.tags) checkTags(tags, problem);

    if (name === undefined || source === undefined || destination === undefined) return;
    const prefix = normalizePrefix(own.prefix ?? defaults.prefix ?? "");
    cameras.push(
      dropUndefined({
        name,
        source,
        sourceLabel: source.kind === "rtsp" ? maskUserinfo(source.url) : source.kind === "stdin" ? "-" : source.path,
        transport: source.kind === "rtsp" ? (own.transport ?? defaults.transport) : undefined,
        fps: own.fps ?? defaults.fps,
        destination,
        keyPrefix: prefix ? `${prefix}/${name}` : name,
        spill,
        bufferSize: own.bufferSize ?? defaults.bufferSize,
        segmentDuration: own.segmentDuration ?? defaults.segmentDuration,
        container: own.container ?? defaults.container,
        tags,
      }),
    );
  });

  if (problems.length > 0) throw new RecordConfigError(problems);
  return dropUndefined({ cameras, concurrency, metricsPort });
}

/**
 * The text of a config file. A syntax error is reported by line and column only: V8's own message can quote the
 * text around the mistake, which may be a source URL with its password.
 */
export function parseRecordConfigText(text: string, file = "the config"): RecordConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const position = /at position (\d+)/.exec((err as Error).message);
    let where = "";
    if (position) {
      const before = text.slice(0, Number(position[1])).split("\n");
      where = ` (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
    }
    throw new RecordConfigError([`${file} is not valid JSON${where}`]);
  }
  return parseRecordConfig(json);
}

/** Checks each present field of a camera or of the defaults; reports unknown fields. */
function checkFields(entry: Record<string, unknown>, allowed: readonly string[], problem: (text: string) => void): Fields {
  checkKnown(entry, allowed, problem);
  const field = <T>(name: string, check: (v: unknown) => T | Problem) => optional(entry[name], check, name, problem);
  const fields: Fields = {
    transport: field("transport", (v) => (v === "tcp" || v === "udp" ? v : new Problem(`must be "tcp" or "udp", got ${shown(v)}`))),
    fps: field("fps", frameRate),
    bucket: field("bucket", bucketName),
    prefix: field("prefix", keyPrefix),
    region: field("region", (v) => (typeof v === "string" && /^[a-z0-9][a-z0-9-]{0,63}$/i.test(v) ? v : new Problem(`must be a region name like "eu-west-1", got ${shown(v)}`))),
    endpoint: field("endpoint", endpointUrl),
    pathStyle: field("pathStyle", (v) => (typeof v === "boolean" ? v : new Problem(`must be true or false, got ${shown(v)}`))),
    store: field("store", (v) => nonEmptyString(v, "a directory")),
    spill: undefined,
    bufferSize: field("bufferSize", (v) => integerAtLeast(v, MIN_BUFFER_SIZE)),
    segmentDuration: field("segmentDuration", (v) =>
      typeof v === "number" && v >= SEGMENT_DURATION_MIN && v <= SEGMENT_DURATION_MAX
        ? v
        : new Problem(`must be a number of seconds from ${SEGMENT_DURATION_MIN} to ${SEGMENT_DURATION_MAX}, got ${shown(v)}`),
    ),
    container: field("container", (v) => ((CONTAINERS as readonly unknown[]).includes(v) ? (v as Container) : new Problem(`must be ${CONTAINERS.map((c) => JSON.stringify(c)).join(" or ")}, got ${shown(v)}`))),
    tags: field("tags", tagsObject),
    destinationGiven: entry.bucket !== undefined || entry.store !== undefined,
  };
  if (entry.spill !== undefined) {
    if (!isObject(entry.spill)) problem(`spill must be an object like {"dir": "/var/spool/ipc-hls/${NAME_PLACEHOLDER}"}, got ${shown(entry.spill)}`);
    else {
      checkKnown(entry.spill, SPILL_FIELDS, problem, "spill.");
      const dir = optional(entry.spill.dir, (v) => nonEmptyString(v, "a directory"), "spill.dir", problem);
      const maxBytes = optional(entry.spill.maxBytes, (v) => integerAtLeast(v, 1), "spill.maxBytes", problem);
      const invalid = (entry.spill.dir !== undefined && dir === undefined) || (entry.spill.maxBytes !== undefined && maxBytes === undefined);
      fields.spill = { dir, maxBytes, invalid };
    }
  }
  if (fields.bucket !== undefined && fields.store !== undefined) problem("give either bucket (S3) or store (a directory), not both");
  return fields;
}

/** The camera's own destination, else the defaults' one; a bucket's S3 settings come from either. */
function mergeDestination(own: Fields, defaults: Fields, problem: (text: string) => void): CameraDestination | undefined {
  if (own.bucket !== undefined && own.store !== undefined) return undefined; // reported by checkFields
  const s3 = (bucket: string): CameraDestination =>
    dropUndefined({
      kind: "s3" as const,
      bucket,
      region: own.region ?? defaults.region,
      endpoint: own.endpoint ?? defaults.endpoint,
      pathStyle: own.pathStyle ?? defaults.pathStyle,
    });
  const dir = (store: string): CameraDestination => {
    for (const name of S3_ONLY) if (own[name] !== undefined) problem(`${name} applies only to a bucket, not to store`);
    return { kind: "dir", dir: store };
  };
  if (own.store !== undefined) return dir(own.store);
  if (own.bucket !== undefined) return s3(own.bucket);
  if (defaults.bucket !== undefined && defaults.store !== undefined) return undefined; // reported under defaults
  if (defaults.store !== undefined) return dir(defaults.store);
  if (defaults.bucket !== undefined) return s3(defaults.bucket);
  if (own.destinationGiven || defaults.destinationGiven) return undefined; // a bad one was reported
  problem("no destination: give bucket (S3) or store (a directory), here or in defaults");
  return undefined;
}

function mergeSpill(own: Fields["spill"], defaults: Fields["spill"], name: string | undefined, problem: (text: string) => void): CameraConfig["spill"] {
  if (own === undefined && defaults === undefined) return undefined;
  const dir = own?.dir ?? defaults?.dir;
  if (dir === undefined) {
    // A bad value was reported already; only a missing one is news.
    if (!own?.invalid && !defaults?.invalid) problem("spill.dir is required");
    return undefined;
  }
  return dropUndefined({ dir: name === undefined ? dir : dir.split(NAME_PLACEHOLDER).join(name), maxBytes: own?.maxBytes ?? defaults?.maxBytes });
}

function checkSource(value: unknown, problem: (text: string) => void): CameraSource | undefined {
  const expected = `source must be rtsp://…, rtsps://…, "-" (standard input) or a file path`;
  if (value === undefined) return problem("source is required"), undefined;
  if (typeof value !== "string" || value === "") return problem(`${expected}, got ${shown(value)}`), undefined;
  if (value === "-") return { kind: "stdin" };
  if (/^rtsps?:\/\//i.test(value)) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      /* reported below */
    }
    if (!url || url.hostname === "") return problem(`source is not a valid URL: ${shown(value)}`), undefined;
    return { kind: "rtsp", url: value };
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(value)) return problem(`${expected}, got ${shown(value)}`), undefined;
  return { kind: "file", path: value };
}

/** A failed check: the text after the field's name. */
class Problem {
  constructor(readonly text: string) {}
}

/** Runs `check` on a present value; reports "<field> <problem>" and gives undefined when it fails. */
function optional<T>(value: unknown, check: (v: unknown) => T | Problem, field: string, problem: (text: string) => void): T | undefined {
  if (value === undefined) return undefined;
  const result = check(value);
  if (result instanceof Problem) {
    problem(`${field} ${result.text}`);
    return undefined;
  }
  return result;
}

function integerAtLeast(v: unknown, min: number): number | Problem {
  return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : new Problem(`must be an integer ≥ ${min}, got ${shown(v)}`);
}

function port(v: unknown): number | Problem {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? (v as number) : new Problem(`must be a TCP port from 1 to 65535, got ${shown(v)}`);
}

function nonEmptyString(v: unknown, what: string): string | Problem {
  return typeof v === "string" && v !== "" ? v : new Problem(`must be ${what}, got ${shown(v)}`);
}

function frameRate(v: unknown): [number, number] | Problem {
  if (typeof v === "number" || typeof v === "string") {
    try {
      return parseFrameRate(String(v))!; // (defined for any string)
    } catch {
      /* reported below */
    }
  }
  return new Problem(`must be a frame rate from 0.1 to 1000 like 25, 29.97 or "30000/1001", got ${shown(v)}`);
}

function bucketName(v: unknown): string | Problem {
  if (typeof v === "string") {
    try {
      resolveEndpoint({ bucket: v, region: "us-east-1" });
      return v;
    } catch {
      /* reported below */
    }
  }
  return new Problem(`must be an S3 bucket name (3-63 lower-case letters, digits, . and -), got ${shown(v)}`);
}

function keyPrefix(v: unknown): string | Problem {
  if (typeof v === "string" && isStorePrefix(v)) return v;
  return new Problem(`must be a key prefix like "cameras" or "site-1/cameras", got ${shown(v)}`);
}

function endpointUrl(v: unknown): string | Problem {
  if (typeof v === "string") {
    try {
      resolveEndpoint({ bucket: "bucket", region: "us-east-1", endpoint: v });
      return v;
    } catch {
      /* reported below */
    }
  }
  return new Problem(`must be an http:// or https:// URL, got ${shown(v)}`);
}

function tagsObject(v: unknown): Record<string, string> | Problem {
  if (!isObject(v)) return new Problem(`must be an object of strings like {"site": "depot"}, got ${shown(v)}`);
  try {
    encodeTags(v as Record<string, string>);
    return v as Record<string, string>;
  } catch (err) {
    return new Problem(`are not valid: ${(err as Error).message}`);
  }
}

/** Tags merged from the defaults and the camera: still at most 10. */
function checkTags(tags: Record<string, string>, problem: (text: string) => void): void {
  const result = tagsObject(tags);
  if (result instanceof Problem) problem(`tags with the defaults' ${result.text}`);
}

/** Reports fields the schema does not have, with the closest known name when one is near. */
function checkKnown(entry: Record<string, unknown>, allowed: readonly string[], problem: (text: string) => void, path = ""): void {
  for (const key of Object.keys(entry)) {
    if (allowed.includes(key)) continue;
    const near = closestName(key, allowed);
    problem(`unknown field ${JSON.stringify(path + key)}${near ? ` (did you mean "${path}${near}"?)` : ""}`);
  }
}

/** A value as it appears in a message: JSON, short, and any URL password masked. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_, v: unknown) => (typeof v === "string" ? maskUserinfo(v) : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Leaves absent fields out, so results compare equal to literal objects. */
function dropUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}
