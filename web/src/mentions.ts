// @mention completion in notes. The server recognises `@` + an email, the name without spaces
// (`@BobStone`) or a first name no one else has (`@bob`); completion inserts the squashed name,
// which is unambiguous.

import type { TeamMember } from './types';

/** The `@word` being typed just before `caret`, if any: its start (the `@`) and text. */
export function activeMention(text: string, caret: number): { start: number; query: string } | null {
  let i = caret - 1;
  while (i >= 0 && /[\p{L}\p{N}._+\-@]/u.test(text[i]!) && text[i] !== '@') i--;
  if (i < 0 || text[i] !== '@') return null;
  const before = i > 0 ? text[i - 1]! : '';
  if (before && /[\p{L}\p{N}]/u.test(before)) return null; // an email being typed, not a mention
  return { start: i, query: text.slice(i + 1, caret) };
}

export function mentionHandle(u: TeamMember): string {
  return u.name.replace(/\s+/g, '');
}

/** Team members matching what follows the `@`: name words, squashed name or email prefixes. */
export function suggestions(team: TeamMember[], query: string, limit = 6): TeamMember[] {
  const q = query.toLowerCase();
  return team
    .filter((u) => {
      if (!q) return true;
      const words = u.name.toLowerCase().split(/\s+/);
      return words.some((w) => w.startsWith(q)) || mentionHandle(u).toLowerCase().startsWith(q) || u.email.toLowerCase().startsWith(q);
    })
    .slice(0, limit);
}

/** The text with the mention at `start..caret` replaced by `@Handle `, and the new caret. */
export function complete(text: string, start: number, caret: number, u: TeamMember): { text: string; caret: number } {
  const insert = `@${mentionHandle(u)} `;
  const rest = text.slice(caret).replace(/^[\p{L}\p{N}._+\-@]*/u, '');
  const out = text.slice(0, start) + insert + rest.replace(/^ /, '');
  return { text: out, caret: start + insert.length };
}

/** Splits a note's text into plain parts and mentions of known users, for display. */
export function highlight(text: string, team: TeamMember[]): Array<{ text: string; user?: TeamMember }> {
  const out: Array<{ text: string; user?: TeamMember }> = [];
  const re = /(^|[^\p{L}\p{N}])@([\p{L}\p{N}._+\-@]+)/gu;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const token = m[2]!.replace(/[.\-_]+$/, '');
    const t = token.toLowerCase();
    const firstNames = (u: TeamMember) => u.name.split(/\s+/)[0]!.toLowerCase();
    const user =
      team.find((u) => u.email.toLowerCase() === t) ??
      team.find((u) => mentionHandle(u).toLowerCase() === t) ??
      (team.filter((u) => firstNames(u) === t).length === 1 ? team.find((u) => firstNames(u) === t) : undefined);
    if (!user) continue;
    const at = m.index + m[1]!.length;
    if (at > last) out.push({ text: text.slice(last, at) });
    out.push({ text: '@' + token, user });
    last = at + 1 + token.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
