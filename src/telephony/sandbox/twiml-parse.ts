import { XMLParser } from 'fast-xml-parser';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false, trimValues: true });

type Raw = Record<string, unknown>;

function convert(items: Raw[]): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of items) {
    const name = Object.keys(item).find((k) => k !== ':@');
    if (!name || name === '#text' || name.startsWith('?')) continue;
    const kids = (item[name] as Raw[]) ?? [];
    const text = kids
      .filter((k) => '#text' in k)
      .map((k) => String(k['#text']))
      .join('');
    out.push({ name, attrs: (item[':@'] as Record<string, string>) ?? {}, children: convert(kids), text });
  }
  return out;
}

function freeze(nodes: XmlNode[]): XmlNode[] {
  for (const n of nodes) {
    Object.freeze(n.attrs);
    freeze(n.children);
    Object.freeze(n.children);
    Object.freeze(n);
  }
  return Object.freeze(nodes) as XmlNode[];
}

/** A service answers every call with the same documents: parsed ones are kept (read-only), the newest 256. */
const parsed = new Map<string, XmlNode[]>();

/** The verbs of a TwiML document (children of `<Response>`), read-only; throws when it is not TwiML. */
export function parseTwiml(doc: string): readonly XmlNode[] {
  const known = parsed.get(doc);
  if (known) return known;
  const root = convert(parser.parse(doc) as Raw[]);
  const response = root.find((n) => n.name === 'Response');
  if (!response) throw new Error(`not a TwiML document: ${doc.slice(0, 200)}`);
  const verbs = freeze(response.children);
  if (parsed.size >= 256) parsed.delete(parsed.keys().next().value!);
  parsed.set(doc, verbs);
  return verbs;
}
