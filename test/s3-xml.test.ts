// The one XML text decoder serves listings, error bodies and bucket configurations alike.
import { describe, it, expect } from "vitest";
import { parseErrorBody } from "../src/s3/errors.js";
import { parseListObjectsV2 } from "../src/s3/list.js";
import { childText, decodeXmlText, escapeXml } from "../src/s3/xml.js";

// Named, decimal and hexadecimal references, and an escaped ampersand that must stay one level escaped.
const encoded = "a&amp;lt;b &#x41;&#66;&quot;&apos;&gt;";
const decoded = "a&lt;b AB\"'>";

describe("XML text", () => {
  it("decodes the same way in an error body, a listing and a configuration", () => {
    expect(decodeXmlText(encoded)).toBe(decoded);
    expect(parseErrorBody(`<Error><Code>X</Code><Message>${encoded}</Message></Error>`)).toEqual({ code: "X", message: decoded });
    const page = parseListObjectsV2(`<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>${encoded}</Key><Size>1</Size></Contents></ListBucketResult>`);
    expect(page.objects.map((o) => o.key)).toEqual([decoded]);
    expect(childText(`<Rule><ID>${encoded}</ID></Rule>`, "ID")).toBe(decoded);
  });

  it("decodes what escapeXml wrote", () => {
    const text = "<tag> & &amp; 'q' \"d\" é";
    expect(decodeXmlText(escapeXml(text))).toBe(text);
  });
});
