// Connecting a channel: the network sends the browser back to /connect/callback?state=…&code=…
// (or ?state=…&error=…). The page keeps that answer in this tab's sessionStorage and takes it
// out of the address at once, so that a reload does not hand it in again and it survives a
// sign-in (the user may arrive signed out); the callback screen then takes it, once.

import { CONNECT_CALLBACK_PATH, pageOf } from './route';
import type { ConnectNetwork, ConnectReturn, Network } from './types';

const KEY = 'inbox.connect';
/** An answer older than this is forgotten (the inbox's connect flows expire sooner). */
const TTL_MS = 30 * 60 * 1000;
const FIELDS = ['code', 'error', 'error_description'] as const;

/**
 * On arriving at `/connect/callback` with the network's answer: keeps it and replaces the
 * address with the bare path. Does nothing on any other address.
 */
export function keepConnectReturn(storage: Storage = sessionStorage, now: number = Date.now()): void {
  if (typeof location === 'undefined' || pageOf(location.pathname).kind !== 'connect-callback') return;
  const p = new URLSearchParams(location.search);
  const state = p.get('state');
  if (state) {
    const r: ConnectReturn & { at: number } = { state, at: now };
    for (const k of FIELDS) {
      const v = p.get(k);
      if (v !== null) r[k] = v;
    }
    storage.setItem(KEY, JSON.stringify(r));
  }
  if (location.search || location.hash) history.replaceState(null, '', CONNECT_CALLBACK_PATH);
}

/** The kept answer, removed from storage (it is handed in once), or null. */
export function takeConnectReturn(storage: Storage = sessionStorage, now: number = Date.now()): ConnectReturn | null {
  let kept: (ConnectReturn & { at?: number }) | null;
  try {
    kept = JSON.parse(storage.getItem(KEY) ?? 'null');
  } catch {
    kept = null;
  }
  storage.removeItem(KEY);
  if (!kept || typeof kept.state !== 'string' || typeof kept.at !== 'number' || now - kept.at > TTL_MS) return null;
  const r: ConnectReturn = { state: kept.state };
  for (const k of FIELDS) {
    const v = kept[k];
    if (typeof v === 'string') r[k] = v;
  }
  return r;
}

/** Puts an answer back (its hand-in was refused because the session had ended). */
export function putBackConnectReturn(r: ConnectReturn, storage: Storage = sessionStorage, now: number = Date.now()): void {
  storage.setItem(KEY, JSON.stringify({ ...r, at: now }));
}

/** The connect flow a channel of `network` is (re)connected through: Instagram comes with Facebook. */
export function connectNetworkOf(network: Network): ConnectNetwork {
  return network === 'instagram' ? 'facebook' : network;
}

/** A connect flow's network as people say it. */
export const CONNECT_LABEL: Record<ConnectNetwork, string> = {
  facebook: 'Facebook and Instagram',
  twitter: 'X',
  linkedin: 'LinkedIn',
  youtube: 'YouTube',
};

/** "A", "A and B", "A, B and C". */
export function listInWords(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
