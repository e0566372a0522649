// Command-line values users type: frame rates and durations.
import { describe, expect, test } from "vitest";
import { parseFrameRate, parseSeconds, UsageError } from "../src/cli/command.js";

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

describe("durations in seconds", () => {
  test("a positive number, or the default when absent", () => {
    expect(parseSeconds("--segment-duration", "4", 2)).toBe(4);
    expect(parseSeconds("--segment-duration", undefined, 2)).toBe(2);
    for (const bad of ["0", "-1", "two", "Infinity"]) expect(() => parseSeconds("--segment-duration", bad, 2)).toThrow(UsageError);
  });
});
