import { describe, expect, it } from 'vitest';
import { loadPhoto } from '../../src-main/node/image/load-image.js';
import { photoSharpness } from '../../src-main/node/image/photo-sharpness.js';
import { gaussianBlur } from '../support/blur.js';
import { SHARED_PHOTOS } from '../support/detection-labels.js';

const PHOTO = `${SHARED_PHOTOS}/groups/deepface_couple.jpg`;

describe('photo sharpness', () => {
  it('ranks a photo above a blurred copy of it, at any resolution', async () => {
    const large = (await loadPhoto(PHOTO, { maxSide: 1600 })).pixels;
    const small = (await loadPhoto(PHOTO, { maxSide: 800 })).pixels;
    const sharp = photoSharpness(small);
    const blurred = photoSharpness(gaussianBlur(small, 3));
    expect(blurred).toBeLessThan(sharp * 0.5);
    // Sampled on a grid of a fixed size, the same photo decoded twice as large scores about the same.
    expect(photoSharpness(large) / sharp).toBeGreaterThan(0.5);
    expect(photoSharpness(large) / sharp).toBeLessThan(2);
  });
});
