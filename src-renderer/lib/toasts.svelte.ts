export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  readonly id: number;
  readonly kind: ToastKind;
  readonly text: string;
}

/** Short messages in the corner: successes fade on their own, errors stay a while longer and can be closed. */
export class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();

  show(kind: ToastKind, text: string, ms = kind === 'error' ? 9000 : 3500): number {
    const id = this.next++;
    this.items = [...this.items.slice(-4), { id, kind, text }];
    if (ms > 0) this.timers.set(id, setTimeout(() => this.dismiss(id), ms));
    return id;
  }

  success(text: string): number {
    return this.show('success', text);
  }

  error(text: string): number {
    return this.show('error', text);
  }

  info(text: string): number {
    return this.show('info', text);
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }
}
