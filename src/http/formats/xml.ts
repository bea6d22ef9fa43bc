/** Small, streaming-friendly XML writing: escaping, safe element names, and plain values to elements. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for element content and attributes; drops characters XML 1.0 cannot carry. */
export function xmlEscape(v: string): string {
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => ESC[c]);
}

/** A valid XML element name for an arbitrary key. */
export function xmlName(key: string): string {
  let n = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!/^[A-Za-z_]/.test(n)) n = `_${n}`;
  return n;
}

function singular(name: string): string {
  return name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.endsWith('s') && name.length > 1 ? name.slice(0, -1) : 'item';
}

/** Any JSON-like value as XML elements; array items are named after the singular of their parent (`calls` → `call`). */
export function valueToXml(name: string, v: unknown): string {
  const tag = xmlName(name);
  if (v === null || v === undefined) return `<${tag}/>`;
  if (Array.isArray(v)) return `<${tag}>${v.map((x) => valueToXml(singular(tag), x)).join('')}</${tag}>`;
  if (typeof v === 'object') {
    let inner = '';
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) inner += valueToXml(k, x);
    return `<${tag}>${inner}</${tag}>`;
  }
  return `<${tag}>${xmlEscape(String(v))}</${tag}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function toXmlDocument(root: string, v: unknown): string {
  return XML_DECLARATION + valueToXml(root, v);
}
