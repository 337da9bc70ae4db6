import { useEffect, useRef, useState } from 'preact/hooks';
import type { Tab } from '../types';

interface Props {
  tabs: Tab[];
  activeId: string | null;
  dirty: boolean;
  onSelect: (id: string) => void;
  onCreate: (name: string) => Promise<void>;
  onRename: (id: string, name: string) => Promise<void>;
  onMove: (id: string, position: number) => Promise<void>;
  onRemove: (id: string) => Promise<void>;
}

type Mode = { kind: 'idle' } | { kind: 'new' } | { kind: 'rename'; id: string } | { kind: 'remove'; id: string };

/** The tabs along the top: the three defaults and the user's own; add, rename, reorder, remove. */
export function TabBar({ tabs, activeId, dirty, onSelect, onCreate, onRename, onMove, onRemove }: Props) {
  const [mode, setMode] = useState<Mode>({ kind: 'idle' });
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  // Focus the name field when the form opens (only then: re-renders must not steal focus).
  useEffect(() => {
    if (mode.kind === 'new' || mode.kind === 'rename') nameInput.current?.focus();
  }, [mode.kind]);
  const sorted = [...tabs].sort((a, b) => a.position - b.position);
  const active = sorted.find((t) => t.id === activeId) ?? null;
  const index = active ? sorted.indexOf(active) : -1;

  async function run(f: () => Promise<void>) {
    setBusy(true);
    try {
      await f();
      setMode({ kind: 'idle' });
      setName('');
    } catch {
      // The caller shows the error; keep the form open with what was typed.
    } finally {
      setBusy(false);
    }
  }

  function onTabKey(e: KeyboardEvent, i: number) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const next = sorted[(i + (e.key === 'ArrowRight' ? 1 : sorted.length - 1)) % sorted.length];
    if (next) {
      onSelect(next.id);
      (document.getElementById(`tab-${next.id}`) as HTMLElement | null)?.focus();
    }
  }

  return (
    <div class="tabbar">
      <div role="tablist" aria-label="Tabs" class="tabs">
        {sorted.map((t, i) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            role="tab"
            type="button"
            class="tab"
            aria-selected={t.id === activeId}
            aria-controls="feed-panel"
            tabIndex={t.id === activeId ? 0 : -1}
            onClick={() => onSelect(t.id)}
            onKeyDown={(e) => onTabKey(e as unknown as KeyboardEvent, i)}
          >
            {t.name}
            {t.id === activeId && dirty && (
              <span class="dirty" title="Unsaved filters">
                <span aria-hidden="true"> •</span>
                <span class="sr-only"> (unsaved filters)</span>
              </span>
            )}
          </button>
        ))}
      </div>
      <div class="tab-tools">
        {mode.kind === 'idle' && (
          <>
            <button type="button" class="small" onClick={() => setMode({ kind: 'new' })}>
              New tab
            </button>
            {active && (
              <>
                <button
                  type="button"
                  class="small"
                  onClick={() => {
                    setName(active.name);
                    setMode({ kind: 'rename', id: active.id });
                  }}
                >
                  Rename
                </button>
                <button
                  type="button"
                  class="small"
                  aria-label={`Move ${active.name} left`}
                  disabled={index <= 0 || busy}
                  onClick={() => run(() => onMove(active.id, index - 1))}
                >
                  ←
                </button>
                <button
                  type="button"
                  class="small"
                  aria-label={`Move ${active.name} right`}
                  disabled={index >= sorted.length - 1 || busy}
                  onClick={() => run(() => onMove(active.id, index + 1))}
                >
                  →
                </button>
                <button type="button" class="small danger" onClick={() => setMode({ kind: 'remove', id: active.id })}>
                  Remove
                </button>
              </>
            )}
          </>
        )}
        {(mode.kind === 'new' || mode.kind === 'rename') && (
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const n = name.trim();
              if (!n) return;
              run(() => (mode.kind === 'new' ? onCreate(n) : onRename(mode.id, n)));
            }}
          >
            <label for="tab-name">{mode.kind === 'new' ? 'New tab name' : 'Tab name'}</label>
            <input
              id="tab-name"
              value={name}
              maxLength={60}
              required
              ref={nameInput}
              onInput={(e) => setName(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Escape' && setMode({ kind: 'idle' })}
            />
            <button type="submit" class="small primary" disabled={busy}>
              {mode.kind === 'new' ? 'Add' : 'Rename'}
            </button>
            <button type="button" class="small" onClick={() => setMode({ kind: 'idle' })}>
              Cancel
            </button>
          </form>
        )}
        {mode.kind === 'remove' && (
          <div class="inline-form" role="group" aria-label="Remove tab">
            <span>Remove the tab “{tabs.find((t) => t.id === mode.id)?.name}”? Conversations are not affected.</span>
            <button type="button" class="small danger" disabled={busy} onClick={() => run(() => onRemove(mode.id))}>
              Remove
            </button>
            <button type="button" class="small" onClick={() => setMode({ kind: 'idle' })}>
              Keep
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
