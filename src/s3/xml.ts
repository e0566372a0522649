// The little XML the bucket configuration calls need: escaping our own values, and cutting a flat answer into its
// repeated elements (each kept as text, so rules we do not understand are sent back exactly as they came).
// S3's answers (listings, errors, configurations) are decoded by decodeXmlText alone.

/** Escapes text for an element's content. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Decodes the five predefined entities and numeric character references. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));/g, (_, dec, hex, named) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : parseInt(hex, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
    }
    return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[named as "lt"];
  });
}

/** Every <name>...</name> element, whole (tags included), in order. The element must not nest in itself. */
export function elements(xml: string, name: string): string[] {
  return Array.from(xml.matchAll(new RegExp(`<${name}>[\\s\\S]*?</${name}>`, "g")), (m) => m[0]);
}

/** The decoded text of the first <name>...</name> inside `xml`; undefined when absent. */
export function childText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? decodeXmlText(m[1]!) : undefined;
}
