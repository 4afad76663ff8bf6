// A tiny XML well-formedness checker for the tests (no dependency): elements balance, attributes
// are quoted and unique, text holds no raw '<' and only the five predefined or numeric entities.

export interface XmlElement {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.-]*';
const ATTR_RE = new RegExp(`\\s+(${NAME})\\s*=\\s*"([^"<]*)"`, 'y');
const ENTITY_RE = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function unescape(s: string, where: string): string {
  const stripped = s.replace(ENTITY_RE, '');
  if (stripped.includes('&')) throw new Error(`${where}: bare '&' in ${JSON.stringify(s.slice(0, 60))}`);
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Parses a document with an optional XML declaration and one root element; throws on malformed input. */
export function parseXml(doc: string): XmlElement {
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.exec(doc);
  if (bad !== null) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${bad.index} is not allowed in XML 1.0`);
  let i = 0;
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = lt < 0 ? doc.slice(i) : doc.slice(i, lt);
    if (text !== '') {
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root element at ${i}`);
      } else stack[stack.length - 1].text += unescape(text, `text at ${i}`);
    }
    if (lt < 0) break;
    if (doc.startsWith('</', lt)) {
      const m = new RegExp(`^</(${NAME})\\s*>`).exec(doc.slice(lt));
      if (m === null) throw new Error(`bad end tag at ${lt}`);
      const open = stack.pop();
      if (open === undefined || open.name !== m[1]) throw new Error(`</${m[1]}> at ${lt} closes ${open?.name ?? 'nothing'}`);
      i = lt + m[0].length;
      continue;
    }
    const m = new RegExp(`^<(${NAME})`).exec(doc.slice(lt));
    if (m === null) throw new Error(`bad tag at ${lt}: ${JSON.stringify(doc.slice(lt, lt + 20))}`);
    const el: XmlElement = { name: m[1], attrs: {}, children: [], text: '' };
    let j = lt + m[0].length;
    for (;;) {
      ATTR_RE.lastIndex = j;
      const a = ATTR_RE.exec(doc);
      if (a === null) break;
      if (a[1] in el.attrs) throw new Error(`duplicate attribute ${a[1]} at ${j}`);
      el.attrs[a[1]] = unescape(a[2], `attribute ${a[1]}`);
      j = ATTR_RE.lastIndex;
    }
    const close = /^\s*(\/?)>/.exec(doc.slice(j));
    if (close === null) throw new Error(`bad attributes in <${el.name}> at ${j}: ${JSON.stringify(doc.slice(j, j + 30))}`);
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root !== undefined) throw new Error(`second root element <${el.name}>`);
    else root = el;
    if (close[1] !== '/') stack.push(el);
    i = j + close[0].length;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}

/** Every descendant element with this name, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.name === name) out.push(c);
    out.push(...findAll(c, name));
  }
  return out;
}
