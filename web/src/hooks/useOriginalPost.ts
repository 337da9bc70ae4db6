import { useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { PostAnswer } from '../types';

/** Waits before asking again for a post being fetched: 0.4 s, 0.8 s, ... up to 10 tries. */
export const POST_RETRY_MS = [400, 800, 1200, 1600, 2000, 2500, 3000, 3000, 3000, 3000];

/**
 * The post conversation `id` is on, as the server has it: asked again while the server fetches
 * it from its network, until it is there or after POST_RETRY_MS (`gaveUp`); `retry` starts over.
 */
export function useOriginalPost(client: Client, id: string) {
  const [answer, setAnswer] = useState<PostAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setAnswer(null);
    setError(null);
    setGaveUp(false);
    const ask = (attempt: number) => {
      client.originalPost(id).then(
        (a) => {
          if (!live) return;
          setAnswer(a);
          if (a.status !== 'fetching') return;
          if (attempt < POST_RETRY_MS.length) timer = setTimeout(() => ask(attempt + 1), POST_RETRY_MS[attempt]);
          else setGaveUp(true);
        },
        (e) => live && setError(describeError(e)),
      );
    };
    ask(0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, client, round]);
  return { answer, error, gaveUp, retry: () => setRound((r) => r + 1) };
}
