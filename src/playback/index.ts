// The package's "ipc-hls/playback" entry: from a store's listing to HLS playlists, the replay server and the
// framework-free API both it and the Lambda handler ("ipc-hls/lambda") serve. Stores come from "ipc-hls".
export { rangePlaylist, type RangePlaylistOptions, type RangePlaylist } from "./range-playlist.js";
export { findSegments, spansOf, CONTINUITY_TOLERANCE_MS, type Lister, type RecordedSegment, type RecordedSpan } from "./recordings.js";
export { parseTime, checkRange, InvalidTimeError, type TimeRange } from "./time-range.js";
export { createReplayServer, createSecureReplayServer, createReplayListener, type ReplayServerOptions } from "./server.js";
export { Authenticator, type AuthOptions } from "./auth.js";
export { parseUsersFile, passwordLine, UsersFileError } from "./passwords.js";
export { planClip, remuxToMp4, segmentReaderFor, ClipTooLargeError, NothingRecordedError, type ClipLimits, type ClipPlan } from "./clip.js";
export {
  createPlaybackApi,
  ApiError,
  type PlaybackApiOptions,
  type PlaybackStore,
  type ApiRequest,
  type ApiResponse,
} from "./api.js";
