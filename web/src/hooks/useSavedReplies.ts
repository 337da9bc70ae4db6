import { useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { SavedReply } from '../types';

/** What the saved replies asked for answered, with the query it answers. */
export interface SavedRepliesAnswer {
  query: string;
  replies: SavedReply[];
  error: string | null;
}

/**
 * The account's saved replies that `query` finds, filled in for the conversation, asked a
 * moment after the last keystroke while `enabled`. The answer carries its query, so that a
 * caller never acts on an answer to an older one (`null` until the first answer).
 */
export function useSavedReplies(client: Client, conversationId: string, kind: 'reply' | 'dm', query: string, enabled: boolean) {
  const [answer, setAnswer] = useState<SavedRepliesAnswer | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const timer = setTimeout(() => {
      client
        .savedReplies(query, conversationId, kind)
        .then((r) => live && setAnswer({ query, replies: r.saved_replies, error: null }))
        .catch((e) => live && setAnswer({ query, replies: [], error: `Saved replies could not be loaded: ${describeError(e)}` }));
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, conversationId, kind, query, enabled]);
  return answer;
}
