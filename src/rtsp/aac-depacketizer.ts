// AAC over RTP, RFC 3640 (mpeg4-generic), AAC-hbr and AAC-lbr modes: AU headers (size, index / index-delta)
// followed by the access units, several per packet or one fragmented over several. Each AU becomes an ADTS
// frame (ISO/IEC 13818-7 header, 7 bytes, no CRC) built from the SDP's AudioSpecificConfig.

/** What the SDP's fmtp and config say about the stream. */
export interface AacFormat {
  sizeLength: number;
  indexLength: number;
  indexDeltaLength: number;
  /** MPEG-4 audio object type (2 = AAC LC); ADTS can carry types 1-4. */
  objectType: number;
  samplingFrequencyIndex: number;
  sampleRate: number;
  channelConfiguration: number;
  /** Samples per AU: 1024, or 960 (frameLengthFlag). */
  samplesPerFrame: number;
}

const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const ADTS_HEADER = 7;
/** ADTS frame_length is 13 bits. */
const MAX_ADTS_FRAME = 8191;

/**
 * The format from the fmtp parameters, or a reason it cannot become ADTS (e.g. "AAC object type 5"), which the
 * session reports as skipped audio.
 */
export function aacFormat(fmtp: Record<string, string>): AacFormat | string {
  const mode = (fmtp.mode ?? "").toLowerCase();
  if (mode !== "aac-hbr" && mode !== "aac-lbr") return `mode ${fmtp.mode ?? "(none)"}`;
  if (Number(fmtp.ctsdeltalength ?? 0) || Number(fmtp.dtsdeltalength ?? 0) || Number(fmtp.randomaccessindication ?? 0)) {
    return "AU headers with CTS/DTS/RAP fields";
  }
  const sizeLength = Number(fmtp.sizelength);
  const indexLength = Number(fmtp.indexlength ?? 0);
  const indexDeltaLength = Number(fmtp.indexdeltalength ?? 0);
  if (!(sizeLength > 0 && sizeLength <= 16) || !(indexLength >= 0 && indexLength <= 16) || !(indexDeltaLength >= 0 && indexDeltaLength <= 16)) {
    return "AU header lengths";
  }
  const config = fmtp.config ?? "";
  if (!/^([0-9a-f]{2}){2,}$/i.test(config)) return "no AudioSpecificConfig";
  const asc = Buffer.from(config, "hex");
  const objectType = asc[0] >> 3;
  const samplingFrequencyIndex = ((asc[0] & 7) << 1) | (asc[1] >> 7);
  const channelConfiguration = (asc[1] >> 3) & 0x0f;
  const frameLengthFlag = (asc[1] >> 2) & 1;
  if (objectType < 1 || objectType > 4) return `AAC object type ${objectType}`;
  if (samplingFrequencyIndex >= SAMPLE_RATES.length) return "explicit sampling frequency";
  if (channelConfiguration === 0 || channelConfiguration > 7) return `channel configuration ${channelConfiguration}`;
  return {
    sizeLength,
    indexLength,
    indexDeltaLength,
    objectType,
    samplingFrequencyIndex,
    sampleRate: SAMPLE_RATES[samplingFrequencyIndex],
    channelConfiguration,
    samplesPerFrame: frameLengthFlag ? 960 : 1024,
  };
}

/** Channels of a channel configuration (7 is 7.1). */
export const channelCount = (configuration: number) => (configuration === 7 ? 8 : configuration);

/** Writes the ADTS header for a raw AU of `rawLength` bytes at out[0..7). */
export function writeAdtsHeader(out: Uint8Array, format: AacFormat, rawLength: number): void {
  const frameLength = ADTS_HEADER + rawLength;
  const profile = format.objectType - 1;
  const ch = format.channelConfiguration;
  out[0] = 0xff;
  out[1] = 0xf1; // syncword, MPEG-4, layer 0, no CRC
  out[2] = (profile << 6) | (format.samplingFrequencyIndex << 2) | (ch >> 2);
  out[3] = ((ch & 3) << 6) | (frameLength >> 11);
  out[4] = (frameLength >> 3) & 0xff;
  out[5] = ((frameLength & 7) << 5) | 0x1f; // buffer fullness 0x7FF: variable bit rate
  out[6] = 0xfc; // ... and one raw data block
}

export interface AacOutput {
  /** One ADTS frame; the view is reused after the call returns. */
  frame(adts: Uint8Array, rtpTimestamp: number): void;
}

export class AacDepacketizer {
  /** AUs that could not be used: truncated, lost fragments, too large for ADTS. */
  droppedFrames = 0;
  private readonly scratch = new Uint8Array(MAX_ADTS_FRAME);
  /** A fragmented AU in progress: its expected size and bytes so far (after the ADTS header in scratch). */
  private fragmentSize = 0;
  private fragmentHave = 0;
  private fragmentTimestamp = 0;

  constructor(
    private readonly format: AacFormat,
    private readonly output: AacOutput,
  ) {}

  push(payload: Uint8Array, timestamp: number, marker: boolean, lossBefore: boolean): void {
    if (lossBefore && this.fragmentSize > 0) {
      this.dropFragment();
      if (timestamp === this.fragmentTimestamp) return; // the rest of the same AU
    }
    if (payload.length < 2) return;
    const headerBits = (payload[0] << 8) | payload[1];
    const headerBytes = (headerBits + 7) >> 3;
    let data = 2 + headerBytes;
    if (data > payload.length) {
      this.droppedFrames++;
      return;
    }
    if (this.fragmentSize > 0) {
      // A continuation carries the AU header again; its data goes on from where the last packet stopped.
      if (timestamp !== this.fragmentTimestamp) this.dropFragment();
      else {
        this.appendFragment(payload.subarray(data), marker);
        return;
      }
    }
    const f = this.format;
    let bit = 0;
    for (let index = 0; bit + f.sizeLength <= headerBits; index++) {
      const size = readBits(payload, 2, bit, f.sizeLength);
      bit += f.sizeLength + (index === 0 ? f.indexLength : f.indexDeltaLength);
      const auTimestamp = (timestamp + index * f.samplesPerFrame) >>> 0;
      if (ADTS_HEADER + size > MAX_ADTS_FRAME) {
        this.droppedFrames++;
        return; // the rest of the packet cannot be found past a unit we cannot take
      }
      if (data + size > payload.length) {
        // Only a lone AU may be fragmented over several packets (RFC 3640 section 3.2.3).
        if (index === 0 && bit + f.sizeLength > headerBits && !marker) {
          this.fragmentSize = size;
          this.fragmentHave = 0;
          this.fragmentTimestamp = timestamp;
          this.appendFragment(payload.subarray(data), false);
        } else {
          this.droppedFrames++;
        }
        return;
      }
      writeAdtsHeader(this.scratch, f, size);
      this.scratch.set(payload.subarray(data, data + size), ADTS_HEADER);
      data += size;
      this.output.frame(this.scratch.subarray(0, ADTS_HEADER + size), auTimestamp);
    }
  }

  private appendFragment(bytes: Uint8Array, last: boolean): void {
    if (this.fragmentHave + bytes.length > this.fragmentSize) {
      this.dropFragment();
      return;
    }
    this.scratch.set(bytes, ADTS_HEADER + this.fragmentHave);
    this.fragmentHave += bytes.length;
    if (this.fragmentHave === this.fragmentSize) {
      writeAdtsHeader(this.scratch, this.format, this.fragmentSize);
      this.fragmentSize = 0;
      this.output.frame(this.scratch.subarray(0, ADTS_HEADER + this.fragmentHave), this.fragmentTimestamp);
    } else if (last) {
      this.dropFragment();
    }
  }

  private dropFragment(): void {
    this.fragmentSize = 0;
    this.droppedFrames++;
  }
}

/** `count` (≤ 16) bits starting `bit` bits after byte `offset`, most significant first. */
function readBits(data: Uint8Array, offset: number, bit: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const at = bit + k;
    value = (value << 1) | ((data[offset + (at >> 3)] >> (7 - (at & 7))) & 1);
  }
  return value;
}
