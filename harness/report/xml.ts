// XML text for junit.xml (and HTML text for report.html): escaping, and removal of the characters
// XML 1.0 cannot carry at all (a backend's crash message may hold anything).

/** Control characters XML 1.0 forbids (all below 0x20 except tab, newline, carriage return), lone surrogates, U+FFFE/U+FFFF. */
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content or attribute value, escaped; forbidden characters become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** ` name="value"` pairs, in the given order, values escaped. */
export function xmlAttributes(attrs: Readonly<Record<string, string | number>>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}
