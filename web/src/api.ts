// The inbox API, as this page calls it. Every failure becomes an `ApiError` whose message is a
// sentence a person can act on: the server's own words when it sent some, ours otherwise.

import type {
  AccountProfile,
  ApiKey,
  ApiKeyCreated,
  Channel,
  ConnectCallbackAnswer,
  ConnectedProfiles,
  ConnectNetwork,
  ConnectOption,
  ConnectReturn,
  ConnectStarted,
  Conversation,
  DeliveriesPage,
  Delivery,
  DeliveryState,
  Detail,
  DevUser,
  FeedPage,
  Filters,
  HistoryEntry,
  Item,
  Me,
  Note,
  Notification,
  PostAnswer,
  SalesforceConnection,
  SalesforceInput,
  SavedReply,
  Tab,
  TeamMember,
  User,
  UserInput,
  WebhookInput,
  WebhookSubscription,
  WebhookSubscriptionCreated,
} from './types';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What went wrong, in words, for any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message; // an ApiError's message is already in words
  return String(e);
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** The error an answer carries, in words. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = '';
  try {
    const body = await res.json();
    if (body && body.error && typeof body.error.message === 'string') {
      code = String(body.error.code ?? code);
      message = body.error.message;
    }
  } catch {
    // Not JSON: fall back to the status below.
  }
  if (!message) {
    message =
      res.status >= 500
        ? `the inbox answered ${res.status} ${res.statusText || 'server error'}; try again in a moment`
        : `the inbox answered ${res.status} ${res.statusText || ''}`.trim();
  }
  return new ApiError(res.status, code, sentence(message));
}

export type Fetch = typeof fetch;

export interface ClientOptions {
  token: () => string | null;
  /** Called on a 401 with the server's reason (an expired token, a deleted user). */
  onUnauthorized?: (why: string) => void;
  fetch?: Fetch;
  base?: string;
}

export class Client {
  constructor(private opts: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.opts.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const f = this.opts.fetch ?? fetch;
    let res: Response;
    try {
      res = await f((this.opts.base ?? '') + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'The inbox could not be reached. Check that it is running and your connection, then try again.');
    }
    if (!res.ok) {
      const err = await errorFrom(res);
      if (res.status === 401 && token) this.opts.onUnauthorized?.(err.message);
      throw err;
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  get<T>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  del(path: string) {
    return this.request<void>('DELETE', path);
  }

  // --- sign-in (local runner only)
  devUsers() {
    return this.get<{ users: DevUser[] }>('/api/dev/users');
  }
  devToken(userId: string) {
    return this.post<{ token: string }>('/api/dev/token', { user_id: userId });
  }

  // --- who, with whom
  me() {
    return this.get<Me>('/api/me');
  }
  team() {
    return this.get<{ users: TeamMember[] }>('/api/team');
  }

  // --- tabs
  tabs() {
    return this.get<{ tabs: Tab[] }>('/api/tabs');
  }
  createTab(name: string, filters?: Filters, query?: string) {
    return this.post<Tab>('/api/tabs', { name, filters, query });
  }
  updateTab(id: string, patch: Partial<Pick<Tab, 'name' | 'position' | 'filters' | 'query'>>) {
    return this.request<Tab>('PATCH', `/api/tabs/${enc(id)}`, patch);
  }
  deleteTab(id: string) {
    return this.request<void>('DELETE', `/api/tabs/${enc(id)}`);
  }

  // --- saved replies
  savedReplies(q: string, conversationId?: string, action: 'reply' | 'dm' = 'reply') {
    const p = new URLSearchParams({ q });
    if (conversationId) {
      p.set('conversation_id', conversationId);
      p.set('action', action);
    }
    return this.get<{ saved_replies: SavedReply[] }>(`/api/saved-replies?${p}`);
  }
  createSavedReply(title: string, text: string) {
    return this.post<SavedReply>('/api/saved-replies', { title, text });
  }
  updateSavedReply(id: string, patch: { title?: string; text?: string; version?: number }) {
    return this.request<SavedReply>('PATCH', `/api/saved-replies/${enc(id)}`, patch);
  }
  deleteSavedReply(id: string) {
    return this.request<void>('DELETE', `/api/saved-replies/${enc(id)}`);
  }

  // --- the feed and one conversation
  feed(query: string) {
    return this.get<FeedPage>(`/api/conversations?${query}`);
  }
  conversation(id: string) {
    return this.get<Detail>(`/api/conversations/${enc(id)}`);
  }
  originalPost(id: string) {
    return this.get<PostAnswer>(`/api/conversations/${enc(id)}/post`);
  }
  history(id: string) {
    return this.get<{ history: HistoryEntry[] }>(`/api/conversations/${enc(id)}/history`);
  }
  markSeen(id: string) {
    return this.post<Conversation>(`/api/conversations/${enc(id)}/seen`);
  }
  setStatus(id: string, status: 'open' | 'closed') {
    return this.post<Conversation>(`/api/conversations/${enc(id)}/status`, { status });
  }
  assign(id: string, userId: string | null) {
    return this.post<Conversation>(`/api/conversations/${enc(id)}/assign`, { user_id: userId });
  }
  act(id: string, action: 'reply' | 'dm' | 'like' | 'share', text?: string) {
    return this.post<{ item: Item; conversation: Conversation }>(
      `/api/conversations/${enc(id)}/${action}`,
      text === undefined ? {} : { text },
    );
  }
  note(id: string, text: string) {
    return this.post<Note>(`/api/conversations/${enc(id)}/notes`, { text });
  }
  handover(id: string, action: 'take' | 'release') {
    return this.post<unknown>(`/api/conversations/${enc(id)}/handover`, { action });
  }
  salesforceCase(id: string) {
    return this.post<unknown>(`/api/conversations/${enc(id)}/salesforce-case`);
  }

  // --- notifications
  notifications() {
    return this.get<{ notifications: Notification[]; unread: number }>('/api/notifications?limit=50');
  }
  readNotification(id: string) {
    return this.post<unknown>(`/api/notifications/${enc(id)}/read`);
  }
  /** The caller's own choice of notification emails; answers the user. */
  setEmailNotifications(on: boolean) {
    return this.put<User>('/api/me/notifications', { email_notifications: on });
  }

  // --- settings: the team (admins)
  users() {
    return this.get<{ users: User[] }>('/api/users');
  }
  createUser(u: UserInput) {
    return this.post<User>('/api/users', u);
  }
  updateUser(id: string, u: UserInput) {
    return this.put<User>(`/api/users/${enc(id)}`, u);
  }
  deleteUser(id: string) {
    return this.del(`/api/users/${enc(id)}`);
  }

  // --- settings: channels (admins)
  profiles() {
    return this.get<{ profiles: AccountProfile[] }>('/api/profiles');
  }
  deleteProfile(id: string) {
    return this.del(`/api/profiles/${enc(id)}`);
  }
  channels() {
    return this.get<{ channels: Channel[] }>('/api/channels');
  }
  connectNetworks() {
    return this.get<{ networks: ConnectOption[] }>('/api/connect/networks');
  }
  /** Starts connecting `network` (reconnecting `profileId`): where to send the browser. */
  startConnect(network: ConnectNetwork, profileId?: string) {
    return this.post<ConnectStarted>('/api/connect', profileId ? { network, profile_id: profileId } : { network });
  }
  /** Hands the network's answer (`/connect/callback?…`) to the inbox. */
  finishConnect(r: ConnectReturn) {
    return this.post<ConnectCallbackAnswer>('/api/connect/callback', r);
  }
  connectProfiles(flowId: string, presences: Array<{ network: string; external_id: string }>) {
    return this.post<ConnectedProfiles>(`/api/connect/${enc(flowId)}/profiles`, { presences });
  }

  // --- settings: outbound webhooks (admins)
  webhooks() {
    return this.get<{ subscriptions: WebhookSubscription[] }>('/api/webhook-subscriptions');
  }
  createWebhook(w: WebhookInput) {
    return this.post<WebhookSubscriptionCreated>('/api/webhook-subscriptions', w);
  }
  updateWebhook(id: string, patch: Partial<WebhookInput>) {
    return this.patch<WebhookSubscription>(`/api/webhook-subscriptions/${enc(id)}`, patch);
  }
  deleteWebhook(id: string) {
    return this.del(`/api/webhook-subscriptions/${enc(id)}`);
  }
  rotateWebhookSecret(id: string) {
    return this.post<WebhookSubscriptionCreated>(`/api/webhook-subscriptions/${enc(id)}/rotate-secret`);
  }
  deliveries(id: string, state: DeliveryState | null, before?: string | null) {
    const q = new URLSearchParams({ limit: '50' });
    if (state) q.set('state', state);
    if (before) q.set('before', before);
    return this.get<DeliveriesPage>(`/api/webhook-subscriptions/${enc(id)}/deliveries?${q}`);
  }
  replayDelivery(id: string, deliveryId: string) {
    return this.post<Delivery>(`/api/webhook-subscriptions/${enc(id)}/deliveries/${enc(deliveryId)}/replay`);
  }

  // --- settings: API keys (admins)
  apiKeys() {
    return this.get<{ api_keys: ApiKey[] }>('/api/api-keys');
  }
  createApiKey(name: string) {
    return this.post<ApiKeyCreated>('/api/api-keys', { name });
  }
  revokeApiKey(id: string) {
    return this.del(`/api/api-keys/${enc(id)}`);
  }

  // --- settings: Salesforce (admins)
  /** The connection, or null while Salesforce is not connected (the API answers 404). */
  async salesforce(): Promise<SalesforceConnection | null> {
    try {
      return await this.get<SalesforceConnection>('/api/integrations/salesforce');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }
  connectSalesforce(s: SalesforceInput) {
    return this.put<SalesforceConnection>('/api/integrations/salesforce', s);
  }
  disconnectSalesforce() {
    return this.del('/api/integrations/salesforce');
  }
}

function enc(s: string) {
  return encodeURIComponent(s);
}
