// Which tracks of a DESCRIBE answer are set up: the first H.264 or H.265 video, and the first audio when it is
// AAC (mpeg4-generic) that ADTS can carry. Other audio is skipped and named, e.g. "PCMA/8000"; video we cannot
// record (MJPEG, H.266, MPEG-4 Part 2...) is refused with its name (RtspUnsupportedError: retrying will not help).
import { aacFormat, channelCount, type AacFormat } from "./aac-depacketizer.js";
import { RtspUnsupportedError } from "./errors.js";
import type { StreamDescription } from "./index.js";
import { rtpMapOf, type SdpMedia, type SessionDescription } from "./sdp.js";
import { resolveControl } from "./url.js";

export type RtpVideoCodec = "H264" | "H265";

export interface VideoTrack {
  codec: RtpVideoCodec;
  control: string;
  payloadType: number;
  clockRate: number;
  /** H.264: SPS/PPS from sprop-parameter-sets; H.265: VPS, SPS, PPS from sprop-vps, sprop-sps, sprop-pps. */
  parameterSets: Uint8Array[];
}

/** Video codecs by their RTP encoding name, as users know them. */
const VIDEO_NAMES: Record<string, string> = {
  H264: "H.264",
  H265: "H.265",
  H266: "H.266/VVC",
  JPEG: "MJPEG",
  "MP4V-ES": "MPEG-4 Part 2",
  H261: "H.261",
  H263: "H.263",
  "H263-1998": "H.263",
  "H263-2000": "H.263",
  MPV: "MPEG-1/2 video",
};

export interface AudioTrack {
  control: string;
  payloadType: number;
  clockRate: number;
  format: AacFormat;
}

export interface ChosenTracks {
  video: VideoTrack;
  audio?: AudioTrack;
  description: StreamDescription;
  /** The aggregate control URL, for PLAY and TEARDOWN. */
  playUrl: string;
}

export function chooseTracks(sdp: SessionDescription, base: string, label: string): ChosenTracks {
  let video: VideoTrack | undefined;
  let profileLevelId: string | undefined;
  const refused: string[] = [];
  for (const media of sdp.media) {
    if (media.type !== "video") continue;
    for (const pt of media.payloadTypes) {
      if (video) break;
      const map = rtpMapOf(media, pt);
      const encoding = map?.encoding;
      const fmtp = media.fmtp.get(pt) ?? {};
      if (map && (encoding === "H264" || encoding === "H265")) {
        const codec = encoding;
        const why = codec === "H265" ? h265Refusal(fmtp) : undefined;
        if (why) {
          refused.push(`H.265 ${why}`);
          continue;
        }
        if (codec === "H264") profileLevelId = fmtp["profile-level-id"];
        const sets = codec === "H264" ? base64List(fmtp["sprop-parameter-sets"]) : ["sprop-vps", "sprop-sps", "sprop-pps"].flatMap((name) => base64List(fmtp[name]));
        video = { codec, control: resolveControl(base, media.control), payloadType: pt, clockRate: map.clockRate, parameterSets: sets };
      } else {
        const name = encoding ? (VIDEO_NAMES[encoding] ?? encoding) : undefined;
        refused.push(name ? `${name} (${encoding}/${map!.clockRate}, RTP payload ${pt})` : `RTP payload ${pt} without an rtpmap`);
      }
    }
  }
  if (!video) {
    throw new RtspUnsupportedError(
      refused.length > 0
        ? `${label}: the camera's video is ${refused.join(", ")}, which ipc-hls cannot record (it records H.264 and H.265)`
        : `${label}: the stream has no video (ipc-hls records H.264 and H.265)`,
    );
  }
  const description: StreamDescription = { video: { codec: video.codec, ...(profileLevelId ? { profileLevelId } : {}) } };
  const audioMedia = sdp.media.find((m) => m.type === "audio" && m.payloadTypes.length > 0);
  let audio: AudioTrack | undefined;
  if (audioMedia) {
    const chosen = chooseAudio(audioMedia, base);
    if (typeof chosen === "string") description.skippedAudio = chosen;
    else {
      audio = chosen;
      description.audio = { codec: "AAC", sampleRate: chosen.format.sampleRate, channels: channelCount(chosen.format.channelConfiguration) };
    }
  }
  return { video, audio, description, playUrl: resolveControl(base, sdp.control) };
}

function chooseAudio(media: SdpMedia, base: string): AudioTrack | string {
  const names: string[] = [];
  for (const pt of media.payloadTypes) {
    const map = rtpMapOf(media, pt);
    if (!map) {
      names.push(`payload ${pt}`);
      continue;
    }
    const name = `${map.encoding}/${map.clockRate}${map.channels && map.channels > 1 ? `/${map.channels}` : ""}`;
    if (map.encoding !== "MPEG4-GENERIC") {
      names.push(name);
      continue;
    }
    const format = aacFormat(media.fmtp.get(pt) ?? {});
    if (typeof format === "string") {
      names.push(`${name} (${format})`);
      continue;
    }
    return { control: resolveControl(base, media.control), payloadType: pt, clockRate: map.clockRate, format };
  }
  return names.join(", ");
}

/** Why an H.265 payload type cannot be depacketized here: decoding order numbers (DONL/DOND) are not read. */
function h265Refusal(fmtp: Record<string, string>): string | undefined {
  for (const name of ["sprop-max-don-diff", "sprop-depack-buf-nalus"]) {
    const value = fmtp[name];
    if (value !== undefined && value !== "0") return `with decoding order numbers (${name}=${value}; only 0 is supported)`;
  }
  return undefined;
}

/** A comma-separated list of base64 NAL units (sprop-parameter-sets, sprop-vps...), empty ones left out. */
function base64List(text: string | undefined): Uint8Array[] {
  const sets = (text ?? "").split(",").filter((s) => s.length > 0);
  return sets.map((s) => new Uint8Array(Buffer.from(s, "base64"))).filter((nal) => nal.length > 0);
}
