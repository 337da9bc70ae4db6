import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  /** What it is the secret of ("The signing secret of https://…"). */
  title: string;
  /** The field's label ("Signing secret", "API key"). */
  label: string;
  secret: string;
  /** Forgets it: the page does not show it again. */
  onDone: () => void;
}

/** A secret the inbox answers once: shown with a copy button, and said that it will not be shown again. */
export function SecretOnce({ title, label, secret, onDone }: Props) {
  const [copied, setCopied] = useState('');
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied.');
    } catch {
      field.current?.select();
      setCopied('Could not copy it: it is selected, copy it with the keyboard (Ctrl+C or ⌘C).');
    }
  }

  return (
    <div class="secret" role="region" aria-labelledby="secret-title">
      <h3 id="secret-title">{title}</h3>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Keep it somewhere safe.
      </p>
      <div class="inline-form">
        <label for="secret-value">{label}</label>
        <input id="secret-value" ref={field} class="secret-value" readOnly value={secret} spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p class="ok" role="status">
        {copied}
      </p>
    </div>
  );
}
