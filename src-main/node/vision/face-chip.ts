import type { Landmarks5 } from '../../common/geometry.js';
import type { RgbImage } from '../../common/raster.js';
import { type Affine2x3, estimateSimilarityTransform, invertAffine } from '../../common/similarity-transform.js';

/** What a chip pixel gets when it maps outside the source image. */
export type ChipBorder = 'black' | 'replicate';

export interface AlignOptions {
  /**
   * 'black' (default) fills with 0, as dlib's extract_image_chip and InsightFace's cv2.warpAffine do, which is what
   * the recognizers saw in training; 'replicate' repeats the nearest edge pixel.
   */
  readonly border?: ChipBorder;
}

/**
 * The similarity transform (least squares, Umeyama) that maps the detected `landmarks` (image pixels) onto the
 * recognizer's `template` (chip pixels). Pixel centres sit at integer coordinates in both frames.
 */
export function alignmentTransform(landmarks: Landmarks5, template: Landmarks5): Affine2x3 {
  return estimateSimilarityTransform(landmarks, template);
}

/**
 * Cuts an aligned chipSize x chipSize face chip out of `image`: fits the similarity transform landmarks→template,
 * then fills each chip pixel by mapping it back into the image (inverse mapping) and sampling bilinearly.
 * `landmarks` must be in the pixel frame of `image`.
 */
export function alignFace(
  image: RgbImage,
  landmarks: Landmarks5,
  template: Landmarks5,
  chipSize: number,
  options: AlignOptions = {},
): RgbImage {
  return warpAffineToChip(image, alignmentTransform(landmarks, template), chipSize, chipSize, options.border ?? 'black');
}

/**
 * Warps `image` into a width x height output where `toOutput` maps image pixels to output pixels (pixel centres at
 * integer coordinates). Bilinear sampling; outside pixels per `border`.
 */
export function warpAffineToChip(
  image: RgbImage,
  toOutput: Affine2x3,
  width: number,
  height: number,
  border: ChipBorder = 'black',
): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`bad chip size ${width} x ${height}`);
  }
  const [m00, m01, m02, m10, m11, m12] = invertAffine(toOutput);
  const src = image.data;
  const sw = image.width;
  const sh = image.height;
  const stride = sw * 3;
  const out = new Uint8Array(width * height * 3);
  if (sw <= 0 || sh <= 0) return { data: out, width, height };
  const replicate = border === 'replicate';
  let o = 0;
  for (let v = 0; v < height; v++) {
    // Source position of chip pixel (0, v); stepping u adds (m00, m10).
    let x = m01 * v + m02;
    let y = m11 * v + m12;
    for (let u = 0; u < width; u++, x += m00, y += m10, o += 3) {
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
        // Fast path: all four neighbours inside.
        const i00 = y0 * stride + x0 * 3;
        const i10 = i00 + 3;
        const i01 = i00 + stride;
        const i11 = i01 + 3;
        const w00 = (1 - fx) * (1 - fy);
        const w10 = fx * (1 - fy);
        const w01 = (1 - fx) * fy;
        const w11 = fx * fy;
        out[o] = w00 * src[i00]! + w10 * src[i10]! + w01 * src[i01]! + w11 * src[i11]! + 0.5;
        out[o + 1] = w00 * src[i00 + 1]! + w10 * src[i10 + 1]! + w01 * src[i01 + 1]! + w11 * src[i11 + 1]! + 0.5;
        out[o + 2] = w00 * src[i00 + 2]! + w10 * src[i10 + 2]! + w01 * src[i01 + 2]! + w11 * src[i11 + 2]! + 0.5;
        continue;
      }
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (!replicate && (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh)) continue; // wholly outside: black
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < 4; k++) {
        let xi = x0 + (k & 1);
        let yi = y0 + (k >> 1);
        const w = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
        if (xi < 0 || yi < 0 || xi >= sw || yi >= sh) {
          if (!replicate) continue;
          xi = xi < 0 ? 0 : xi >= sw ? sw - 1 : xi;
          yi = yi < 0 ? 0 : yi >= sh ? sh - 1 : yi;
        }
        const i = yi * stride + xi * 3;
        r += w * src[i]!;
        g += w * src[i + 1]!;
        b += w * src[i + 2]!;
      }
      out[o] = r + 0.5;
      out[o + 1] = g + 0.5;
      out[o + 2] = b + 0.5;
    }
  }
  return { data: out, width, height };
}
