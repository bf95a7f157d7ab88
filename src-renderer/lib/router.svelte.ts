/** The screens, addressed by the URL's hash (#/people/3) so relative media URLs keep working on every door. */
export type Route =
  | { readonly name: 'library' }
  | { readonly name: 'people' }
  | { readonly name: 'person'; readonly id: number }
  | { readonly name: 'review' }
  | { readonly name: 'photo'; readonly id: number }
  | { readonly name: 'settings' }
  | { readonly name: 'not-found'; readonly path: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/library';
  const parts = path.split('/').filter(Boolean);
  const id = Number(parts[1]);
  const validId = Number.isInteger(id) && id > 0;
  switch (parts[0]) {
    case 'library':
      return parts.length === 1 ? { name: 'library' } : { name: 'not-found', path };
    case 'people':
      if (parts.length === 1) return { name: 'people' };
      return parts.length === 2 && validId ? { name: 'person', id } : { name: 'not-found', path };
    case 'photos':
      return parts.length === 2 && validId ? { name: 'photo', id } : { name: 'not-found', path };
    case 'review':
      return { name: 'review' };
    case 'settings':
      return { name: 'settings' };
    default:
      return { name: 'not-found', path };
  }
}

export const href = {
  library: '#/library',
  people: '#/people',
  person: (id: number) => `#/people/${id}`,
  review: '#/review',
  photo: (id: number) => `#/photos/${id}`,
  settings: '#/settings',
} as const;

export class Router {
  route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => {
        this.route = parseHash(location.hash);
      });
    }
  }

  go(hash: string): void {
    if (location.hash === hash) this.route = parseHash(hash);
    else location.hash = hash;
  }
}
