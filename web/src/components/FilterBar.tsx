import { useEffect, useState } from 'preact/hooks';
import type { Ref } from 'preact';
import { KIND_LABEL, NETWORK_LABEL } from '../format';
import { KINDS, NETWORKS, type Filters, type Kind, type Network, type Profile, type TeamMember } from '../types';
import type { Draft } from '../feed';

interface Props {
  draft: Draft;
  dirty: boolean;
  profiles: Profile[];
  team: TeamMember[];
  meId: string;
  searchRef: Ref<HTMLInputElement>;
  onChange: (d: Draft) => void;
  onSave: () => Promise<void>;
  onReset: () => void;
}

function toggle<T>(list: T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

function triState(v: string): boolean | null {
  return v === '' ? null : v === 'true';
}

/**
 * The search box and the filters of the current tab. Changes apply at once to this visit;
 * "Save" keeps them in the tab, otherwise they reset on the next visit.
 */
export function FilterBar({ draft, dirty, profiles, team, meId, searchRef, onChange, onSave, onReset }: Props) {
  const [q, setQ] = useState(draft.query);
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  useEffect(() => setQ(draft.query), [draft.query]);
  const f = draft.filters;
  const set = (patch: Partial<Filters>) => onChange({ ...draft, filters: { ...f, ...patch } });
  const active = countActive(f);

  return (
    <div class="filterbar">
      <form
        role="search"
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          onChange({ ...draft, query: q });
        }}
      >
        <label for="search-input" class="sr-only">
          Search conversations
        </label>
        <input
          id="search-input"
          ref={searchRef}
          type="search"
          placeholder='Search: words, "exact phrase", -exclude'
          value={q}
          maxLength={1000}
          onInput={(e) => setQ(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') (e.currentTarget as HTMLInputElement).blur();
          }}
        />
        <button type="submit" class="small">
          Search
        </button>
      </form>
      <button type="button" class="small" aria-expanded={open} aria-controls="filters-panel" onClick={() => setOpen(!open)}>
        Filters{active ? ` (${active})` : ''}
      </button>
      <button
        type="button"
        class="small primary"
        disabled={!dirty || saving}
        onClick={async () => {
          setSaving(true);
          try {
            await onSave();
          } finally {
            setSaving(false);
          }
        }}
      >
        Save
      </button>
      <button type="button" class="small" disabled={!dirty} onClick={onReset}>
        Reset
      </button>
      {open && (
        <fieldset id="filters-panel" class="filters-panel">
          <legend class="sr-only">Filters</legend>
          <label>
            Status
            <select value={f.status} onChange={(e) => set({ status: e.currentTarget.value as Filters['status'] })}>
              <option value="open">Open</option>
              <option value="closed">Closed</option>
              <option value="any">Open or closed</option>
            </select>
          </label>
          <label>
            Assignee
            <select value={f.assignee ?? ''} onChange={(e) => set({ assignee: e.currentTarget.value || null })}>
              <option value="">Anyone or no one</option>
              <option value="none">Unassigned</option>
              <option value="me">Me</option>
              <option value="any">Assigned to anyone</option>
              {team
                .filter((u) => u.id !== meId)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </select>
          </label>
          <label>
            Sponsored
            <select value={f.sponsored === null ? '' : String(f.sponsored)} onChange={(e) => set({ sponsored: triState(e.currentTarget.value) })}>
              <option value="">Sponsored or organic</option>
              <option value="true">Sponsored only</option>
              <option value="false">Organic only</option>
            </select>
          </label>
          <label>
            Seen
            <select value={f.seen === null ? '' : String(f.seen)} onChange={(e) => set({ seen: triState(e.currentTarget.value) })}>
              <option value="">Seen or unseen</option>
              <option value="false">Unseen only</option>
              <option value="true">Seen only</option>
            </select>
          </label>
          <fieldset class="checks">
            <legend>Networks</legend>
            {NETWORKS.map((n: Network) => (
              <label key={n} class="check">
                <input type="checkbox" checked={f.networks.includes(n)} onChange={() => set({ networks: toggle(f.networks, n) })} />
                {NETWORK_LABEL[n]}
              </label>
            ))}
          </fieldset>
          <fieldset class="checks">
            <legend>Kinds</legend>
            {KINDS.map((k: Kind) => (
              <label key={k} class="check">
                <input type="checkbox" checked={f.kinds.includes(k)} onChange={() => set({ kinds: toggle(f.kinds, k) })} />
                {KIND_LABEL[k]}
              </label>
            ))}
          </fieldset>
          {profiles.length > 0 && (
            <fieldset class="checks">
              <legend>Profiles</legend>
              {profiles.map((p) => (
                <label key={p.id} class="check">
                  <input type="checkbox" checked={f.profiles.includes(p.id)} onChange={() => set({ profiles: toggle(f.profiles, p.id) })} />
                  {p.name} ({NETWORK_LABEL[p.network]})
                </label>
              ))}
            </fieldset>
          )}
          <p class="hint">No box ticked means all. Filters apply now; Save keeps them in this tab.</p>
        </fieldset>
      )}
    </div>
  );
}

function countActive(f: Filters): number {
  return (
    (f.status !== 'open' ? 1 : 0) +
    (f.assignee ? 1 : 0) +
    (f.networks.length ? 1 : 0) +
    (f.profiles.length ? 1 : 0) +
    (f.kinds.length ? 1 : 0) +
    (f.sponsored !== null ? 1 : 0) +
    (f.seen !== null ? 1 : 0)
  );
}
