import { describe, expect, it } from 'vitest';
import { goEscapeRune, goIsPrint, goJsonMarshal, goQuote } from './goquote.js';

describe('goQuote', () => {
  it('matches JSON for plain text', () => {
    expect(goQuote('app.kubernetes.io/name')).toBe('"app.kubernetes.io/name"');
    expect(goQuote('')).toBe('""');
  });

  it('escapes quotes and backslashes', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('uses Go escapes for control characters, not JSON ones', () => {
    expect(goQuote('\n\t\r')).toBe('"\\n\\t\\r"');
    expect(goQuote('\x01')).toBe('"\\x01"');
    expect(goQuote('\x7f')).toBe('"\\x7f"');
    expect(goQuote('\x07\x0b')).toBe('"\\a\\v"');
  });

  it('keeps printable Unicode and escapes the rest', () => {
    expect(goQuote('héllo 世界')).toBe('"héllo 世界"');
    expect(goQuote('\u00a0')).toBe('"\\u00a0"');
    expect(goQuote('\u0085')).toBe('"\\u0085"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
    expect(goQuote('😀')).toBe('"😀"');
  });

  it('renders a lone surrogate as U+FFFD', () => {
    expect(goQuote('a\ud800b')).toBe('"a\ufffdb"');
  });
});

describe('goEscapeRune', () => {
  it('escapes the quote character it is asked to', () => {
    expect(goEscapeRune(0x27, "'")).toBe("\\'");
    expect(goEscapeRune(0x22, "'")).toBe('"');
  });
  it('goIsPrint treats only ASCII space as printable whitespace', () => {
    expect(goIsPrint(0x20)).toBe(true);
    expect(goIsPrint(0x3000)).toBe(false);
    expect(goIsPrint(0xad)).toBe(false);
  });
});

describe('goJsonMarshal', () => {
  it('escapes HTML-significant characters like Go', () => {
    expect(goJsonMarshal(['a<b>&'])).toBe('["a\\u003cb\\u003e\\u0026"]');
    expect(goJsonMarshal(null)).toBe('null');
  });
});
