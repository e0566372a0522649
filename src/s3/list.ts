// ListObjectsV2 with paging, on top of S3Connection. The XML answer is flat and regular, so a small extractor
// of our own reads the few fields we need (no XML library).
import type { S3Connection } from "./request.js";
import { decodeXmlText } from "./xml.js";

/** One object of a listing (src/store/types.ts hands it on to every store). */
export interface ListedObject {
  key: string;
  size: number;
}

export interface ListPage {
  objects: ListedObject[];
  /** CommonPrefixes, when listing with a delimiter: "cam1/", "cam2/". */
  folders: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

export interface ListOptions {
  /** "/" to get the next folder level as `folders` instead of every key below. */
  delimiter?: string;
  /** Keys per page, 1..1000 (S3's maximum and default is 1000). */
  maxKeys?: number;
  continuationToken?: string;
  signal?: AbortSignal;
}

/** The answer did not look like a ListObjectsV2 result. */
export class ListParseError extends Error {
  override name = "ListParseError";
}

/** Guards against a store that keeps saying "truncated": 10 000 pages are 10 million keys. */
const MAX_PAGES = 10_000;
/** The largest page read: 1000 keys of S3's longest (1 KiB, escaped) with their fields fit several times over. */
export const LIST_PAGE_MAX_BYTES = 8 * 1024 * 1024;

/** One ListObjectsV2 request. */
export async function listObjectsPage(conn: S3Connection, prefix: string, options: ListOptions = {}): Promise<ListPage> {
  const query: Record<string, string> = { "list-type": "2", prefix };
  if (options.delimiter) query.delimiter = options.delimiter;
  if (options.maxKeys !== undefined) query["max-keys"] = String(options.maxKeys);
  if (options.continuationToken) query["continuation-token"] = options.continuationToken;
  const res = await conn.send({ method: "GET", query, signal: options.signal, maxBodyBytes: LIST_PAGE_MAX_BYTES });
  return parseListObjectsV2(res.body.toString("utf8"));
}

/** Every object (and folder, with a delimiter) under `prefix`, following continuation tokens. */
export async function listAllObjects(
  conn: S3Connection,
  prefix: string,
  options: Omit<ListOptions, "continuationToken"> = {},
): Promise<{ objects: ListedObject[]; folders: string[] }> {
  const objects: ListedObject[] = [];
  const folders: string[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await listObjectsPage(conn, prefix, { ...options, continuationToken });
    objects.push(...result.objects);
    folders.push(...result.folders);
    if (!result.isTruncated) return { objects, folders };
    if (!result.nextContinuationToken) throw new ListParseError("listing is truncated but has no NextContinuationToken");
    continuationToken = result.nextContinuationToken;
  }
  throw new ListParseError(`listing of ${JSON.stringify(prefix)} did not end after ${MAX_PAGES} pages`);
}

/** Reads Key/Size of each Contents, each CommonPrefixes/Prefix, IsTruncated and NextContinuationToken. */
export function parseListObjectsV2(xml: string): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml)) throw new ListParseError("the answer is not a ListBucketResult");
  const objects = blocks(xml, "Contents").map((block) => {
    const key = field(block, "Key");
    const size = Number(field(block, "Size"));
    if (key === undefined || !Number.isSafeInteger(size) || size < 0) throw new ListParseError("a Contents entry lacks Key or Size");
    return { key, size };
  });
  const folders = blocks(xml, "CommonPrefixes").map((block) => {
    const prefix = field(block, "Prefix");
    if (prefix === undefined) throw new ListParseError("a CommonPrefixes entry lacks Prefix");
    return prefix;
  });
  // The top-level fields come before or after the entries; strip the entries so a key can never be mistaken for one.
  const top = xml.replace(/<(Contents|CommonPrefixes)>[\s\S]*?<\/\1>/g, "");
  const isTruncated = field(top, "IsTruncated") === "true";
  return { objects, folders, isTruncated, nextContinuationToken: field(top, "NextContinuationToken") || undefined };
}

/** The inner text of every <name>...</name> element. */
function blocks(xml: string, name: string): string[] {
  const re = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g");
  return Array.from(xml.matchAll(re), (m) => m[1]);
}

/** The decoded text of the first <name>...</name> (or "" for <name/>); undefined when absent. */
function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>|<${name}\\s*/>`).exec(xml);
  if (!m) return undefined;
  return decodeXmlText(m[1] ?? "");
}
