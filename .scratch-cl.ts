import sharp from 'sharp';
import { loadPhoto } from './src-main/node/image/load-image.js';
import { enhanceForDetection, lumaStats } from './src-main/node/vision/low-light.js';
const p = await loadPhoto('/work/shared/photos/detection/images/dlib_2008_001322.jpg');
const { width, height, data } = p.pixels;
const luma = await sharp(data, { raw: { width, height, channels: 3 } }).greyscale().raw().toBuffer({ resolveWithObject: true });
console.log(luma.info);
for (const method of ['clahe', 'clahe-luma', 'gain'] as const) {
  const t = performance.now();
  const e = await enhanceForDetection(p.pixels, { method });
  console.log(method, (performance.now() - t).toFixed(0), lumaStats(p.pixels), lumaStats(e));
  await sharp(e.data, { raw: { width, height, channels: 3 } }).png().toFile(`/tmp/scratch/enh_${method}.png`);
}
for (const w of [8, 16, 32, 64, 128]) {
  const t = performance.now();
  await sharp(data, { raw: { width, height, channels: 3 } }).clahe({ width: w, height: w, maxSlope: 3 }).raw().toBuffer();
  console.log('clahe window', w, (performance.now() - t).toFixed(0), 'ms');
}
