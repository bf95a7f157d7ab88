/** What a key press means on the review screen. */
export type ReviewAction =
  | { readonly kind: 'confirm' }
  | { readonly kind: 'reject' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'back' }
  | { readonly kind: 'runnerUp'; readonly index: number };

export interface KeyLike {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly altKey?: boolean;
  readonly target?: EventTarget | null;
}

function isTyping(target: EventTarget | null | undefined): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null | undefined;
  if (!el || typeof el.tagName !== 'string') return false;
  return el.isContentEditable === true || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName.toUpperCase());
}

/**
 * Y confirms the suggestion, N rejects it, S skips, 1..9 choose runner-up 1..9 (when there are that many),
 * Backspace goes back one. Keys with Ctrl / Cmd / Alt, and keys typed into a field, mean nothing here.
 */
export function reviewAction(event: KeyLike, runnerUps: number): ReviewAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return null;
  const key = event.key.toLowerCase();
  if (key === 'y') return { kind: 'confirm' };
  if (key === 'n') return { kind: 'reject' };
  if (key === 's' || key === 'arrowright') return { kind: 'skip' };
  if (key === 'arrowleft' || key === 'backspace') return { kind: 'back' };
  if (/^[1-9]$/.test(key)) {
    const index = Number(key) - 1;
    return index < runnerUps ? { kind: 'runnerUp', index } : null;
  }
  return null;
}
