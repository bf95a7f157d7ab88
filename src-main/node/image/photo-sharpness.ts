import { laplacianVariance } from '../../common/face-quality.js';
import type { RgbImage } from '../../common/raster.js';

/** Photos are compared on a grid of about this long side, so that sharpness does not depend on their resolution. */
const SHARPNESS_LONG_SIDE = 256;

/**
 * The whole photo's sharpness: variance of the Laplacian of its grey values, sampled on a grid of about 256 px long
 * side (every k-th pixel, no resampling). It only breaks ties between faces of equal quality, and each sample is a
 * cache miss: at 512 px it cost 3 ms of a photo's ~90.
 */
export function photoSharpness(image: RgbImage): number {
  const step = Math.max(1, Math.floor(Math.max(image.width, image.height) / SHARPNESS_LONG_SIDE));
  const width = Math.floor(image.width / step);
  const height = Math.floor(image.height / step);
  const grey = new Float32Array(width * height);
  const { data } = image;
  const offset = Math.floor(step / 2);
  for (let y = 0, i = 0; y < height; y++) {
    let j = ((y * step + offset) * image.width + offset) * 3;
    for (let x = 0; x < width; x++, i++, j += 3 * step) grey[i] = 0.299 * data[j]! + 0.587 * data[j + 1]! + 0.114 * data[j + 2]!;
  }
  return laplacianVariance(grey, width, height);
}
