// Object tags for PutObject: the x-amz-tagging header is a URL query string ("k1=v1&k2=v2"), signed like any
// other header. S3 allows at most 10 tags per object, keys of 1-128 and values of 0-256 Unicode characters,
// made of letters, digits, spaces and + - = . _ : / @. We check all that up front, so a bad tag is a clear error
// at setTags() instead of an InvalidTag answer on every upload.
// Keys and values are percent-encoded as RFC 3986 says (what S3 decodes): spaces as %20, not "+".
import { escapeUri } from "@smithy/core/protocols";

export const MAX_TAGS = 10;

export class InvalidTagError extends Error {
  override name = "InvalidTagError";
}

const ALLOWED = /^[\p{L}\p{N}\p{Zs}+\-=._:/@]*$/u;

/** Validates tags and returns the x-amz-tagging header value ("" for no tags). */
export function encodeTags(tags: Record<string, string>): string {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw new InvalidTagError(`at most ${MAX_TAGS} tags per object, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (typeof value !== "string") throw new InvalidTagError(`tag ${JSON.stringify(key)}: the value must be a string`);
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > 128) throw new InvalidTagError(`tag key ${JSON.stringify(key)}: must be 1-128 characters`);
    if ([...value].length > 256) throw new InvalidTagError(`tag ${JSON.stringify(key)}: the value must be at most 256 characters`);
    if (key.toLowerCase().startsWith("aws:")) throw new InvalidTagError(`tag key ${JSON.stringify(key)}: the aws: prefix is reserved`);
    if (!ALLOWED.test(key) || !ALLOWED.test(value)) {
      throw new InvalidTagError(`tag ${JSON.stringify(key)}: only letters, digits, spaces and + - = . _ : / @ are allowed`);
    }
  }
  return entries.map(([k, v]) => `${escapeUri(k)}=${escapeUri(v)}`).join("&");
}
