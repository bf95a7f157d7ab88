import { laplacianVariance, rgbToGrey } from '../../common/face-quality.js';
import type { RgbImage } from '../../common/raster.js';
import { resizeRgb } from '../vision/detector-input.js';

/** Photos are compared at this long side, so that sharpness does not depend on their resolution. */
const SHARPNESS_LONG_SIDE = 512;

/** The whole photo's sharpness: variance of the Laplacian of its grey values at a fixed size. */
export async function photoSharpness(image: RgbImage): Promise<number> {
  const scale = Math.min(1, SHARPNESS_LONG_SIDE / Math.max(image.width, image.height));
  const small =
    scale < 1
      ? await resizeRgb(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)))
      : image;
  return laplacianVariance(rgbToGrey(small), small.width, small.height);
}
