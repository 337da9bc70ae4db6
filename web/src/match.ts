// Whether a conversation still belongs in a feed after a change made here (so that closing or
// reassigning removes it at once; the next refresh confirms with the server's answer).

import type { Conversation, Filters } from './types';

export function stillMatches(c: Conversation, f: Filters, me: string): boolean {
  if (f.status !== 'any' && c.status !== f.status) return false;
  switch (f.assignee) {
    case null:
    case undefined:
      break;
    case 'none':
      if (c.assignee_id !== null) return false;
      break;
    case 'any':
      if (c.assignee_id === null) return false;
      break;
    case 'me':
      if (c.assignee_id !== me) return false;
      break;
    default:
      if (c.assignee_id !== f.assignee) return false;
  }
  return true;
}
