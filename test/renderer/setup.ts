/**
 * jsdom has no layout: no ResizeObserver (Svelte's bind:clientWidth needs one) and every size is 0. Tests that need
 * sizes set them with `fakeSize`.
 */
class ResizeObserverStub {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

if (!('ResizeObserver' in globalThis)) {
  (globalThis as unknown as { ResizeObserver: typeof ResizeObserverStub }).ResizeObserver = ResizeObserverStub;
}
