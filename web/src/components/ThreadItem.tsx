import { age, displayName, when } from '../format';
import type { Detail, Item } from '../types';

/** When the next try of an outbound item is due, in words: "in 2 min", "at 14:05". */
function retryWhen(nextAt: string, now: number): string {
  const secs = Math.round((Date.parse(nextAt) - now) / 1000);
  if (secs <= 5) return 'now';
  if (secs < 120) return `in ${secs} s`;
  if (secs < 3600) return `in ${Math.round(secs / 60)} min`;
  return `at ${new Date(nextAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

/** One message of a thread, received or sent (with how its sending goes). */
export function ThreadItem({ item: i, now, network }: { item: Item; now: number; network: Detail['network'] }) {
  const out = i.direction === 'outbound';
  const what = i.action === 'like' ? 'Liked' : i.action === 'share' ? 'Shared' : i.action === 'dm' ? 'Private message' : null;
  return (
    <li class={`msg ${out ? 'out' : 'in'}${i.deleted ? ' deleted' : ''}`} data-state={i.state}>
      <div class="msg-head">
        <span class="msg-author">{displayName(i.author, network)}</span>
        {what && <span class="badge">{what}</span>}
        <time dateTime={i.created_at} title={when(i.created_at)}>
          {age(i.created_at, now)}
        </time>
        {i.edited && <span class="badge">Edited</span>}
        {i.deleted && <span class="badge badge-warn">Deleted on the network</span>}
        {out && i.state === 'pending' && !i.retry && <span class="badge">Sending…</span>}
        {out && i.state === 'pending' && i.retry && <span class="badge badge-warn">Retrying</span>}
        {out && i.state === 'sent' && <span class="badge badge-ok">Sent</span>}
        {out && i.state === 'failed' && <span class="badge badge-warn">Not sent</span>}
      </div>
      {i.text && <p class="msg-text">{i.deleted ? <s>{i.text}</s> : i.text}</p>}
      {out && i.state === 'failed' && i.failure && <p class="failure">Not sent: {i.failure}</p>}
      {out && i.state === 'pending' && i.retry && (
        <p class="failure" role="status">
          Not sent yet, trying again {retryWhen(i.retry.next_at, now)} (try {i.retry.attempts + 1}){i.failure ? `: ${i.failure}` : ''}
        </p>
      )}
    </li>
  );
}
