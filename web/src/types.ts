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

/** One of the account's saved replies (`GET /api/saved-replies`). */
export interface SavedReply {
  id: string;
  title: string;
  /** Placeholders unfilled: `{first_name}`, `{name}`, `{handle}`, `{agent_name}`, `{agent_first_name}`, `{profile_name}`. */
  text: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
  /** Filled in for the conversation asked for, with the network's limit. */
  filled: { text: string; chars: number; limit: number; fits: boolean; empty: string[] } | null;
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
  type:
    | 'assigned'
    | 'reassigned'
    | 'note'
    | 'status_changed'
    | 'mentioned'
    | 'webhook_disabled'
    | 'channel_needs_reconnection'
    | 'channel_expiring';
  /** The conversation it is about; none for a channel's sign-in (then `profile_id`). */
  conversation_id: string | null;
  profile_id?: string | null;
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
  role: Role;
  inbox_access: boolean;
  /** Whether notifications are also sent by email (in-app ones always are). */
  email_notifications: boolean;
  /** The profiles this user may see (admins see every profile, whatever this says). */
  profile_ids: string[];
}

export type Role = 'admin' | 'member';

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

// --- Settings (admins, and each user's own notifications)

/** What `POST /api/users` and `PUT /api/users/{id}` take. */
export interface UserInput {
  name: string;
  email: string;
  role: Role;
  inbox_access: boolean;
  email_notifications: boolean;
  profile_ids: string[];
}

/** A profile as the admin routes show it (`GET /api/profiles`): never its credentials. */
export interface AccountProfile extends Profile {
  external_id: string;
  /** Whether the profile has an access token. */
  connected: boolean;
  token_expires_at: string | null;
}

export type TokenState = 'valid' | 'expiring' | 'needs_reconnection';

/** One channel's health (`GET /api/channels`). */
export interface Channel {
  profile_id: string;
  network: Network;
  name: string;
  handle: string;
  last_event_at: string | null;
  /** Nothing arrived for three times its usual gap between events (and at least an hour). */
  quiet: boolean;
  token_state: TokenState;
  token_error: string | null;
  polled: boolean;
  last_poll_ok_at: string | null;
  next_poll_at: string | null;
  last_poll_error: string | null;
  /** Whether the network's webhook subscription was in place at the last check (Meta); null: not checked. */
  webhook_subscribed: boolean | null;
  webhook_checked_at: string | null;
  /** When the inbox renews the access token next. */
  next_renewal_at?: string | null;
  /** When the refresh token expires: reconnect before then. */
  refresh_expires_at?: string | null;
}

/** The networks a channel is connected through (Instagram comes with Facebook). */
export type ConnectNetwork = 'facebook' | 'twitter' | 'linkedin' | 'youtube';

export interface ConnectOption {
  network: ConnectNetwork;
  label: string;
  /** Whether this server has the network's app credentials. */
  configured: boolean;
  /** What to do when it is not configured. */
  hint: string | null;
}

export interface ConnectStarted {
  flow_id: string;
  authorize_url: string;
  expires_at: string;
}

/** What the network sent back to `/connect/callback`. */
export interface ConnectReturn {
  state: string;
  code?: string;
  error?: string;
  error_description?: string;
}

export interface ConnectCandidate {
  network: Network;
  external_id: string;
  name: string;
  handle: string;
  kind: 'page' | 'instagram_account' | 'organization' | 'user' | 'channel';
  /** The profile it is connected as already, if it is. */
  connected_profile_id: string | null;
  available: boolean;
  /** Why it cannot be connected, when it cannot. */
  why_not: string | null;
}

export interface ConnectCallbackAnswer {
  flow_id: string;
  network: ConnectNetwork;
  /** The profile a reconnection renewed; then there is nothing to choose. */
  reconnected: AccountProfile | null;
  candidates: ConnectCandidate[];
}

export interface ConnectedProfiles {
  profiles: AccountProfile[];
  subscriptions: Array<{ profile_id: string; subscribed: boolean; error: string | null }>;
}

/** The events outbound webhooks carry (shared/domain/src/events.rs). */
export type EventType =
  | 'conversation.created'
  | 'conversation.reopened'
  | 'conversation.closed'
  | 'conversation.assigned'
  | 'conversation.unassigned'
  | 'item.received'
  | 'reply.sent'
  | 'note.added'
  | 'case.created';

export interface WebhookSubscription {
  id: string;
  /** `zapier`: a REST hook made by Zapier with an API key. */
  kind: 'webhook' | 'zapier';
  url: string;
  events: EventType[];
  description: string;
  enabled: boolean;
  /** Why the inbox turned it off (every delivery failing for a day). */
  disabled_reason: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure: string | null;
  created_at: string;
  updated_at: string;
}

/** A subscription with its signing secret: answered once, on creation and rotation. */
export interface WebhookSubscriptionCreated extends WebhookSubscription {
  secret: string;
}

export interface WebhookInput {
  url: string;
  events: EventType[];
  description?: string;
  enabled?: boolean;
}

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface Delivery {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: EventType;
  conversation_id: string;
  seq: number;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: string | null;
  created_at: string;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  finished_at: string | null;
}

export interface DeliveriesPage {
  deliveries: Delivery[];
  next_before: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  created_by: string;
  created_at: string;
}

export interface ApiKeyCreated extends ApiKey {
  /** The key itself: answered this once. */
  key: string;
}

export interface SalesforceConnection {
  instance_url: string;
  token_url: string;
  client_id: string;
  external_id_field: string | null;
  rule: { tab_id: string; name: string; filters: Filters; query: string } | null;
  connected_by: string;
  connected_at: string;
  updated_at: string;
}

/** What `PUT /api/integrations/salesforce` takes; secrets left out keep the stored ones. */
export interface SalesforceInput {
  instance_url: string;
  token_url?: string;
  client_id: string;
  client_secret?: string;
  refresh_token?: string;
  external_id_field?: string | null;
  rule_tab_id?: string | null;
}
