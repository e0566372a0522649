// ADTS (AAC in its self-framed transport form, ISO/IEC 13818-7 / 14496-3): header parsing.

const SAMPLE_RATES: usize = memory.data<u32>([96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]);

/** The sampling_frequency_index of a rate (ISO/IEC 14496-3 1.6.3.4), 15 (explicit) when it has none. */
export function sampleRateIndex(rate: u32): u32 {
  for (let i: u32 = 0; i < 13; i++) if (load<u32>(SAMPLE_RATES + (<usize>i << 2)) == rate) return i;
  return 15;
}

export let adtsObjectType: u32 = 0; // 2 = AAC-LC
export let adtsSampleRate: u32 = 0;
export let adtsChannels: u32 = 0;
export let adtsFrameLength: u32 = 0;
export let adtsSamples: u32 = 0; // PCM samples per channel carried by this frame

/** The header just parsed is a format we carry (as the README promises): AAC-LC, 8 to 48 kHz, mono or stereo. */
export function adtsSupported(): bool {
  return adtsObjectType == 2 && adtsSampleRate >= 8000 && adtsSampleRate <= 48000 && adtsChannels <= 2;
}

/** Parses the ADTS header at ptr (avail bytes readable). Returns false if it is not a valid header. */
export function parseAdtsHeader(ptr: usize, avail: u32): bool {
  if (avail < 7) return false;
  let b0 = load<u8>(ptr);
  let b1 = load<u8>(ptr + 1);
  if (b0 != 0xff || (b1 & 0xf6) != 0xf0) return false; // syncword, layer 0
  let b2 = load<u8>(ptr + 2);
  let b3 = load<u8>(ptr + 3);
  let rateIndex: u32 = (b2 >>> 2) & 0x0f;
  if (rateIndex > 12) return false;
  let channels: u32 = ((<u32>b2 & 1) << 2) | (b3 >>> 6);
  if (channels == 0) return false; // channel layout in a PCE: not supported
  let frameLength: u32 = ((<u32>b3 & 3) << 11) | (<u32>load<u8>(ptr + 4) << 3) | (<u32>load<u8>(ptr + 5) >>> 5);
  let headerLength: u32 = b1 & 1 ? 7 : 9;
  if (frameLength <= headerLength) return false;
  let blocks: u32 = (load<u8>(ptr + 6) & 3) + 1;
  // An AAC decoder's input buffer holds 6144 bits a channel (ISO/IEC 14496-3 4.5.3.1): no real frame is longer,
  // and a header found in garbage that claims more would hold up the frames behind it.
  let channelCount: u32 = channels == 7 ? 8 : channels;
  if (frameLength > headerLength + 768 * channelCount * blocks) return false;
  adtsObjectType = ((<u32>b2 >>> 6) & 3) + 1;
  adtsSampleRate = load<u32>(SAMPLE_RATES + (<usize>rateIndex << 2));
  adtsChannels = channels;
  adtsFrameLength = frameLength;
  adtsSamples = 1024 * blocks;
  return true;
}

/** The header's fixed part (ID, layer, protection, profile, rate, private bit, channels, original/copy, home): the same in every frame of one stream. */
export function adtsFixedHeader(ptr: usize): u32 {
  return (<u32>load<u8>(ptr + 1) << 16) | (<u32>load<u8>(ptr + 2) << 8) | (<u32>load<u8>(ptr + 3) & 0xf0);
}
