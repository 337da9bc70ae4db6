import { useRef, useState } from 'preact/hooks';
import { activeMention, complete, mentionHandle, suggestions } from '../mentions';
import type { TeamMember } from '../types';

interface Props {
  team: TeamMember[];
  /** Resolves when the note is stored; throws (with a message in words) when it is not. */
  onSubmit: (text: string) => Promise<void>;
}

/** An internal note with @mention completion (↑/↓ to choose, Enter or Tab to insert). */
export function NoteBox({ team, onSubmit }: Props) {
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  const mention = dismissed ? null : activeMention(text, caret);
  const options = mention ? suggestions(team, mention.query) : [];
  const showList = mention !== null && options.length > 0;

  function choose(u: TeamMember) {
    if (!mention) return;
    const r = complete(text, mention.start, caret, u);
    setText(r.text);
    setCaret(r.caret);
    setActive(0);
    requestAnimationFrame(() => {
      const el = area.current;
      if (el) {
        el.focus();
        el.setSelectionRange(r.caret, r.caret);
      }
    });
  }

  function onKeyDown(e: KeyboardEvent) {
    if (!showList) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const d = e.key === 'ArrowDown' ? 1 : options.length - 1;
      setActive((active + d) % options.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      choose(options[Math.min(active, options.length - 1)]!);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setDismissed(true);
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(text);
      setText('');
      setCaret(0);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const track = (el: HTMLTextAreaElement) => setCaret(el.selectionStart ?? el.value.length);

  return (
    <form class="notebox" onSubmit={submit}>
      <label for="note-input">Add an internal note (type @ to mention a teammate)</label>
      <div class="combo">
        <textarea
          id="note-input"
          ref={area}
          rows={2}
          value={text}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={showList}
          aria-controls="mention-list"
          aria-activedescendant={showList ? `mention-${options[Math.min(active, options.length - 1)]!.id}` : undefined}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setDismissed(false);
            track(e.currentTarget);
          }}
          onKeyUp={(e) => !['ArrowDown', 'ArrowUp'].includes(e.key) && track(e.currentTarget)}
          onClick={(e) => track(e.currentTarget)}
          onKeyDown={(e) => onKeyDown(e as unknown as KeyboardEvent)}
        />
        {showList && (
          <ul id="mention-list" role="listbox" class="mentions" aria-label="Teammates">
            {options.map((u, i) => (
              <li
                key={u.id}
                id={`mention-${u.id}`}
                role="option"
                aria-selected={i === active}
                class={i === active ? 'active' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(u);
                }}
              >
                <span class="user-name">{u.name}</span> <span class="handle">@{mentionHandle(u)}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          Could not add the note: {error}
        </p>
      )}
      <button type="submit" class="small" disabled={busy || !text.trim()}>
        {busy ? 'Adding…' : 'Add note'}
      </button>
    </form>
  );
}
