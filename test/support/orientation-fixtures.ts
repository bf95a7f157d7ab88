import sharp from 'sharp';
import type { RgbImage } from '../../src-main/common/raster.js';

/**
 * The picture as a camera stores it with EXIF orientation `n`: where stored pixel (sx, sy) shows in the upright
 * picture (EXIF 2.3: 2 mirrored, 3 upside down, 5..8 stored sideways with rows and columns swapped).
 */
export function storedForOrientation(n: number, upright: RgbImage): RgbImage {
  const { width: w, height: h } = upright;
  const sideways = n >= 5;
  const storedWidth = sideways ? h : w;
  const storedHeight = sideways ? w : h;
  const toUpright: Record<number, (sx: number, sy: number) => [number, number]> = {
    1: (sx, sy) => [sx, sy],
    2: (sx, sy) => [w - 1 - sx, sy],
    3: (sx, sy) => [w - 1 - sx, h - 1 - sy],
    4: (sx, sy) => [sx, h - 1 - sy],
    5: (sx, sy) => [sy, sx],
    6: (sx, sy) => [w - 1 - sy, sx],
    7: (sx, sy) => [w - 1 - sy, h - 1 - sx],
    8: (sx, sy) => [sy, h - 1 - sx],
  };
  const data = new Uint8Array(storedWidth * storedHeight * 3);
  for (let sy = 0; sy < storedHeight; sy++) {
    for (let sx = 0; sx < storedWidth; sx++) {
      const [ux, uy] = toUpright[n]!(sx, sy);
      const from = (uy * w + ux) * 3;
      data.set(upright.data.subarray(from, from + 3), (sy * storedWidth + sx) * 3);
    }
  }
  return { data, width: storedWidth, height: storedHeight };
}

export async function jpegWithOrientation(stored: RgbImage, orientation: number): Promise<Buffer> {
  return sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .withMetadata({ orientation })
    .toBuffer();
}
