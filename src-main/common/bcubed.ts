export interface BCubedScore {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Distinct predicted groups among the items (an item with no group is its own). */
  readonly groups: number;
  readonly classes: number;
}

/**
 * BCubed precision and recall (Bagga & Baldwin 1998) of a clustering: per item, the share of its predicted group
 * that is truly its class, and the share of its class found in its predicted group; averaged over items.
 * `predicted[i] === null` means item i is in no group (a singleton).
 */
export function bcubed(predicted: readonly (number | string | null)[], truth: readonly (number | string)[]): BCubedScore {
  const n = truth.length;
  const group = predicted.map((g, i) => (g === null ? `single:${i}` : `group:${g}`));
  let precision = 0;
  let recall = 0;
  for (let i = 0; i < n; i++) {
    let sameGroup = 0;
    let sameClass = 0;
    let both = 0;
    for (let j = 0; j < n; j++) {
      const g = group[i] === group[j];
      const c = truth[i] === truth[j];
      if (g) sameGroup++;
      if (c) sameClass++;
      if (g && c) both++;
    }
    precision += both / sameGroup;
    recall += both / sameClass;
  }
  precision /= n;
  recall /= n;
  return {
    precision,
    recall,
    f1: (2 * precision * recall) / (precision + recall),
    groups: new Set(group).size,
    classes: new Set(truth).size,
  };
}
