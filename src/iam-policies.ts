// Least-privilege IAM policies for a bucket of recordings, printed by `ipc-hls bucket init`:
//  - a camera may only add objects under the prefix (PutObject, and PutObjectTagging because uploads carry tags);
//    with the AWS IoT credentials provider, each thing only under its own name;
//  - a viewer (the replay server, the Lambda) may list the prefix and read the segments.

/** The ARN partition of a region: China and GovCloud have their own. */
export function arnPartition(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export interface PolicyTarget {
  bucket: string;
  /** Normalised (no leading or trailing "/"); "" for the whole bucket. */
  prefix: string;
  region: string;
}

interface Policy {
  Version: "2012-10-17";
  Statement: Record<string, unknown>[];
}

const under = (prefix: string, rest: string) => (prefix ? `${prefix}/${rest}` : rest);

export function cameraPolicy(t: PolicyTarget): Policy {
  return putPolicy(t, under(t.prefix, "*"));
}

/** For the IoT credentials provider: the role's policy variable names the thing, which is the camera's name. */
export function iotCameraPolicy(t: PolicyTarget): Policy {
  return putPolicy(t, under(t.prefix, "${credentials-iot:ThingName}/*"));
}

export function viewerPolicy(t: PolicyTarget): Policy {
  const arn = `arn:${arnPartition(t.region)}:s3:::${t.bucket}`;
  const list: Record<string, unknown> = { Sid: "ListRecordings", Effect: "Allow", Action: "s3:ListBucket", Resource: arn };
  if (t.prefix) list.Condition = { StringLike: { "s3:prefix": [`${t.prefix}/`, `${t.prefix}/*`] } };
  return {
    Version: "2012-10-17",
    Statement: [list, { Sid: "ReadSegments", Effect: "Allow", Action: "s3:GetObject", Resource: `${arn}/${under(t.prefix, "*")}` }],
  };
}

function putPolicy(t: PolicyTarget, keys: string): Policy {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "UploadSegments", Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectTagging"], Resource: `arn:${arnPartition(t.region)}:s3:::${t.bucket}/${keys}` },
    ],
  };
}
