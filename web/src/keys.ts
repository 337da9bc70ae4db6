// Keyboard shortcuts: one table, used by the handler and by the "?" list.

export type Command = 'next' | 'prev' | 'open' | 'close' | 'assign' | 'reply' | 'search' | 'help' | 'escape';

export const SHORTCUTS: Array<{ keys: string; command: Command; what: string }> = [
  { keys: 'j', command: 'next', what: 'Next conversation' },
  { keys: 'k', command: 'prev', what: 'Previous conversation' },
  { keys: 'Enter', command: 'open', what: 'Open the selected conversation' },
  { keys: 'e', command: 'close', what: 'Close the conversation' },
  { keys: 'a', command: 'assign', what: 'Assign the conversation' },
  { keys: 'r', command: 'reply', what: 'Reply' },
  { keys: '/', command: 'search', what: 'Search' },
  { keys: '?', command: 'help', what: 'Show these shortcuts' },
  { keys: 'Esc', command: 'escape', what: 'Close a dialog or the conversation' },
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable;
}

/** The command a key press means here, or null (typing in a field, modifiers, other keys). */
export function commandFor(e: Pick<KeyboardEvent, 'key' | 'target' | 'ctrlKey' | 'metaKey' | 'altKey'>): Command | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === 'Escape') return 'escape';
  if (typing(e.target)) return null;
  // Enter on a button or link activates it; on anything else it opens the selection.
  const tag = (e.target as HTMLElement | null)?.tagName?.toLowerCase();
  switch (e.key) {
    case 'j':
      return 'next';
    case 'k':
      return 'prev';
    case 'Enter':
      return tag === 'button' || tag === 'a' || tag === 'summary' ? null : 'open';
    case 'e':
      return 'close';
    case 'a':
      return 'assign';
    case 'r':
      return 'reply';
    case '/':
      return 'search';
    case '?':
      return 'help';
    default:
      return null;
  }
}
