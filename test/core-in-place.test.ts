// Zero-copy input: a producer writes the frame into the core's frame buffer itself. The output must be the
// same bytes as when the frame is handed over (and copied) as a Uint8Array, for the core and for the recorder.
import { afterAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { HlsRecorder } from "../src/sdk.js";
import { LocalStore } from "../src/store/local-store.js";
import { accessUnits } from "./support/annexb.js";
import { fixturePath, tempDir } from "./support/media-tools.js";

const units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
const tmp = tempDir("in-place-");
afterAll(() => tmp.cleanup());

async function segmentsOf(feed: (core: MuxerCore, au: Uint8Array, us: number) => string | undefined) {
  const core = await MuxerCore.create({ bufferSize: 1024 * 1024, segmentDuration: 1 });
  const out: Buffer[] = [];
  units.forEach((au, i) => expect(feed(core, au, i * 40_000)).toBeUndefined());
  core.flush();
  for (let s = core.takeSegment(); s; s = core.takeSegment()) out.push(Buffer.concat(s.parts));
  return out;
}

describe("frames written into the frame buffer", () => {
  test("give the same segments as frames handed over as Uint8Arrays", async () => {
    const copied = await segmentsOf((core, au, us) => core.putVideo([au], us));
    const inPlace = await segmentsOf((core, au, us) => {
      core.frameBuffer.set(au); // stands in for the encoder writing its output here
      return core.putVideoInPlace(au.byteLength, us);
    });
    expect(inPlace.length).toBe(3);
    expect(inPlace).toEqual(copied);
  });

  test("the frame buffer is the input area: a frame longer than it is refused as too large", async () => {
    const core = await MuxerCore.create({ bufferSize: 1024 * 1024, maxFrameSize: 64 * 1024 });
    expect(core.frameBuffer.byteLength).toBe(64 * 1024);
    expect(core.putVideoInPlace(64 * 1024 + 1, 0)).toBe("frame-too-large");
  });

  test("through the recorder: the same objects as putVideoFrame", async () => {
    const record = async (dir: string, inPlace: boolean) => {
      const recorder = new HlsRecorder({ bufferSize: 1024 * 1024, segmentDuration: 1, store: new LocalStore(dir), prefix: "cam", session: "0badc0de", now: () => 1_764_000_000_000 });
      await recorder.start();
      units.forEach((au, i) => {
        if (inPlace) {
          recorder.frameBuffer.set(au);
          expect(recorder.putVideoFrameInPlace(au.byteLength, i * 40_000)).toBeUndefined();
        } else {
          expect(recorder.putVideoFrame(au, i * 40_000)).toBeUndefined();
        }
      });
      await recorder.close();
      const files: Record<string, Buffer> = {};
      const walk = async (d: string, rel = ""): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) {
          if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
          else files[rel + e.name] = await readFile(join(d, e.name));
        }
      };
      await walk(dir);
      return files;
    };
    const a = await record(join(tmp.path, "copied"), false);
    const b = await record(join(tmp.path, "in-place"), true);
    expect(Object.keys(b).length).toBe(3);
    expect(b).toEqual(a);
  });
});
