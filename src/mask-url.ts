// Hides the password of a URL ("rtsp://admin:secret@cam/live" → "rtsp://admin:***@cam/live") before it reaches a
// log line or an error. Works on text that is not a valid URL too (a typo in a config file is exactly when it is
// printed), so it masks conservatively: everything between "scheme:" and the last "@". The RTSP client and the
// recording config both print URLs through it.

const SCHEME = /^([a-z][a-z0-9+.-]+:\/*)/i;

export function maskUserinfo(text: string): string {
  const scheme = SCHEME.exec(text);
  const at = text.lastIndexOf("@");
  if (!scheme || at < scheme[1].length) return text;
  const userinfo = text.slice(scheme[1].length, at);
  const colon = userinfo.indexOf(":");
  // The user name helps to spot a wrong account; keep it when it is clearly only a name.
  const user = colon > 0 && !/[/?#]/.test(userinfo.slice(0, colon)) ? userinfo.slice(0, colon) + ":" : "";
  return `${scheme[1]}${user}***${text.slice(at)}`;
}
