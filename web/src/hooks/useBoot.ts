import { useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { Me, Tab, TeamMember } from '../types';
import { byPosition } from './useTabs';

/**
 * What the page starts from, asked for in parallel: who I am, my team and my tabs. The tabs go
 * to `setTabs`; the tab shown stays the address's if it is one of them, else the first.
 */
export function useBoot(
  client: Client,
  setTabs: (tabs: Tab[]) => void,
  setTabId: (update: (cur: string | null) => string | null) => void,
) {
  const [me, setMe] = useState<Me | null>(null);
  const [team, setTeam] = useState<TeamMember[]>([]);
  const [bootError, setBootError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([client.me(), client.team(), client.tabs()])
      .then(([m, t, tb]) => {
        setMe(m);
        setTeam(t.users);
        const sorted = byPosition(tb.tabs);
        setTabs(sorted);
        setTabId((cur) => (cur && sorted.some((x) => x.id === cur) ? cur : (sorted[0]?.id ?? null)));
      })
      .catch((e) => setBootError(`Could not load your inbox: ${describeError(e)}`));
  }, [client, setTabs, setTabId]);

  return { me, team, bootError };
}
