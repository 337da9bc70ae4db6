import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { focusSoon } from '../focus';
import { useAction } from '../hooks/useAction';

interface Props {
  /** The group's name for assistive technology ("Remove Bob Stone"). */
  label: string;
  /** The question, in words. */
  children: ComponentChildren;
  /** The confirming button's text ("Remove"). */
  confirm: string;
  cancel?: string;
  /** Does it; a rejection is shown in words and the question stays. */
  onConfirm: () => Promise<void>;
  onCancel: () => void;
  /** The id of the button that asked, focused again when the question is dismissed. */
  returnFocus?: string;
}

/**
 * The confirm step of a destructive action, in place: the question, the action and a way out
 * (focused first; Escape takes it too).
 */
export function Confirm({ label, children, confirm, cancel = 'Cancel', onConfirm, onCancel, returnFocus }: Props) {
  const { busy, error, run } = useAction();
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);

  function dismiss() {
    onCancel();
    if (returnFocus) focusSoon(returnFocus);
  }

  async function go() {
    await run(onConfirm, `Could not ${confirm.toLowerCase()}`);
  }

  return (
    <div
      class="confirm"
      role="group"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          e.preventDefault();
          dismiss();
        }
      }}
    >
      <p>{children}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={go}>
          {busy ? `${confirm}…` : confirm}
        </button>
        <button type="button" ref={keep} disabled={busy} onClick={dismiss}>
          {cancel}
        </button>
      </div>
    </div>
  );
}
