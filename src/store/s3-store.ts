// The S3 ObjectStore, both sides of it. Recording: one PutObject attempt per put() (the uploader retries), with the
// integrity mode, tags and metadata of src/s3/put-object.ts. Playback: listings (ListObjectsV2, src/s3/list.ts)
// and presigned segment URLs, for the playlist command, the server and the Lambda handler.
import { describeLocation } from "../s3/endpoint.js";
import { S3ResponseError } from "../s3/errors.js";
import { headObject } from "../s3/head-object.js";
import { listAllObjects, listObjectsPage } from "../s3/list.js";
import { presignGetUrl, type PresignedUrl } from "../s3/presign.js";
import { putObject } from "../s3/put-object.js";
import { S3Connection, type S3ConnectionOptions } from "../s3/request.js";
import { encodeTags } from "../s3/tagging.js";
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

  /** From options, or over a connection already made (then with the default checksum). */
  constructor(options: S3StoreOptions | S3Connection) {
    const fromConnection = options instanceof S3Connection;
    this.connection = fromConnection ? options : new S3Connection(options);
    this.checksum = (!fromConnection && options.checksum) || "crc32";
    this.crc32 = fromConnection ? undefined : options.crc32;
    this.description = describeLocation(this.connection.location);
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

  /** Every key that starts with `prefix`, in S3's (lexicographic) order. */
  async list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
    return (await listAllObjects(this.connection, prefix, { signal })).objects;
  }

  /** The names of the folders directly under `prefix` ("" for the bucket root), sorted. */
  async listFolders(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const base = prefix === "" || prefix.endsWith("/") ? prefix : prefix + "/";
    const { folders } = await listAllObjects(this.connection, base, { delimiter: "/", signal });
    return folders.map((f) => f.slice(base.length).replace(/\/$/, "")).filter((name) => name !== "").sort();
  }

  /** Whether any object starts with `prefix` (one request, one key). */
  async hasAny(prefix: string, signal?: AbortSignal): Promise<boolean> {
    return (await listObjectsPage(this.connection, prefix, { maxKeys: 1, signal })).objects.length > 0;
  }

  /**
   * Whether the bucket exists: one listing of at most one key under `prefix`. A listing these credentials may not
   * make (AccessDenied: a role that may only write) says it does. Other failures (credentials refused, store
   * unreachable) throw, as S3 errors.
   */
  async probe(prefix = "", signal?: AbortSignal): Promise<boolean> {
    try {
      await listObjectsPage(this.connection, prefix, { maxKeys: 1, signal });
      return true;
    } catch (err) {
      if (err instanceof S3ResponseError && err.code === "NoSuchBucket") return false;
      if (err instanceof S3ResponseError && err.code === "AccessDenied") return true;
      throw err;
    }
  }

  /** A presigned GET URL for a key, signed with the connection's current credentials and corrected clock. */
  async presign(key: string, expiresIn: number, signingDate?: Date): Promise<PresignedUrl> {
    const credentials = await this.connection.currentCredentials();
    return presignGetUrl({
      location: this.connection.location,
      credentials,
      // The connection keeps one signer per credentials object: its signing-key cache is reused.
      signer: this.connection.signerFor(credentials),
      key,
      expiresIn,
      signingDate: signingDate ?? new Date(this.connection.clock.now()),
    });
  }

  close(): void {
    this.connection.close();
  }
}
