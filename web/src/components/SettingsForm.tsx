import type { ComponentChildren } from 'preact';

interface Props {
  /** The form's name for assistive technology. */
  label: string;
  onSubmit: (e: Event) => void;
  /** Closes the form (Escape too); a form that stays open has none. */
  onCancel?: () => void;
  /** Why the last submit failed, in words. */
  error: string | null;
  busy: boolean;
  submitLabel: string;
  children: ComponentChildren;
}

/** A settings form: named, closed by Escape when it can be closed, its fields then why the last
 * submit failed, the submit button (off while busy) and Cancel. */
export function SettingsForm({ label, onSubmit, onCancel, error, busy, submitLabel, children }: Props) {
  return (
    <form
      class="settings-form"
      aria-label={label}
      onSubmit={onSubmit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && onCancel) {
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      {children}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
