import sharp from 'sharp';
import type { Box, Landmarks5 } from '../../common/geometry.js';

export interface AnnotatedFace {
  readonly box: Box;
  readonly landmarks: Landmarks5;
  /** Drawn above the box: a score, a name, or both. */
  readonly label: string;
}

/** Colours of the five landmark dots, in landmark order: eyes, nose, mouth corners. */
const LANDMARK_COLOURS = ['#ff3b30', '#ff9500', '#34c759', '#0a84ff', '#bf5af2'] as const;
/** Annotated copies are drawn at most this large; bigger photos are shrunk first. */
const MAX_ANNOTATED_SIDE = 4096;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function overlaySvg(faces: readonly AnnotatedFace[], width: number, height: number, scale: number): string {
  const line = Math.max(2, Math.round(Math.max(width, height) / 400));
  const dot = line * 1.6;
  const fontSize = Math.max(12, Math.round(Math.max(width, height) / 60));
  const parts = faces.map((face) => {
    const [x1, y1, x2, y2] = face.box.map((v) => v * scale) as unknown as Box;
    const labelY = y1 - line * 2 > fontSize ? y1 - line * 2 : y2 + fontSize + line;
    const dots = face.landmarks
      .map(([x, y], i) => `<circle cx="${x * scale}" cy="${y * scale}" r="${dot}" fill="${LANDMARK_COLOURS[i]}" stroke="black" stroke-width="${line / 3}"/>`)
      .join('');
    return (
      `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="#30d158" stroke-width="${line}"/>` +
      `<text x="${x1}" y="${labelY}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" font-weight="bold" ` +
      `fill="#30d158" stroke="black" stroke-width="${line / 2}" paint-order="stroke">${escapeXml(face.label)}</text>` +
      dots
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/**
 * Writes an upright copy of `source` with boxes, landmark dots and labels drawn on it. Coordinates are in the
 * upright full-resolution frame of `source`, whose upright size is `uprightWidth` x `uprightHeight`.
 */
export async function writeAnnotatedCopy(
  source: string,
  target: string,
  faces: readonly AnnotatedFace[],
  uprightWidth: number,
): Promise<void> {
  const upright = sharp(source, { failOn: 'none', limitInputPixels: false }).rotate();
  const resized = upright.resize({ width: MAX_ANNOTATED_SIDE, height: MAX_ANNOTATED_SIDE, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await resized.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const scale = info.width / uprightWidth;
  const svg = overlaySvg(faces, info.width, info.height, scale);
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 90 })
    .toFile(target);
}
