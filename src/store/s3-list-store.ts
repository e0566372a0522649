// The S3 side of playback: listing recordings and presigning segment URLs. Read-only: recording goes through
// the uploader's store (src/store/s3-store.ts); this is what the playlist command, the server and the Lambda
// handler use.
import { listAllObjects, listObjectsPage } from "../s3/list.js";
import { presignGetUrl, type PresignedUrl } from "../s3/presign.js";
import { S3Connection, type S3ConnectionOptions } from "../s3/request.js";
import type { ListedObject } from "./types.js";

export class S3ListStore {
  readonly connection: S3Connection;
  readonly description: string;

  constructor(options: S3ConnectionOptions | S3Connection) {
    this.connection = options instanceof S3Connection ? options : new S3Connection(options);
    const loc = this.connection.location;
    this.description = `s3://${loc.bucket}${loc.endpoint ? ` at ${loc.endpoint}` : ""}`;
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
