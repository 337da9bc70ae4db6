import { describe, expect, it } from 'vitest';
import { activeMention, complete, highlight, suggestions } from './mentions';
import { team } from './test/fixtures';

describe('@mention completion', () => {
  it('finds the mention being typed at the caret, not an email', () => {
    expect(activeMention('hi @bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(activeMention('@', 1)).toEqual({ start: 0, query: '' });
    expect(activeMention('mail bob@demo', 13)).toBeNull();
    expect(activeMention('hi @bob and', 11)).toBeNull();
  });

  it('suggests teammates by first name, last name, squashed name or email', () => {
    expect(suggestions(team, 'bo').map((u) => u.name)).toEqual(['Bob Stone']);
    expect(suggestions(team, 'diaz').map((u) => u.name)).toEqual(['Carol Diaz']);
    expect(suggestions(team, 'alice@').map((u) => u.name)).toEqual(['Alice Martin']);
    expect(suggestions(team, '')).toHaveLength(3);
  });

  it('inserts the squashed name the server recognises', () => {
    expect(complete('ask @bo about it', 4, 7, team[1]!)).toEqual({ text: 'ask @BobStone about it', caret: 14 });
    expect(complete('@b', 0, 2, team[1]!)).toEqual({ text: '@BobStone ', caret: 10 });
  });

  it('highlights mentions of known users only', () => {
    const parts = highlight('@BobStone and @carol, not @nobody or a@b.c', team);
    expect(parts.filter((p) => p.user).map((p) => [p.text, p.user!.id])).toEqual([
      ['@BobStone', 'usr_bob'],
      ['@carol', 'usr_carol'],
    ]);
    expect(parts.map((p) => p.text).join('')).toBe('@BobStone and @carol, not @nobody or a@b.c');
  });
});
