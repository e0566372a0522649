// SigV4 signing for S3 with @smithy/signature-v4 and the pure-JS SHA-256 from @aws-crypto,
// so signing works the same on Node, on small boards and in any JS runtime.
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

/** Credentials in the AWS SDK's shape. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A credential provider in the AWS SDK's shape (any @aws-sdk/credential-providers provider fits). */
export type CredentialProvider = () => Promise<Credentials>;

export function createS3Signer(region: string, credentials: Credentials | CredentialProvider): SignatureV4 {
  return new SignatureV4({
    service: "s3",
    region,
    credentials,
    sha256: Sha256,
    // S3 wants the path signed as sent, not double-encoded.
    uriEscapePath: false,
    applyChecksum: false,
  });
}
