import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readRegions, regionKey, writeRegions, asWritten } from '../../src-main/node/interop/face-regions.js';
import { jpegSegments, readJpegXmp, spliceJpegXmp, XMP_SIGNATURE, MAX_STANDARD_XMP_BYTES, JpegError } from '../../src-main/node/interop/jpeg-xmp.js';
import { sidecarCandidates, sidecarPath } from '../../src-main/node/interop/xmp-files.js';
import { findProperties, itemsOf, NS, parseXmpPacket, textOf, XmpError } from '../../src-main/node/interop/xmp-packet.js';
import { parseXml, serializeXml, XmlParseError } from '../../src-main/node/interop/xml.js';

/**
 * The XMP reader and writer without ExifTool (test/node/xmp-interop.test.ts checks them against ExifTool): XML
 * parsing, the RDF forms tools write regions in, merging, and the JPEG segment splice.
 */

const DIGIKAM_STYLE = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2"
  xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
  xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
  xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmp:Rating="4">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday</rdf:li>
     <rdf:li>beach &amp; sun</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="4000" stDim:h="3000" stDim:unit="pixel"/>
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Alice" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.2" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Rex" mwg-rs:Type="Pet">
        <mwg-rs:Area stArea:x="0.2" stArea:y="0.8" stArea:w="0.1" stArea:h="0.1" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Bob" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="400" stArea:y="300" stArea:w="400" stArea:h="300" stArea:unit="pixel"/>
       </rdf:Description>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;

const close = (a: readonly number[], b: readonly number[]): void => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));

describe('XML', () => {
  it('reads and writes back the same document', () => {
    const doc = parseXml(DIGIKAM_STYLE);
    const again = parseXml(serializeXml(doc));
    expect(again).toEqual(doc);
    expect(doc.bom).toBe(false);
  });

  it('decodes entities, character references and CDATA', () => {
    const doc = parseXml('<a t="x &amp; &#34;y&#x22;">1 &lt; 2 <![CDATA[<raw>]]></a>');
    const a = doc.children[0] as { attributes: { value: string }[]; children: { text: string }[] };
    expect(a.attributes[0]!.value).toBe('x & "y"');
    expect(a.children.map((c) => c.text).join('')).toBe('1 < 2 <raw>');
  });

  it('refuses DTDs, unknown entities and broken documents', () => {
    for (const bad of [
      '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
      '<a>&nbsp;</a>',
      '<a><b></a>',
      '<a>',
      'text',
      '<a x="1" x="2"/>',
      '<a/><b/>',
    ]) {
      expect(() => parseXml(bad), bad).toThrow(XmlParseError);
    }
  });
});

describe('reading regions', () => {
  it('reads the attribute form (digiKam, exiv2) with pixel units', () => {
    const read = readRegions(parseXmpPacket(DIGIKAM_STYLE));
    expect(read.appliedTo).toEqual({ width: 4000, height: 3000 });
    expect(read.regions.map((r) => [r.format, r.name, r.type])).toEqual([
      ['mwg', 'Alice', 'Face'],
      ['mwg', 'Rex', 'Pet'],
      ['mwg', 'Bob', 'Face'],
    ]);
    close(read.regions[0]!.area!, [0.45, 0.4, 0.55, 0.6]);
    close(read.regions[2]!.area!, [0.05, 0.05, 0.15, 0.15]);
  });

  it('reads Microsoft regions and PersonInImage', () => {
    const packet = parseXmpPacket(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about="" xmlns:MP="http://ns.microsoft.com/photo/1.2/" xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
        xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">
        <MP:RegionInfo><rdf:Description><MPRI:Regions><rdf:Bag>
          <rdf:li><rdf:Description MPReg:Rectangle="0.1, 0.2, 0.3, 0.4" MPReg:PersonDisplayName="Carol"/></rdf:li>
        </rdf:Bag></MPRI:Regions></rdf:Description></MP:RegionInfo>
        <Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Carol</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>
      </rdf:Description></rdf:RDF></x:xmpmeta>`);
    const read = readRegions(packet);
    expect(read.regions).toHaveLength(1);
    expect(read.regions[0]!.name).toBe('Carol');
    close(read.regions[0]!.area!, [0.1, 0.2, 0.4, 0.6]);
    expect(read.personInImage).toEqual(['Carol']);
  });

  it('refuses what is not XMP', () => {
    expect(() => parseXmpPacket('<html><body/></html>')).toThrow(XmpError);
    expect(() => parseXmpPacket('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF')).toThrow(XmpError);
  });
});

describe('writing regions', () => {
  it('merges: keeps other metadata and other tools’ regions, replaces the same face, keeps namespaces right', () => {
    // Alice's face, renamed Alicia in Facetag; Dan is new. Rex (a pet) and Bob (a face Facetag does not know) stay.
    const result = writeRegions(
      parseXmpPacket(DIGIKAM_STYLE),
      [
        { name: 'Alicia', area: [0.452, 0.401, 0.551, 0.602] },
        { name: 'Dan', area: [0.7, 0.1, 0.8, 0.3] },
      ],
      { width: 4000, height: 3000 },
      'Facetag',
    );
    expect(result.kept).toBe(2);
    expect(result.replaced).toBe(1);
    const packet = parseXmpPacket(result.text);
    const read = readRegions(packet);
    expect(read.regions.filter((r) => r.format === 'mwg').map((r) => r.name)).toEqual(['Rex', 'Bob', 'Alicia', 'Dan']);
    expect(read.regions.filter((r) => r.format === 'mp').map((r) => r.name)).toEqual(['Alicia', 'Dan']);
    // Bob's pixel area still reads right: the kept item took its namespaces along, AppliedToDimensions is ours.
    close(read.regions[1]!.area!, [0.05, 0.05, 0.15, 0.15]);
    expect(read.personInImage).toEqual(['Alicia', 'Dan']);
    const subject = findProperties(packet, 'http://purl.org/dc/elements/1.1/', 'subject');
    expect(itemsOf(subject[0]!.value).map(textOf)).toEqual(['holiday', 'beach & sun']);
    expect(textOf(findProperties(packet, 'http://ns.adobe.com/xap/1.0/', 'Rating')[0]!.value)).toBe('4');
    expect(findProperties(packet, NS.mwgRs, 'Regions')).toHaveLength(1);
  });

  it('replaces its own regions of last time, even where no face is now', () => {
    const first = writeRegions(null, [{ name: 'Eve', area: [0.1, 0.1, 0.2, 0.2] }], { width: 100, height: 100 }, 'Facetag');
    const second = writeRegions(parseXmpPacket(first.text), [{ name: 'Frank', area: [0.6, 0.6, 0.7, 0.7] }], { width: 100, height: 100 }, 'Facetag');
    expect(readRegions(parseXmpPacket(second.text)).regions.map((r) => r.name)).toEqual(['Frank', 'Frank']);
    // Writing nothing clears Facetag's regions, and the description with them.
    const cleared = writeRegions(parseXmpPacket(second.text), [], { width: 100, height: 100 }, 'Facetag');
    expect(readRegions(parseXmpPacket(cleared.text)).regions).toEqual([]);
    expect(cleared.text).not.toContain('rdf:Description');
    // Writing the same again changes nothing.
    expect(writeRegions(parseXmpPacket(second.text), [{ name: 'Frank', area: [0.6, 0.6, 0.7, 0.7] }], { width: 100, height: 100 }, 'Facetag').text).toBe(
      second.text,
    );
  });

  it('a bigger region of another tool under the same name is the same face; under another name it stays', () => {
    const theirs = writeRegions(null, [{ name: 'Jo', area: [0.3, 0.3, 0.7, 0.7] }], { width: 100, height: 100 }, 'Other');
    // Their own marker would mark it Facetag's: drop it, as if another tool wrote the region.
    const foreign = theirs.text.replace(/<facetag:Regions>[\s\S]*<\/facetag:Regions>/, '');
    const ours = [{ name: 'Jo', area: [0.35, 0.35, 0.6, 0.6] as const }];
    expect(readRegions(parseXmpPacket(writeRegions(parseXmpPacket(foreign), ours, { width: 100, height: 100 }, 'Facetag').text)).regions.map((r) => r.name)).toEqual(['Jo', 'Jo']);
    const renamed = writeRegions(parseXmpPacket(foreign), [{ name: 'Kim', area: ours[0]!.area }], { width: 100, height: 100 }, 'Facetag');
    expect(renamed.kept).toBe(2);
    expect(readRegions(parseXmpPacket(renamed.text)).regions.filter((r) => r.format === 'mwg').map((r) => r.name)).toEqual(['Jo', 'Kim']);
  });

  it('the key of a region is the same written and read back', () => {
    const area = [0.123456789, 0.2, 0.3333333, 0.45] as const;
    const text = writeRegions(null, [{ name: 'Gina', area }], { width: 10, height: 10 }, 'Facetag').text;
    const read = readRegions(parseXmpPacket(text)).regions[0]!;
    expect(regionKey(read.name!, read.area!)).toBe(regionKey('Gina', asWritten(area).box));
  });
});

describe('JPEG XMP segment', () => {
  it('splices the packet in and out, every other byte kept', async () => {
    const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#336699' } })
      .withExif({ IFD0: { Make: 'Facetag test' } })
      .jpeg()
      .toBuffer();
    expect(readJpegXmp(jpeg).standard).toBeNull();
    const packet = writeRegions(null, [{ name: 'Hal', area: [0.1, 0.1, 0.5, 0.5] }], { width: 32, height: 24 }, 'Facetag').text;
    const once = spliceJpegXmp(jpeg, packet);
    expect(readJpegXmp(once).standard).toBe(packet);
    // Inserted after the Exif segment; the rest of the file is the original's.
    const segments = jpegSegments(once).segments;
    const xmp = segments.find((s) => once.subarray(s.dataStart, s.dataStart + XMP_SIGNATURE.length).equals(XMP_SIGNATURE))!;
    expect(Buffer.concat([once.subarray(0, xmp.start), once.subarray(xmp.end)]).equals(jpeg)).toBe(true);
    // Replaced in place the second time.
    const twice = spliceJpegXmp(once, packet.replace('Hal', 'Ida'));
    expect(readJpegXmp(twice).standard).toContain('Ida');
    expect(twice.length).toBe(once.length);
    expect(jpegSegments(twice).segments.map((s) => s.marker)).toEqual(segments.map((s) => s.marker));
    expect(() => spliceJpegXmp(jpeg, 'x'.repeat(MAX_STANDARD_XMP_BYTES + 1))).toThrow(JpegError);
  });
});

describe('sidecar names', () => {
  it('digiKam keeps the extension, Lightroom replaces it', () => {
    expect(sidecarPath('/p/IMG_1.JPG', 'digikam')).toBe('/p/IMG_1.JPG.xmp');
    expect(sidecarPath('/p/IMG_1.JPG', 'lightroom')).toBe('/p/IMG_1.xmp');
    expect(sidecarCandidates('/p/a.jpg')).toEqual(['/p/a.jpg.xmp', '/p/a.jpg.XMP', '/p/a.xmp', '/p/a.XMP']);
  });
});
