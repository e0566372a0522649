// Which tracks of a DESCRIBE answer are set up: the first H.264 video, and the first audio when it is AAC
// (mpeg4-generic) that ADTS can carry. Other audio is skipped and named, e.g. "PCMA/8000".
import { aacFormat, channelCount, type AacFormat } from "./aac-depacketizer.js";
import { RtspProtocolError } from "./errors.js";
import type { StreamDescription } from "./index.js";
import { rtpMapOf, type SdpMedia, type SessionDescription } from "./sdp.js";
import { resolveControl } from "./url.js";

export interface VideoTrack {
  control: string;
  payloadType: number;
  clockRate: number;
  /** SPS/PPS from sprop-parameter-sets. */
  parameterSets: Uint8Array[];
}

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
  const seen: string[] = [];
  for (const media of sdp.media) {
    if (media.type !== "video") continue;
    for (const pt of media.payloadTypes) {
      const map = rtpMapOf(media, pt);
      seen.push(map ? map.encoding : `payload ${pt}`);
      if (video || map?.encoding !== "H264") continue;
      const fmtp = media.fmtp.get(pt) ?? {};
      profileLevelId = fmtp["profile-level-id"];
      video = { control: resolveControl(base, media.control), payloadType: pt, clockRate: map.clockRate, parameterSets: parameterSets(fmtp) };
    }
  }
  if (!video) throw new RtspProtocolError(`${label}: no H.264 video in the stream (video: ${seen.join(", ") || "none"})`);
  const description: StreamDescription = { video: { codec: "H264", ...(profileLevelId ? { profileLevelId } : {}) } };
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

function parameterSets(fmtp: Record<string, string>): Uint8Array[] {
  const sets = (fmtp["sprop-parameter-sets"] ?? "").split(",").filter((s) => s.length > 0);
  return sets.map((s) => new Uint8Array(Buffer.from(s, "base64"))).filter((nal) => nal.length > 0);
}
