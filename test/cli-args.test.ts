// Command-line values users type: frame rates, durations, and mistyped options (one line, with a suggestion).
import { describe, expect, test } from "vitest";
import { parseCommandArgs, parseFrameRate, parseSeconds, UsageError } from "../src/cli/command.js";
import { closestName } from "../src/did-you-mean.js";
import { initFileName, segmentFileName } from "../src/core.js";

describe("--fps", () => {
  test.each([
    ["25", [25, 1]],
    ["30000/1001", [30000, 1001]],
    ["29.97", [30000, 1001]],
    ["59.94", [60000, 1001]],
    ["23.976", [24000, 1001]],
    ["12.5", [25, 2]],
  ])("%s → %j", (text, want) => {
    expect(parseFrameRate(text)).toEqual(want);
  });

  test.each(["", "fast", "25fps", "0", "-25", "1/0", "5000", "4294967296/4294967295", "1000001/1000000"])("%j is a usage error", (text) => {
    expect(() => parseFrameRate(text)).toThrow(UsageError);
  });
});

describe("the names mux gives its files (the core's rule, the WASI command's too)", () => {
  test("segments: six digits at least, .ts or .m4s; init segments: init.mp4, then init-N.mp4", () => {
    expect(segmentFileName(0)).toBe("segment-000000.ts");
    expect(segmentFileName(42, "fmp4")).toBe("segment-000042.m4s");
    expect(segmentFileName(1234567)).toBe("segment-1234567.ts");
    expect(segmentFileName(4294967295, "fmp4")).toBe("segment-4294967295.m4s");
    expect(initFileName(1)).toBe("init.mp4");
    expect(initFileName(2)).toBe("init-2.mp4");
    expect(initFileName(12)).toBe("init-12.mp4");
  });
});

describe("durations in seconds", () => {
  test("a positive number, or the default when absent", () => {
    expect(parseSeconds("--segment-duration", "4", 2)).toBe(4);
    expect(parseSeconds("--segment-duration", undefined, 2)).toBe(2);
    for (const bad of ["0", "-1", "two", "Infinity"]) expect(() => parseSeconds("--segment-duration", bad, 2)).toThrow(UsageError);
  });
});

describe("mistyped options", () => {
  const options = { fps: { type: "string" }, bucket: { type: "string" }, "path-style": { type: "boolean" }, out: { type: "string" } } as const;
  const message = (argv: string[], allowPositionals = true) => {
    try {
      parseCommandArgs(argv, options, allowPositionals);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    return "parsed";
  };

  test.each([
    [["--bukcet", "b"], "unknown option --bukcet: did you mean --bucket?"],
    [["--fsp", "25"], "unknown option --fsp: did you mean --fps?"],
    [["--path"], "unknown option --path: did you mean --path-style?"],
    [["--path-styles"], "unknown option --path-styles: did you mean --path-style?"],
    [["--outdir", "x"], "unknown option --outdir: did you mean --out?"],
    [["--region", "x"], "unknown option --region"],
    [["-x"], "unknown option -x"],
    [["--fps"], "--fps needs a value"],
    [["--fps", "--bucket", "b"], "--fps needs a value"],
    [["--fps", "-2"], "--fps needs a value: write --fps=-2 if -2 is the value"],
    [["--path-style=yes"], "--path-style takes no value"],
  ])("%j → %s", (argv, want) => {
    expect(message(argv)).toBe(want);
  });

  test("each mistake is one line; positionals only where the command takes them", () => {
    expect(message(["in.h264"], false)).toBe('unexpected argument "in.h264": this command takes only --options');
    expect(message(["in.h264", "--fps", "25", "--fps=-1", "-"])).toBe("parsed");
    for (const argv of [["--bukcet"], ["--fps"], ["--fps", "-2"], ["--path-style=1"], ["x"]]) expect(message(argv, false)).not.toContain("\n");
  });

  test("suggestions: within two edits or a prefix, nothing for names far from every option", () => {
    expect(closestName("pussh", ["mux", "push", "playlist", "serve", "demo"])).toBe("push");
    expect(closestName("serv", ["mux", "push", "playlist", "serve", "demo"])).toBe("serve");
    expect(closestName("play", ["mux", "push", "playlist", "serve", "demo"])).toBe("playlist");
    expect(closestName("record", ["mux", "push", "playlist", "serve", "demo"])).toBeUndefined();
    expect(closestName("x", ["fps", "to", "tag"])).toBeUndefined();
    expect(closestName("segment-durations", ["segment-duration", "spill"])).toBe("segment-duration");
  });
});
