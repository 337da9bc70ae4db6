import type { Kind, Network } from '../types';
import { KIND_LABEL, NETWORK_LABEL } from '../format';

const NETWORK_MARK: Record<Network, string> = {
  twitter: 'X',
  facebook: 'f',
  instagram: 'IG',
  linkedin: 'in',
  youtube: 'YT',
};

/** A network's mark, with its name for assistive technology. */
export function NetworkIcon({ network }: { network: Network }) {
  return (
    <span class={`net net-${network}`} role="img" aria-label={NETWORK_LABEL[network]} title={NETWORK_LABEL[network]}>
      {NETWORK_MARK[network]}
    </span>
  );
}

const KIND_PATH: Record<Kind, string> = {
  // Small 16x16 line drawings: an at sign, a curved arrow, a speech bubble, a tag, an envelope.
  mention: 'M8 2a6 6 0 1 0 3 11.2M10.5 8a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0v1.2a1.6 1.6 0 0 0 3.2 0V8',
  reply: 'M6 4 2 8l4 4M2 8h7a5 5 0 0 1 5 5',
  comment: 'M2 3h12v8H7l-3 3v-3H2z',
  tag: 'M2 2h6l6 6-6 6-6-6zM5 5h.01',
  dm: 'M2 4h12v8H2zM2 4l6 5 6-5',
};

export function KindIcon({ kind }: { kind: Kind }) {
  return (
    <svg class="kind" viewBox="0 0 16 16" width="16" height="16" role="img" aria-label={KIND_LABEL[kind]}>
      <title>{KIND_LABEL[kind]}</title>
      <path d={KIND_PATH[kind]} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

export function Sponsored() {
  return <span class="badge badge-sponsored">Sponsored</span>;
}
