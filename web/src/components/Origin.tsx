import type { Client } from '../api';
import { NETWORK_LABEL } from '../format';
import type { Detail, Profile } from '../types';
import { OriginalPost } from './OriginalPost';

/**
 * Where the conversation comes from: the post a comment is on (fetched from its network by
 * the server, shown once it is there), the mention, the DM.
 */
export function Origin({ c, profile, client, now }: { c: Detail; profile?: Profile; client: Client; now: number }) {
  const where = profile ? `${profile.name}${profile.handle ? ` (@${profile.handle})` : ''}` : NETWORK_LABEL[c.network];
  let text: string;
  if (c.kind === 'comment' || c.kind === 'reply') text = `${c.kind === 'comment' ? 'Comment on a post' : 'Reply to a post'} of ${where}`;
  else if (c.kind === 'mention') text = `Mentions ${where}`;
  else if (c.kind === 'tag') text = `Tags ${where}`;
  else text = `Direct messages with ${where}`;
  return (
    <section class="origin" aria-label="Original post">
      <p class="origin-line">
        {text}
        {c.sponsored ? ', sponsored content' : ''}
      </p>
      {c.post_id && <OriginalPost id={c.id} network={c.network} client={client} now={now} />}
    </section>
  );
}
