// The S3 ObjectStore the uploader writes to: one PutObject attempt per put() (the uploader retries), with the
// integrity mode, tags and metadata of src/s3/put-object.ts. Listing goes through ListObjectsV2 (src/s3/list.ts).
import { S3Connection, type S3ConnectionOptions } from "../s3/request.js";
import { putObject } from "../s3/put-object.js";
import { encodeTags } from "../s3/tagging.js";
import { listAllObjects } from "../s3/list.js";
import { headObject } from "../s3/head-object.js";
import type { ChecksumMode, Crc32Function } from "../s3/checksum.js";
import type { ListedObject, ObjectStore, PutOptions } from "./types.js";

export interface S3StoreOptions extends S3ConnectionOptions {
  /** How the store verifies each body: "crc32" (default) or "sha256". See src/s3/checksum.ts. */
  checksum?: ChecksumMode;
  /** CRC-32 of the bodies instead of crc32Parts (e.g. the core's, reading the ring in place). */
  crc32?: Crc32Function;
}

export class S3Store implements ObjectStore {
  readonly connection: S3Connection;
  readonly description: string;
  private readonly checksum: ChecksumMode;
  private readonly crc32?: Crc32Function;

  constructor(options: S3StoreOptions) {
    this.connection = new S3Connection(options);
    this.checksum = options.checksum ?? "crc32";
    this.crc32 = options.crc32;
    const loc = options.location;
    this.description = `s3://${loc.bucket}${loc.endpoint ? ` at ${loc.endpoint}` : ` in ${loc.region}`}`;
  }

  async put(key: string, body: readonly Uint8Array[], options: PutOptions = {}): Promise<void> {
    await putObject(this.connection, key, body, {
      checksum: this.checksum,
      crc32: this.crc32,
      tagging: options.tags ? encodeTags(options.tags) : undefined,
      metadata: options.metadata,
      contentType: options.contentType,
      signal: options.signal,
    });
  }

  head(key: string, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    return headObject(this.connection, key, signal);
  }

  async list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
    return (await listAllObjects(this.connection, prefix, { signal })).objects;
  }

  close(): void {
    this.connection.close();
  }
}
