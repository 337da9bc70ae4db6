import { useEffect, useRef, useState } from 'preact/hooks';
import { age } from '../format';
import type { Notification } from '../types';

interface Props {
  notifications: Notification[];
  error: string | null;
  now: number;
  onOpen: (n: Notification) => void;
}

/** The bell: the unread count, and the list; choosing one opens its conversation. */
export function Bell({ notifications, error, now, onOpen }: Props) {
  const [open, setOpen] = useState(false);
  const unread = notifications.filter((n) => !n.read).length;
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        (box.current?.querySelector('button.bell') as HTMLButtonElement | null)?.focus();
      }
    };
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div class="bell-box" ref={box}>
      <button
        type="button"
        class="bell"
        aria-expanded={open}
        aria-controls="notifications"
        aria-label={`Notifications, ${unread} unread`}
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
          <path d="M8 2a4 4 0 0 0-4 4v3l-1.5 2.5h11L12 9V6a4 4 0 0 0-4-4zM6.5 13a1.5 1.5 0 0 0 3 0" fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
        {unread > 0 && (
          <span class="count" data-testid="unread-count" aria-hidden="true">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div id="notifications" class="popover" role="region" aria-label="Notifications">
          <h2>Notifications</h2>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {notifications.length === 0 && !error && <p class="hint">Nothing yet.</p>}
          <ul>
            {notifications.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  class={`notification${n.read ? ' read' : ' unread'}`}
                  onClick={() => {
                    setOpen(false);
                    onOpen(n);
                  }}
                >
                  {!n.read && <span class="sr-only">Unread: </span>}
                  <span class="n-text">{n.text}</span>
                  <time dateTime={n.created_at}>{age(n.created_at, now)}</time>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
