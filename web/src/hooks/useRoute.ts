import { useEffect, useMemo, useState } from 'preact/hooks';
import { parseRoute, routePath } from '../route';

/**
 * The tab shown and the conversation open, kept in the address: it follows the view, and the
 * browser's back and forward move the view.
 */
export function useRoute() {
  const initial = useMemo(() => parseRoute(location.pathname), []);
  const [tabId, setTabId] = useState<string | null>(initial.tab);
  const [openId, setOpenId] = useState<string | null>(initial.conversation);

  useEffect(() => {
    if (!tabId) return;
    const path = routePath({ tab: tabId, conversation: openId });
    if (location.pathname !== path) history.pushState(null, '', path);
  }, [tabId, openId]);

  useEffect(() => {
    const onPop = () => {
      const r = parseRoute(location.pathname);
      if (r.tab) setTabId(r.tab);
      setOpenId(r.conversation);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  return { tabId, setTabId, openId, setOpenId };
}
