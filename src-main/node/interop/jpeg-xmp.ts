/**
 * The XMP packet inside a JPEG: an APP1 segment that starts with "http://ns.adobe.com/xap/1.0/\0" (the standard
 * packet, at most 65,504 bytes), plus, for bigger metadata, APP1 segments "http://ns.adobe.com/xmp/extension/\0"
 * carrying the extended packet in chunks (read here, never written).
 *
 * Writing splices one segment: every other byte of the file (other segments, the compressed image) stays as it was.
 */

export const XMP_SIGNATURE = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
export const EXTENDED_XMP_SIGNATURE = Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1');
const EXIF_SIGNATURE = Buffer.from('Exif\0\0', 'latin1');
/** A segment's length field counts itself (2 bytes) and is 16 bits. */
export const MAX_STANDARD_XMP_BYTES = 0xffff - 2 - XMP_SIGNATURE.length;

const SOI = 0xd8;
const SOS = 0xda;
const EOI = 0xd9;
const APP0 = 0xe0;
const APP1 = 0xe1;

export class JpegError extends Error {
  override readonly name = 'JpegError';
}

export interface JpegSegment {
  readonly marker: number;
  /** Offset of the segment's 0xFF marker byte. */
  readonly start: number;
  /** Offset just after the segment. */
  readonly end: number;
  /** Offset of the segment's payload (after marker and length). */
  readonly dataStart: number;
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === SOI && bytes[2] === 0xff;
}

/**
 * The marker segments before the first scan (where all metadata lives). Throws JpegError when the structure is
 * broken; `complete` is false when the bytes end before the first scan (a head read of a bigger file).
 */
export function jpegSegments(bytes: Buffer): { segments: JpegSegment[]; complete: boolean } {
  if (!isJpeg(bytes)) throw new JpegError('not a JPEG file');
  const segments: JpegSegment[] = [];
  let offset = 2;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) throw new JpegError(`no marker at byte ${offset}`);
    let markerAt = offset;
    while (bytes[markerAt + 1] === 0xff) markerAt++; // fill bytes
    if (markerAt + 1 >= bytes.length) break;
    const marker = bytes[markerAt + 1]!;
    if (marker === SOS || marker === EOI) return { segments, complete: true };
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset = markerAt + 2;
      continue;
    }
    if (markerAt + 4 > bytes.length) break;
    const length = bytes.readUInt16BE(markerAt + 2);
    if (length < 2) throw new JpegError(`a segment with a bad length at byte ${markerAt}`);
    const end = markerAt + 2 + length;
    if (end > bytes.length) break;
    segments.push({ marker, start: offset, end, dataStart: markerAt + 4 });
    offset = end;
  }
  return { segments, complete: false };
}

const startsWith = (bytes: Buffer, at: number, signature: Buffer): boolean =>
  bytes.length >= at + signature.length && bytes.subarray(at, at + signature.length).equals(signature);

function decodePacket(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/\0+$/, '');
}

export interface JpegXmp {
  /** The standard packet's text, or null when the file has none. */
  readonly standard: string | null;
  /** The extended packet's text (reassembled from its chunks), or null. */
  readonly extended: string | null;
}

/** The XMP packets of a JPEG (`bytes` may be only the head of the file, as long as it holds every segment). */
export function readJpegXmp(bytes: Buffer): JpegXmp {
  const { segments } = jpegSegments(bytes);
  let standard: string | null = null;
  const chunks = new Map<string, { total: number; parts: { offset: number; data: Buffer }[] }>();
  for (const s of segments) {
    if (s.marker !== APP1) continue;
    if (standard === null && startsWith(bytes, s.dataStart, XMP_SIGNATURE)) {
      standard = decodePacket(bytes.subarray(s.dataStart + XMP_SIGNATURE.length, s.end));
    } else if (startsWith(bytes, s.dataStart, EXTENDED_XMP_SIGNATURE)) {
      const at = s.dataStart + EXTENDED_XMP_SIGNATURE.length;
      if (at + 40 > s.end) continue;
      const guid = bytes.toString('latin1', at, at + 32);
      const total = bytes.readUInt32BE(at + 32);
      const offset = bytes.readUInt32BE(at + 36);
      const entry = chunks.get(guid) ?? { total, parts: [] };
      entry.parts.push({ offset, data: bytes.subarray(at + 40, s.end) });
      chunks.set(guid, entry);
    }
  }
  // The standard packet names the extended one it goes with (xmpNote:HasExtendedXMP).
  const wanted = standard ? /HasExtendedXMP\s*(?:=\s*["']|>)\s*([0-9A-Fa-f]{32})/.exec(standard)?.[1] : undefined;
  const chosen = (wanted && chunks.get(wanted)) || (chunks.size === 1 ? [...chunks.values()][0] : undefined);
  let extended: string | null = null;
  if (chosen && chosen.total > 0 && chosen.total < 64 * 1024 * 1024) {
    const whole = Buffer.alloc(chosen.total);
    let filled = 0;
    for (const part of chosen.parts) {
      if (part.offset + part.data.length > chosen.total) continue;
      part.data.copy(whole, part.offset);
      filled += part.data.length;
    }
    if (filled >= chosen.total) extended = decodePacket(whole);
  }
  return { standard, extended };
}

/**
 * A copy of the JPEG with `packet` as its standard XMP: the existing XMP segment is replaced where it is, or a new
 * one goes after the JFIF/Exif segments at the start. Every other byte is kept. Throws JpegError when the packet is
 * too big for one segment (Extended XMP is not written).
 */
export function spliceJpegXmp(bytes: Buffer, packet: string): Buffer {
  const payload = Buffer.from(packet, 'utf8');
  if (payload.length > MAX_STANDARD_XMP_BYTES) {
    throw new JpegError(`the XMP packet (${payload.length} bytes) is too big for a JPEG's XMP segment (${MAX_STANDARD_XMP_BYTES} bytes at most)`);
  }
  const { segments, complete } = jpegSegments(bytes);
  if (!complete) throw new JpegError('the JPEG ends before its image data');
  const header = Buffer.alloc(4);
  header[0] = 0xff;
  header[1] = APP1;
  header.writeUInt16BE(2 + XMP_SIGNATURE.length + payload.length, 2);
  const segment = Buffer.concat([header, XMP_SIGNATURE, payload]);
  const existing = segments.find((s) => s.marker === APP1 && startsWith(bytes, s.dataStart, XMP_SIGNATURE));
  if (existing) return Buffer.concat([bytes.subarray(0, existing.start), segment, bytes.subarray(existing.end)]);
  let insertAt = 2;
  for (const s of segments) {
    const leading = s.marker === APP0 || (s.marker === APP1 && startsWith(bytes, s.dataStart, EXIF_SIGNATURE));
    if (!leading) break;
    insertAt = s.end;
  }
  return Buffer.concat([bytes.subarray(0, insertAt), segment, bytes.subarray(insertAt)]);
}
