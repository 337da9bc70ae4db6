import { useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { type Draft, isDirty, normaliseFilters } from '../feed';
import type { Tab } from '../types';

/** Tabs in their order, each with its filters complete. */
export function byPosition(tabs: Tab[]) {
  return [...tabs].map((t) => ({ ...t, filters: normaliseFilters(t.filters) })).sort((a, b) => a.position - b.position);
}

/** `drafts` without the one of tab `id`. */
function without(drafts: Record<string, Draft>, id: string) {
  const rest = { ...drafts };
  delete rest[id];
  return rest;
}

/**
 * The user's tabs and the unsaved filter edits of each (drafts, for this visit only), and what
 * can be done to them. A failed change is shown with `setPageError`, and rejects.
 */
export function useTabs(client: Client, tabId: string | null, setTabId: (id: string | null) => void, setPageError: (e: string | null) => void) {
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});

  const tab = tabs.find((t) => t.id === tabId) ?? null;
  const draft = tab ? drafts[tab.id] : undefined;
  const dirty = tab ? isDirty(tab, draft) : false;
  const effective: Draft | null = tab ? (draft ?? { filters: tab.filters, query: tab.query }) : null;

  async function tabOp<T>(what: string, f: () => Promise<T>): Promise<T> {
    setPageError(null);
    try {
      return await f();
    } catch (e) {
      setPageError(`${what}: ${describeError(e)}`);
      throw e;
    }
  }
  const reloadTabs = async () => setTabs(byPosition((await client.tabs()).tabs));

  return {
    tabs,
    setTabs,
    /** The tab shown, its unsaved edits, whether there are any, and the filters in force. */
    tab,
    draft,
    dirty,
    effective,
    create: (name: string) =>
      tabOp('Could not add the tab', async () => {
        const t = await client.createTab(name);
        await reloadTabs();
        setTabId(t.id);
      }),
    rename: (id: string, name: string) =>
      tabOp('Could not rename the tab', async () => {
        const t = await client.updateTab(id, { name });
        setTabs((all) => all.map((x) => (x.id === id ? { ...x, name: t.name } : x)));
      }),
    move: (id: string, position: number) =>
      tabOp('Could not move the tab', async () => {
        await client.updateTab(id, { position });
        await reloadTabs();
      }),
    remove: (id: string) =>
      tabOp('Could not remove the tab', async () => {
        await client.deleteTab(id);
        const rest = byPosition((await client.tabs()).tabs);
        setTabs(rest);
        setDrafts((all) => without(all, id));
        if (id === tabId) setTabId(rest[0]?.id ?? null);
      }),
    /** Edits the shown tab's filters; edits back to the saved ones are no draft. */
    edit: (d: Draft) => {
      if (!tab) return;
      const same = !isDirty(tab, d);
      setDrafts((all) => (same ? without(all, tab.id) : { ...without(all, tab.id), [tab.id]: d }));
    },
    save: () =>
      tabOp('Could not save the tab', async () => {
        if (!tab || !draft) return;
        const t = await client.updateTab(tab.id, { filters: draft.filters, query: draft.query });
        setTabs((all) => all.map((x) => (x.id === t.id ? { ...t, filters: normaliseFilters(t.filters) } : x)));
        setDrafts((all) => without(all, tab.id));
      }).catch(() => undefined),
    reset: () => {
      if (tab) setDrafts((all) => without(all, tab.id));
    },
  };
}
