import { useEffect } from 'preact/hooks';
import { focusWhenPresent } from '../focus';
import { commandFor } from '../keys';
import type { Conversation } from '../types';
import { useLatest } from './useLatest';

/** What the keyboard shortcuts (keys.ts) work on, and do. */
export interface ShortcutTarget {
  /** The feed's rows, the selected row's index (-1: none), the open conversation's id. */
  items: Conversation[];
  selected: number;
  openId: string | null;
  /** Whether the list of shortcuts is shown. */
  help: boolean;
  select: (index: number) => void;
  open: (c: Conversation, index: number) => void;
  back: () => void;
  /** Closes the open conversation (e), or an open one selected in the feed. */
  closeOpen: () => void;
  closeRow: (c: Conversation) => void;
  setHelp: (show: boolean) => void;
  focusSearch: () => void;
}

/** The page's keyboard shortcuts, on the document; they act on `t` as of the latest render. */
export function useShortcuts(t: ShortcutTarget) {
  const live = useLatest(t);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const cmd = commandFor(e);
      if (!cmd) return;
      const { items, selected: sel, openId: oid, help: h, ...act } = live.current;
      const move = (d: number) => {
        if (!items.length) return;
        const i = Math.max(0, Math.min(items.length - 1, sel < 0 ? 0 : sel + d));
        act.select(i);
        const el = document.getElementById(`row-${items[i]!.id}`);
        el?.focus();
        el?.scrollIntoView?.({ block: 'nearest' });
      };
      const target = () => (sel >= 0 ? items[sel] : undefined);
      switch (cmd) {
        case 'next':
          e.preventDefault();
          move(1);
          break;
        case 'prev':
          e.preventDefault();
          move(-1);
          break;
        case 'open': {
          const t = target();
          if (t) {
            e.preventDefault();
            act.open(t, sel);
          }
          break;
        }
        case 'close':
          if (oid) act.closeOpen();
          else {
            const t = target();
            if (t && t.status === 'open') act.closeRow(t);
          }
          break;
        case 'assign':
        case 'reply': {
          e.preventDefault();
          if (!oid) {
            const t = target();
            if (!t) break;
            act.open(t, sel);
          }
          focusWhenPresent(cmd === 'assign' ? 'assign-select' : 'reply-input');
          break;
        }
        case 'search':
          e.preventDefault();
          act.focusSearch();
          break;
        case 'help':
          e.preventDefault();
          act.setHelp(!h);
          break;
        case 'escape':
          if (h) act.setHelp(false);
          else if (oid && !(e.target as HTMLElement)?.closest?.('.popover')) act.back();
          break;
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [live]);
}
