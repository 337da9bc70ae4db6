// The shapes of the inbox API (its OpenAPI document, GET /api/openapi.json) that this page reads.

export type Network = 'twitter' | 'facebook' | 'instagram' | 'linkedin' | 'youtube';
export type Kind = 'mention' | 'reply' | 'comment' | 'tag' | 'dm';
export type Action = 'reply' | 'like' | 'share' | 'dm';
export type Status = 'open' | 'closed';
export type StatusFilter = Status | 'any';

export const NETWORKS: Network[] = ['twitter', 'facebook', 'instagram', 'linkedin', 'youtube'];
export const KINDS: Kind[] = ['mention', 'reply', 'comment', 'tag', 'dm'];

export interface Author {
  id: string;
  name: string;
  handle: string;
}

export interface Conversation {
  id: string;
  network: Network;
  kind: Kind;
  profile_id: string;
  status: Status;
  assignee_id: string | null;
  seen: boolean;
  sponsored: boolean;
  /** The network's time of the newest inbound message (shown). */
  last_activity_at: string;
  /** When the inbox received the newest inbound activity: the feed's order and `seen` follow it. */
  received_at: string;
  created_at: string;
  author: Author;
  excerpt: string;
  available_actions: Action[];
  thread_owner: string | null;
  salesforce_case?: { id: string; url: string; created_at: string } | null;
  /** The network's id of the post a comment or reply is under. */
  post_id?: string | null;
  version: number;
}

/** The post a comment conversation is under, as its network showed it when last fetched. */
export interface Post {
  id: string;
  network: Network;
  text: string;
  author_name: string | null;
  permalink: string | null;
  media_url: string | null;
  created_at: string | null;
  sponsored: boolean | null;
  fetched_at: string;
  error: string | null;
}

export interface PostAnswer {
  status: 'ready' | 'fetching' | 'unavailable' | 'none';
  post: Post | null;
}

export interface Item {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string;
  author: Author;
  created_at: string;
  platform_id: string | null;
  state: 'received' | 'pending' | 'sent' | 'failed';
  failure: string | null;
  deleted: boolean;
  edited: boolean;
  action: Action | null;
  /** The network could not take it yet: it is tried again (`failure` says why the last try failed). */
  retry?: { attempts: number; next_at: string } | null;
}

export interface Note {
  id: string;
  author_id: string;
  text: string;
  mentions: string[];
  created_at: string;
}

export interface Detail extends Conversation {
  items: Item[];
  notes: Note[];
}

export interface HistoryEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface Filters {
  status: StatusFilter;
  /** `none`, `me`, `any`, a user id, or null for no assignee condition. */
  assignee: string | null;
  networks: Network[];
  profiles: string[];
  kinds: Kind[];
  sponsored: boolean | null;
  seen: boolean | null;
}

export interface Tab {
  id: string;
  name: string;
  position: number;
  filters: Filters;
  query: string;
}

export interface Notification {
  id: string;
  type: 'assigned' | 'reassigned' | 'note' | 'status_changed' | 'mentioned' | 'webhook_disabled';
  conversation_id: string;
  actor_id: string | null;
  created_at: string;
  read: boolean;
  text: string;
}

export interface Profile {
  id: string;
  network: Network;
  name: string;
  handle: string;
}

export interface User {
  id: string;
  account_id: string;
  name: string;
  email: string;
  role: 'admin' | 'member';
  inbox_access: boolean;
}

export interface Me {
  user: User;
  account: { id: string; name: string } | null;
  profiles: Profile[];
  permissions: { admin: boolean; inbox_access: boolean };
  integrations: { salesforce: boolean };
}

export interface TeamMember {
  id: string;
  name: string;
  email: string;
}

export interface DevUser {
  id: string;
  name: string;
  email: string;
  role: 'admin' | 'member';
  inbox_access: boolean;
  account_id: string;
  account_name: string;
}

export interface FeedPage {
  conversations: Conversation[];
  next_cursor: string | null;
}
