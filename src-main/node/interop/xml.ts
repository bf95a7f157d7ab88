/**
 * A small XML reader and writer, enough for XMP packets (RDF/XML): elements, attributes, text, CDATA, comments and
 * processing instructions (the xpacket wrapper), with namespaces resolved on demand. It keeps what it does not
 * understand as it was, so a document read and written back keeps every other tool's metadata.
 *
 * Not supported, on purpose: DTDs and entity declarations (XMP forbids them; refusing them also keeps entity
 * expansion attacks out).
 */

export interface XmlAttribute {
  /** Qualified name as written (prefix:local, or local). */
  name: string;
  /** Decoded value. */
  value: string;
}

export interface XmlElement {
  readonly type: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
}

export interface XmlText {
  readonly type: 'text';
  text: string;
}

export interface XmlCData {
  readonly type: 'cdata';
  text: string;
}

export interface XmlComment {
  readonly type: 'comment';
  text: string;
}

export interface XmlProcessingInstruction {
  readonly type: 'pi';
  target: string;
  body: string;
}

export type XmlNode = XmlElement | XmlText | XmlCData | XmlComment | XmlProcessingInstruction;

export interface XmlDocument {
  /** Whether the text started with a byte-order mark. */
  bom: boolean;
  /** Top-level nodes: the xpacket instructions, comments, white space and the one root element. */
  children: XmlNode[];
}

export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
}

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

// ---- reading ------------------------------------------------------------------------------------------------------

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;

function decodeEntities(text: string, at: number): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlParseError(`a bare "&" near character ${at} (write &amp;)`);
    switch (ref) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : ref.startsWith('#') ? Number.parseInt(ref.slice(1), 10) : NaN;
    if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) throw new XmlParseError(`unknown entity "&${ref};" near character ${at}`);
    return String.fromCodePoint(code);
  });
}

/** Parses a whole document. Throws XmlParseError on anything that is not well-formed. */
export function parseXml(input: string): XmlDocument {
  const bom = input.charCodeAt(0) === 0xfeff;
  const text = (bom ? input.slice(1) : input).replace(/\r\n?/g, '\n');
  const root: XmlDocument = { bom, children: [] };
  const stack: XmlElement[] = [];
  let rootElements = 0;
  let i = 0;
  const children = (): XmlNode[] => (stack.length > 0 ? stack[stack.length - 1]!.children : root.children);
  const fail = (what: string): never => {
    throw new XmlParseError(`${what} at character ${i}`);
  };
  const expectEnd = (terminator: string, what: string): number => {
    const end = text.indexOf(terminator, i);
    if (end === -1) fail(`unterminated ${what}`);
    return end;
  };

  while (i < text.length) {
    if (text[i] !== '<') {
      const end = text.indexOf('<', i);
      const raw = text.slice(i, end === -1 ? text.length : end);
      if (stack.length === 0 && raw.trim() !== '') fail('text outside the root element');
      children().push({ type: 'text', text: decodeEntities(raw, i) });
      i = end === -1 ? text.length : end;
      continue;
    }
    if (text.startsWith('<?', i)) {
      const end = expectEnd('?>', 'processing instruction');
      const content = text.slice(i + 2, end);
      const match = /^([^\s?]+)\s*([\s\S]*)$/.exec(content);
      if (!match) fail('empty processing instruction');
      children().push({ type: 'pi', target: match![1]!, body: match![2]! });
      i = end + 2;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      const end = expectEnd('-->', 'comment');
      children().push({ type: 'comment', text: text.slice(i + 4, end) });
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      const end = expectEnd(']]>', 'CDATA section');
      children().push({ type: 'cdata', text: text.slice(i + 9, end) });
      i = end + 3;
      continue;
    }
    if (text.startsWith('<!', i)) fail('a DTD or declaration (not allowed in XMP)');
    if (text.startsWith('</', i)) {
      const end = expectEnd('>', 'end tag');
      const name = text.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open) fail(`end tag </${name}> without a start tag`);
      if (open!.name !== name) fail(`end tag </${name}> does not close <${open!.name}>`);
      i = end + 1;
      continue;
    }
    // A start tag.
    i++;
    const nameStart = i;
    if (!NAME_START.test(text[i] ?? '')) fail('a bad element name');
    while (i < text.length && NAME_CHAR.test(text[i]!)) i++;
    const element: XmlElement = { type: 'element', name: text.slice(nameStart, i), attributes: [], children: [] };
    let selfClosing = false;
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (i >= text.length) fail(`unterminated start tag <${element.name}>`);
      if (text.startsWith('/>', i)) {
        selfClosing = true;
        i += 2;
        break;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      const attrStart = i;
      if (!NAME_START.test(text[i]!)) fail(`a bad attribute name in <${element.name}>`);
      while (i < text.length && NAME_CHAR.test(text[i]!)) i++;
      const attrName = text.slice(attrStart, i);
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text[i] !== '=') fail(`attribute ${attrName} without a value`);
      i++;
      while (i < text.length && /\s/.test(text[i]!)) i++;
      const quote = text[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attrName} without quotes`);
      const valueEnd = text.indexOf(quote!, i + 1);
      if (valueEnd === -1) fail(`unterminated value of attribute ${attrName}`);
      const raw = text.slice(i + 1, valueEnd);
      if (raw.includes('<')) fail(`"<" in the value of attribute ${attrName}`);
      if (element.attributes.some((a) => a.name === attrName)) fail(`attribute ${attrName} given twice`);
      element.attributes.push({ name: attrName, value: decodeEntities(raw.replace(/[\t\n]/g, ' '), i) });
      i = valueEnd + 1;
    }
    if (stack.length === 0) {
      rootElements++;
      if (rootElements > 1) fail('a second root element');
    }
    children().push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new XmlParseError(`the document ends inside <${stack[stack.length - 1]!.name}>`);
  if (rootElements === 0) throw new XmlParseError('the document has no root element');
  return root;
}

// ---- writing ------------------------------------------------------------------------------------------------------

function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '"':
        return '&quot;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

export function serializeNode(node: XmlNode): string {
  switch (node.type) {
    case 'text':
      return escapeText(node.text);
    case 'cdata':
      return `<![CDATA[${node.text}]]>`;
    case 'comment':
      return `<!--${node.text}-->`;
    case 'pi':
      return `<?${node.target}${node.body ? ` ${node.body}` : ''}?>`;
    case 'element': {
      const attributes = node.attributes.map((a) => ` ${a.name}="${escapeAttribute(a.value)}"`).join('');
      if (node.children.length === 0) return `<${node.name}${attributes}/>`;
      return `<${node.name}${attributes}>${node.children.map(serializeNode).join('')}</${node.name}>`;
    }
  }
}

export function serializeXml(doc: XmlDocument): string {
  return (doc.bom ? '\uFEFF' : '') + doc.children.map(serializeNode).join('');
}

// ---- building -----------------------------------------------------------------------------------------------------

export function element(name: string, attributes: Record<string, string> = {}, children: XmlNode[] = []): XmlElement {
  return { type: 'element', name, attributes: Object.entries(attributes).map(([n, value]) => ({ name: n, value })), children };
}

export function textNode(text: string): XmlText {
  return { type: 'text', text };
}

export function cloneElement(el: XmlElement): XmlElement {
  return {
    type: 'element',
    name: el.name,
    attributes: el.attributes.map((a) => ({ ...a })),
    children: el.children.map((c) => (c.type === 'element' ? cloneElement(c) : { ...c })),
  };
}

export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.type === 'element');
}

export function attributeValue(el: XmlElement, name: string): string | undefined {
  return el.attributes.find((a) => a.name === name)?.value;
}

/** The text content of an element (text and CDATA of its children, not of its descendants). */
export function ownText(el: XmlElement): string {
  return el.children.map((c) => (c.type === 'text' || c.type === 'cdata' ? c.text : '')).join('');
}

/** Removes `child` from `parent`, with the white space just before it (to keep the layout tidy). */
export function removeChild(parent: XmlElement, child: XmlNode): void {
  const index = parent.children.indexOf(child);
  if (index === -1) return;
  const before = parent.children[index - 1];
  const start = before?.type === 'text' && before.text.trim() === '' ? index - 1 : index;
  parent.children.splice(start, index - start + 1);
}

// ---- namespaces ---------------------------------------------------------------------------------------------------

/** Prefix ('' for the default namespace) → namespace URI. */
export type NamespaceScope = ReadonlyMap<string, string>;

export const ROOT_SCOPE: NamespaceScope = new Map([['xml', XML_NAMESPACE]]);

export function splitName(name: string): { prefix: string; local: string } {
  const colon = name.indexOf(':');
  return colon === -1 ? { prefix: '', local: name } : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

function declarations(el: XmlElement): [string, string][] {
  const out: [string, string][] = [];
  for (const a of el.attributes) {
    if (a.name === 'xmlns') out.push(['', a.value]);
    else if (a.name.startsWith('xmlns:')) out.push([a.name.slice(6), a.value]);
  }
  return out;
}

/** The scope inside `el` (its own declarations added to its parent's scope). */
export function enterScope(el: XmlElement, parent: NamespaceScope): NamespaceScope {
  const own = declarations(el);
  if (own.length === 0) return parent;
  const scope = new Map(parent);
  for (const [prefix, uri] of own) scope.set(prefix, uri);
  return scope;
}

export interface ExpandedName {
  readonly uri: string | undefined;
  readonly local: string;
}

/** An element's namespace URI and local name; `scope` is the scope inside the element (see enterScope). */
export function elementName(el: XmlElement, scope: NamespaceScope): ExpandedName {
  const { prefix, local } = splitName(el.name);
  return { uri: scope.get(prefix), local };
}

/** An attribute's namespace URI and local name: unprefixed attributes are in no namespace. */
export function attributeName(name: string, scope: NamespaceScope): ExpandedName {
  if (name === 'xmlns' || name.startsWith('xmlns:')) return { uri: XMLNS_NAMESPACE, local: name.slice(6) };
  const { prefix, local } = splitName(name);
  return { uri: prefix === '' ? undefined : scope.get(prefix), local };
}

export function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

/**
 * A deep copy of `el` that can be moved anywhere: every prefix its subtree uses without declaring it gets a
 * declaration on the copy (from `source`, the scope `el` sat in), unless `target` (the scope it moves into) already
 * binds that prefix to the same URI.
 */
export function detachWithNamespaces(el: XmlElement, source: NamespaceScope, target: NamespaceScope): XmlElement {
  const needed = new Map<string, string>();
  const walk = (node: XmlElement, declared: ReadonlySet<string>): void => {
    const here = new Set(declared);
    for (const [prefix] of declarations(node)) here.add(prefix);
    const use = (prefix: string): void => {
      if (prefix === 'xml' || here.has(prefix) || needed.has(prefix)) return;
      const uri = source.get(prefix);
      if (uri !== undefined && target.get(prefix) !== uri) needed.set(prefix, uri);
    };
    use(splitName(node.name).prefix);
    for (const a of node.attributes) {
      if (isNamespaceDeclaration(a.name)) continue;
      const { prefix } = splitName(a.name);
      if (prefix !== '') use(prefix);
    }
    for (const child of childElements(node)) walk(child, here);
  };
  walk(el, new Set());
  const copy = cloneElement(el);
  for (const [prefix, uri] of needed) copy.attributes.unshift({ name: prefix === '' ? 'xmlns' : `xmlns:${prefix}`, value: uri });
  return copy;
}
