import { useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { Conversation, Detail } from '../types';
import { useLatest } from './useLatest';

/**
 * A reply or DM box's state. The text stays until the network has it: the API accepts the send
 * (202, pending) and the outbound worker then records `sent` or `failed` with a reason (seen in
 * `c`, loaded again by the conversation); on failure the reason is shown and the text kept.
 */
export function useComposer(kind: 'reply' | 'dm', c: Detail, client: Client, onAccepted: (c: Conversation) => void) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [itemId, setItemId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const item = itemId ? c.items.find((i) => i.id === itemId) : undefined;
  const latestItem = useLatest(item);

  // What became of the item sent: news when its state or its number of tries changes.
  useEffect(() => {
    const item = latestItem.current;
    if (!item) return;
    if (item.state === 'sent') {
      setText('');
      setItemId(null);
      setNotice(kind === 'reply' ? 'Reply sent.' : 'Message sent.');
    } else if (item.state === 'failed') {
      setItemId(null);
      setError(`Your ${kind === 'reply' ? 'reply' : 'message'} did not go out: ${item.failure ?? 'the network refused it'}. The text is still here to try again.`);
    } else if (item.retry) {
      setNotice(`Not sent yet: ${item.failure ?? 'the network could not take it'}. The inbox tries again by itself.`);
    }
  }, [item?.state, item?.retry?.attempts, kind, latestItem]);

  const waiting = sending || itemId !== null;

  async function send(e: Event) {
    e.preventDefault();
    if (!text.trim() || waiting) return;
    setSending(true);
    setError(null);
    setNotice(null);
    try {
      const r = kind === 'reply' ? await client.act(c.id, 'reply', text) : await client.act(c.id, 'dm', text);
      setItemId(r.item.id);
      onAccepted(r.conversation);
    } catch (err) {
      setError(`Your ${kind === 'reply' ? 'reply' : 'message'} was not sent: ${describeError(err)} The text is still here to try again.`);
    } finally {
      setSending(false);
    }
  }

  return { text, setText, sending, waiting, itemId, error, notice, send };
}
