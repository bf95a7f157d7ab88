import type { Point } from './geometry.js';

/**
 * A 2-D affine transform as a row-major 2 x 3 matrix [m00, m01, m02, m10, m11, m12]:
 *   x' = m00 * x + m01 * y + m02
 *   y' = m10 * x + m11 * y + m12
 * A similarity transform has the form [a, -b, tx, b, a, ty] (scale sqrt(a² + b²), rotation atan2(b, a)).
 */
export type Affine2x3 = readonly [m00: number, m01: number, m02: number, m10: number, m11: number, m12: number];

export const IDENTITY_AFFINE: Affine2x3 = [1, 0, 0, 0, 1, 0];

/**
 * Least-squares similarity transform (uniform scale, rotation, translation; no reflection, no shear) mapping
 * `src[i]` onto `dst[i]`: Umeyama (1991), "Least-squares estimation of transformation parameters between two
 * point patterns", with the reflection fix (the rotation is forced to det R = +1).
 *
 * In 2-D Umeyama's SVD solution has a closed form, used here. With centred points p_i = src_i - mean(src),
 * q_i = dst_i - mean(dst), the cross-covariance is Σ = (1/N) Σ_i q_i p_iᵀ and σ² = (1/N) Σ_i |p_i|². Split Σ into
 * its similarity part [[u, -v], [v, u]] with u = (Σ00 + Σ11) / 2, v = (Σ10 − Σ01) / 2, and the rest. Umeyama's
 * R = U S Vᵀ (S = diag(1, sign det Σ)) is the rotation by atan2(v, u), and c = tr(D S) / σ² = 2·sqrt(u² + v²) / σ²,
 * whatever the sign of det Σ (this is the reflection fix). So c·R = [[a, −b], [b, a]] with
 *   a = Σ_i (p_i · q_i) / Σ_i |p_i|²,   b = Σ_i (p_i × q_i) / Σ_i |p_i|²,
 * which is also the ordinary linear least-squares solution for (a, b), and t = mean(dst) − c·R·mean(src).
 *
 * Needs at least two distinct source points; throws otherwise, or when the arrays differ in length.
 */
export function estimateSimilarityTransform(src: readonly Point[], dst: readonly Point[]): Affine2x3 {
  const n = src.length;
  if (n !== dst.length) throw new RangeError(`point counts differ: ${n} source, ${dst.length} destination`);
  if (n < 2) throw new RangeError('a similarity transform needs at least two point pairs');
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    const s = src[i]!, d = dst[i]!;
    sx += s[0]; sy += s[1]; dx += d[0]; dy += d[1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const s = src[i]!, d = dst[i]!;
    const px = s[0] - sx, py = s[1] - sy;
    const qx = d[0] - dx, qy = d[1] - dy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (!(norm > 1e-12) || !Number.isFinite(norm)) {
    throw new RangeError('source points are degenerate (all equal or not finite)');
  }
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

/** Inverse of an affine transform; throws if it is singular. */
export function invertAffine(m: Affine2x3): Affine2x3 {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!(Math.abs(det) > 1e-15) || !Number.isFinite(det)) throw new RangeError('affine transform is not invertible');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** `first` then `second`, as one transform. */
export function composeAffine(second: Affine2x3, first: Affine2x3): Affine2x3 {
  const [a, b, c, d, e, f] = second;
  const [g, h, i, j, k, l] = first;
  return [a * g + b * j, a * h + b * k, a * i + b * l + c, d * g + e * j, d * h + e * k, d * i + e * l + f];
}

export function applyAffine(m: Affine2x3, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** Maps every point; the result has the same length (and tuple type) as the input. */
export function applyAffineToPoints<T extends readonly Point[]>(m: Affine2x3, points: T): { -readonly [K in keyof T]: Point } {
  return points.map((p) => applyAffine(m, p)) as unknown as { -readonly [K in keyof T]: Point };
}

/** Uniform scale of a similarity transform (for a general affine: sqrt of |det|). */
export function affineScale(m: Affine2x3): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/** Rotation angle of a similarity transform in radians (image axes: positive = clockwise on screen). */
export function affineRotation(m: Affine2x3): number {
  return Math.atan2(m[3], m[0]);
}

/** Builds [a, -b, tx; b, a, ty] from a scale, a rotation in radians and a translation. */
export function similarityFromParams(scale: number, rotation: number, tx: number, ty: number): Affine2x3 {
  const a = scale * Math.cos(rotation);
  const b = scale * Math.sin(rotation);
  return [a, -b, tx, b, a, ty];
}
