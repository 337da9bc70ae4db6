import type { Client } from '../api';
import { NETWORK_LABEL, age, when } from '../format';
import { useOriginalPost } from '../hooks/useOriginalPost';
import type { Detail } from '../types';
import { Sponsored } from './Badges';

/** The post conversation `id` is on, once the server has fetched it from its network. */
export function OriginalPost({ id, network, client, now }: { id: string; network: Detail['network']; client: Client; now: number }) {
  const { answer, error, gaveUp, retry } = useOriginalPost(client, id);
  const again = (
    <button type="button" onClick={retry}>
      Try again
    </button>
  );
  if (error) {
    return (
      <p class="post-note">
        The original post could not be loaded: {error} {again}
      </p>
    );
  }
  if (gaveUp) {
    return (
      <p class="post-note">
        The original post has not been read from {NETWORK_LABEL[network]} yet. {again}
      </p>
    );
  }
  if (!answer || answer.status === 'fetching') return <p class="post-note">Loading the original post…</p>;
  const post = answer.post;
  if (answer.status === 'unavailable' || !post) {
    return <p class="post-note">The original post could not be loaded from {NETWORK_LABEL[network]}: {post?.error ?? 'no answer'}</p>;
  }
  return (
    <figure class="post">
      {post.media_url && <img src={post.media_url} alt="" loading="lazy" referrerpolicy="no-referrer" />}
      <figcaption>
        <span class="post-author">{post.author_name ?? NETWORK_LABEL[network]}</span>
        {post.created_at && (
          <time dateTime={post.created_at} title={when(post.created_at)}>
            {age(post.created_at, now)}
          </time>
        )}
        {post.sponsored && <Sponsored />}
      </figcaption>
      {post.text ? <p class="post-text">{post.text}</p> : <p class="post-note">The post has no text.</p>}
      {post.permalink && (
        <a href={post.permalink} target="_blank" rel="noopener noreferrer">
          View on {NETWORK_LABEL[network]}
        </a>
      )}
    </figure>
  );
}
