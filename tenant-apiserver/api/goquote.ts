// Go's strconv.Quote (what fmt's %q prints), so error messages that embed a
// value — `Invalid value: "a b"`, `duplicate field "x"` — read byte for byte
// like kube-apiserver's. JSON.stringify differs on control characters
// (`\u0001` vs `\x01`), DEL and non-printable Unicode.

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's strconv.IsPrint for one code point (ASCII space counts, other spaces do not). */
export function goIsPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp < 0x7f) return true;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

/** One code point escaped the way strconv.Quote escapes it (without surrounding quotes). */
export function goEscapeRune(cp: number, quote: '"' | "'"): string {
  if (cp === quote.charCodeAt(0) || cp === 0x5c) return '\\' + String.fromCharCode(cp);
  if (goIsPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

/** `fmt.Sprintf("%q", s)` for a Go string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // A lone surrogate cannot come out of valid UTF-8; Go would have seen U+FFFD.
    out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : goEscapeRune(cp, '"');
  }
  return out + '"';
}

/** encoding/json.Marshal of a value built from strings/arrays: JSON with Go's HTML-safe escapes. */
export function goJsonMarshal(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
