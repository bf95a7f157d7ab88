import {
  attributeName,
  childElements,
  element,
  elementName,
  enterScope,
  isNamespaceDeclaration,
  ownText,
  parseXml,
  removeChild,
  ROOT_SCOPE,
  serializeXml,
  textNode,
  XmlParseError,
  type NamespaceScope,
  type XmlDocument,
  type XmlElement,
} from './xml.js';

/** The namespaces Facetag reads or writes. */
export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  mwgRs: 'http://www.metadataworkinggroup.com/schemas/regions/',
  stArea: 'http://ns.adobe.com/xmp/sType/Area#',
  stDim: 'http://ns.adobe.com/xap/1.0/sType/Dimensions#',
  mp: 'http://ns.microsoft.com/photo/1.2/',
  mpri: 'http://ns.microsoft.com/photo/1.2/t/RegionInfo#',
  mpreg: 'http://ns.microsoft.com/photo/1.2/t/Region#',
  iptcExt: 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/',
  xmpNote: 'http://ns.adobe.com/xmp/note/',
  /** Facetag's own: which regions of a file Facetag wrote (so it replaces only its own next time). */
  facetag: 'http://ns.facetag.app/xmp/1.0/',
} as const;

export class XmpError extends Error {
  override readonly name = 'XmpError';
}

/** An XMP value: simple text, an array (Bag, Seq, Alt) or a struct whose fields are keyed by namespace URI + name. */
export type XmpValue =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'array'; readonly items: readonly XmpValue[] }
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, XmpValue> };

export const key = (uri: string, local: string): string => uri + local;

export function field(value: XmpValue | undefined, uri: string, local: string): XmpValue | undefined {
  return value?.kind === 'struct' ? value.fields.get(key(uri, local)) : undefined;
}

/** A value as text: simple text, or the first item of an array (an Alt's default language). */
export function textOf(value: XmpValue | undefined): string | undefined {
  if (!value) return undefined;
  if (value.kind === 'text') return value.text;
  if (value.kind === 'array') return textOf(value.items[0]);
  return undefined;
}

export function itemsOf(value: XmpValue | undefined): readonly XmpValue[] {
  if (!value) return [];
  return value.kind === 'array' ? value.items : [value];
}

/** An element together with the namespace scope inside it. */
export interface Scoped {
  readonly element: XmlElement;
  readonly scope: NamespaceScope;
}

/** A parsed XMP packet: the document, and where its rdf:RDF is. */
export interface XmpPacket {
  readonly doc: XmlDocument;
  readonly rdf: XmlElement;
  /** The scope inside rdf:RDF. */
  readonly rdfScope: NamespaceScope;
}

function is(name: { uri: string | undefined; local: string }, uri: string, local: string): boolean {
  return name.uri === uri && name.local === local;
}

function findRdf(el: XmlElement, parentScope: NamespaceScope): Scoped | undefined {
  const scope = enterScope(el, parentScope);
  if (is(elementName(el, scope), NS.rdf, 'RDF')) return { element: el, scope };
  for (const child of childElements(el)) {
    const found = findRdf(child, scope);
    if (found) return found;
  }
  return undefined;
}

/** Parses an XMP packet (a sidecar file, or the packet of an image). Throws XmpError when it is not one. */
export function parseXmpPacket(text: string): XmpPacket {
  let doc: XmlDocument;
  try {
    doc = parseXml(text.replace(/\0+$/, ''));
  } catch (error) {
    if (error instanceof XmlParseError) throw new XmpError(`not well-formed XML: ${error.message}`);
    throw error;
  }
  const root = doc.children.find((c): c is XmlElement => c.type === 'element')!;
  const found = findRdf(root, ROOT_SCOPE);
  if (!found) throw new XmpError('no rdf:RDF element: not an XMP packet');
  return { doc, rdf: found.element, rdfScope: found.scope };
}

/** A new, empty packet (with the xpacket wrapper, as ExifTool and Adobe write them). */
export function emptyXmpPacket(toolkit: string): XmpPacket {
  const rdf = element('rdf:RDF', { 'xmlns:rdf': NS.rdf }, [textNode('\n')]);
  const meta = element('x:xmpmeta', { 'xmlns:x': NS.x, 'x:xmptk': toolkit }, [textNode('\n'), rdf, textNode('\n')]);
  const doc: XmlDocument = {
    bom: false,
    children: [
      { type: 'pi', target: 'xpacket', body: `begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"` },
      textNode('\n'),
      meta,
      textNode('\n'),
      { type: 'pi', target: 'xpacket', body: 'end="w"' },
    ],
  };
  return { doc, rdf, rdfScope: enterScope(rdf, enterScope(meta, ROOT_SCOPE)) };
}

export function serializeXmpPacket(packet: XmpPacket): string {
  return serializeXml(packet.doc);
}

/** The rdf:Description elements of the packet. */
export function descriptions(packet: XmpPacket): Scoped[] {
  return childElements(packet.rdf)
    .map((el) => ({ element: el, scope: enterScope(el, packet.rdfScope) }))
    .filter((d) => is(elementName(d.element, d.scope), NS.rdf, 'Description'));
}

/** Attributes that are RDF syntax or namespace declarations, not properties or fields. */
function isSyntaxAttribute(name: string, scope: NamespaceScope): boolean {
  if (isNamespaceDeclaration(name)) return true;
  const { uri } = attributeName(name, scope);
  return uri === NS.rdf || uri === NS.xml || uri === undefined;
}

function structFromAttributes(el: XmlElement, scope: NamespaceScope, fields: Map<string, XmpValue>): void {
  for (const a of el.attributes) {
    if (isSyntaxAttribute(a.name, scope)) continue;
    const { uri, local } = attributeName(a.name, scope);
    fields.set(key(uri!, local), { kind: 'text', text: a.value });
  }
}

function structFromChildren(el: XmlElement, scope: NamespaceScope, fields: Map<string, XmpValue>): void {
  for (const child of childElements(el)) {
    const childScope = enterScope(child, scope);
    const { uri, local } = elementName(child, childScope);
    if (uri === undefined) continue;
    fields.set(key(uri, local), readPropertyElement(child, scope));
  }
}

function struct(fields: Map<string, XmpValue>): XmpValue {
  // A value with qualifiers (rdf:value plus e.g. xml:lang) reads as its value.
  const value = fields.get(key(NS.rdf, 'value'));
  return value ?? { kind: 'struct', fields };
}

/** Reads the value of a property element (or array item, or struct field). `parentScope`: the scope around it. */
export function readPropertyElement(el: XmlElement, parentScope: NamespaceScope): XmpValue {
  const scope = enterScope(el, parentScope);
  const rdfAttr = (local: string): string | undefined =>
    el.attributes.find((a) => !isNamespaceDeclaration(a.name) && is(attributeName(a.name, scope), NS.rdf, local))?.value;
  if (rdfAttr('parseType') === 'Resource') {
    const fields = new Map<string, XmpValue>();
    structFromAttributes(el, scope, fields);
    structFromChildren(el, scope, fields);
    return struct(fields);
  }
  const children = childElements(el);
  if (children.length > 0) {
    const first = children[0]!;
    const firstScope = enterScope(first, scope);
    const name = elementName(first, firstScope);
    if (name.uri === NS.rdf && (name.local === 'Bag' || name.local === 'Seq' || name.local === 'Alt')) {
      const items = childElements(first)
        .filter((li) => is(elementName(li, enterScope(li, firstScope)), NS.rdf, 'li'))
        .map((li) => readPropertyElement(li, firstScope));
      return { kind: 'array', items };
    }
    const fields = new Map<string, XmpValue>();
    if (is(name, NS.rdf, 'Description')) {
      structFromAttributes(first, firstScope, fields);
      structFromChildren(first, firstScope, fields);
    } else {
      structFromChildren(el, scope, fields);
    }
    return struct(fields);
  }
  const resource = rdfAttr('resource');
  if (resource !== undefined) return { kind: 'text', text: resource };
  const fields = new Map<string, XmpValue>();
  structFromAttributes(el, scope, fields);
  if (fields.size > 0) return struct(fields);
  return { kind: 'text', text: ownText(el) };
}

/** A top-level property as found in a description: an element, or an attribute (simple values only). */
export interface PropertyRef {
  readonly description: Scoped;
  /** The property element, or undefined for the attribute form. */
  readonly element?: XmlElement;
  readonly value: XmpValue;
}

/** Every occurrence of a top-level property, in document order. */
export function findProperties(packet: XmpPacket, uri: string, local: string): PropertyRef[] {
  const out: PropertyRef[] = [];
  for (const d of descriptions(packet)) {
    for (const a of d.element.attributes) {
      if (!isSyntaxAttribute(a.name, d.scope) && is(attributeName(a.name, d.scope), uri, local)) {
        out.push({ description: d, value: { kind: 'text', text: a.value } });
      }
    }
    for (const child of childElements(d.element)) {
      if (is(elementName(child, enterScope(child, d.scope)), uri, local)) {
        out.push({ description: d, element: child, value: readPropertyElement(child, d.scope) });
      }
    }
  }
  return out;
}

/** Removes every occurrence of a top-level property (element and attribute forms). */
export function removeProperties(packet: XmpPacket, uri: string, local: string): void {
  for (const d of descriptions(packet)) {
    d.element.attributes = d.element.attributes.filter(
      (a) => isSyntaxAttribute(a.name, d.scope) || !is(attributeName(a.name, d.scope), uri, local),
    );
    for (const child of childElements(d.element)) {
      if (is(elementName(child, enterScope(child, d.scope)), uri, local)) removeChild(d.element, child);
    }
  }
}

/** Removes descriptions left without any property. */
export function removeEmptyDescriptions(packet: XmpPacket): void {
  for (const d of descriptions(packet)) {
    const hasProperty = childElements(d.element).length > 0 || d.element.attributes.some((a) => !isSyntaxAttribute(a.name, d.scope));
    if (!hasProperty) removeChild(packet.rdf, d.element);
  }
}

/** The rdf:about of the packet's descriptions ("" when none says otherwise): every description must share it. */
export function aboutOf(packet: XmpPacket): string {
  for (const d of descriptions(packet)) {
    const about = d.element.attributes.find((a) => !isNamespaceDeclaration(a.name) && is(attributeName(a.name, d.scope), NS.rdf, 'about'));
    if (about) return about.value;
  }
  return '';
}

/**
 * The array items of a property element whose value is an array (rdf:Bag/Seq/Alt), as elements: to keep some
 * items as they were written. `parentScope`: the scope around `el`.
 */
export function arrayItemElements(el: XmlElement, parentScope: NamespaceScope): { element: XmlElement; parentScope: NamespaceScope }[] {
  const scope = enterScope(el, parentScope);
  const container = childElements(el)[0];
  if (!container) return [];
  const containerScope = enterScope(container, scope);
  const name = elementName(container, containerScope);
  if (name.uri !== NS.rdf || !['Bag', 'Seq', 'Alt'].includes(name.local)) return [];
  return childElements(container)
    .filter((li) => is(elementName(li, enterScope(li, containerScope)), NS.rdf, 'li'))
    .map((li) => ({ element: li, parentScope: containerScope }));
}

/**
 * The element of a struct's field, for a struct written as rdf:parseType="Resource", as a nested rdf:Description
 * or (leniently) with its fields as direct children. Undefined for fields written as attributes.
 */
export function structFieldElement(
  el: XmlElement,
  parentScope: NamespaceScope,
  uri: string,
  local: string,
): { element: XmlElement; parentScope: NamespaceScope } | undefined {
  const scope = enterScope(el, parentScope);
  const children = childElements(el);
  let holder = el;
  let holderScope = scope;
  const first = children[0];
  if (first && children.length === 1) {
    const firstScope = enterScope(first, scope);
    if (is(elementName(first, firstScope), NS.rdf, 'Description')) {
      holder = first;
      holderScope = firstScope;
    }
  }
  for (const child of childElements(holder)) {
    if (is(elementName(child, enterScope(child, holderScope)), uri, local)) return { element: child, parentScope: holderScope };
  }
  return undefined;
}
