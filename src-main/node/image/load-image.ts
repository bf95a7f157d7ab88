import sharp from 'sharp';
import type { RgbImage } from '../../common/raster.js';
import { ImageError } from './image-error.js';

export interface LoadOptions {
  /** Shrink (never enlarge) so the decoded long side is at most this; JPEGs shrink while decoding. */
  readonly maxSide?: number;
  /** Refuse images with more pixels than this (decompression bombs). */
  readonly maxPixels?: number;
}

/** A photo decoded upright (EXIF orientation applied), as 8-bit RGB. */
export interface DecodedPhoto {
  /** Upright size of the full-resolution photo. */
  readonly width: number;
  readonly height: number;
  /** EXIF orientation of the stored file, 1..8. */
  readonly orientation: number;
  /** Container format as sharp names it: jpeg, png, webp, tiff, ... */
  readonly format: string;
  /** Upright pixels, possibly shrunk: pixels.width = round(width * scale). */
  readonly pixels: RgbImage;
  readonly scale: number;
}

export const DEFAULT_MAX_PIXELS = 200_000_000;

/** First version; hardened (error classification, formats) in image loading work. */
export async function loadPhoto(file: string, options: LoadOptions = {}): Promise<DecodedPhoto> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    const meta = await sharp(file, { limitInputPixels: maxPixels }).metadata();
    const orientation = meta.orientation ?? 1;
    const swap = orientation >= 5;
    const width = (swap ? meta.height : meta.width) ?? 0;
    const height = (swap ? meta.width : meta.height) ?? 0;
    let pipeline = sharp(file, { limitInputPixels: maxPixels, failOn: 'truncated' }).rotate();
    if (options.maxSide && Math.max(width, height) > options.maxSide) {
      pipeline = pipeline.resize({ width: options.maxSide, height: options.maxSide, fit: 'inside' });
    }
    const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return {
      width,
      height,
      orientation,
      format: meta.format ?? 'unknown',
      pixels: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height },
      scale: info.width / width,
    };
  } catch (error) {
    throw new ImageError('corrupt', file, `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}
