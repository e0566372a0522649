// The package entry: the recorder (camera side), stores, credentials, and the playback building blocks.

// Recording: frames in, HLS segments out to S3 or a directory.
export {
  HlsRecorder,
  NotStartedError,
  type HlsRecorderOptions,
  type HlsRecorderEvents,
  type FramePack,
  type RecorderStats,
  type SegmentDroppedEvent,
  type SegmentDropReason,
  type WhenWritableOptions,
} from "./sdk.js";
export type { UploadedInfo, RetryInfo, SpilledInfo } from "./uploader.js";
export { UploadSlots } from "./upload-slots.js";
export { SpillDirectoryBusyError, SpillDirectoryError, type SpillOptions } from "./spill.js";
export { DROP_REASONS, type Container, type InitSegment, type CoreOptions, type CoreStats, type DropReason, type OverflowPolicy, type Segment, type VideoCodec } from "./core-types.js";
export type { RawStreamStatus } from "./core.js";
export { InvalidOptionError } from "./options.js";

// Credentials.
export { CredentialSource, CredentialsUnavailableError, InvalidCredentialsError, type Credentials, type CredentialProvider } from "./credentials.js";
export { iotCredentialProvider, IotCredentialsError, type IotCredentialsOptions } from "./iot-credentials.js";

// Stores and S3.
export type { ObjectStore, PutOptions, ListedObject } from "./store/types.js";
export { S3Store, type S3StoreOptions } from "./store/s3-store.js";
export { LocalStore } from "./store/local-store.js";
export { S3Connection, type S3ConnectionOptions } from "./s3/request.js";
export type { S3Location } from "./s3/endpoint.js";
export type { ChecksumMode } from "./s3/checksum.js";
export { encodeTags, InvalidTagError, MAX_TAGS } from "./s3/tagging.js";
export {
  S3ResponseError,
  S3AuthError,
  S3ClockSkewError,
  S3IntegrityError,
  S3NetworkError,
  S3TimeoutError,
  S3TlsError,
  S3UnexpectedAnswerError,
  S3ResponseTooLargeError,
  type S3ErrorKind,
} from "./s3/errors.js";

// Object keys (the layout playback relies on).
export { segmentKey, parseSegmentKey, initKey, parseInitKey, hourPrefix, newSessionId, type SegmentKeyFields, type InitRef } from "./keys.js";
