// The page's addresses: /tabs/<tab>/conversations/<id>. The runner answers index.html for
// every such path, so a reload or a shared link lands on the same view.

export interface Route {
  tab: string | null;
  conversation: string | null;
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const route: Route = { tab: null, conversation: null };
  if (parts[0] === 'tabs' && parts[1]) route.tab = parts[1];
  if (parts[2] === 'conversations' && parts[3]) route.conversation = parts[3];
  return route;
}

export function routePath(r: Route): string {
  if (!r.tab) return '/';
  let p = `/tabs/${encodeURIComponent(r.tab)}`;
  if (r.conversation) p += `/conversations/${encodeURIComponent(r.conversation)}`;
  return p;
}
