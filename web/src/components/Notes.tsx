import { age, when } from '../format';
import { highlight } from '../mentions';
import type { Note, TeamMember } from '../types';
import { NoteBox } from './NoteBox';

interface Props {
  notes: Note[];
  team: TeamMember[];
  now: number;
  nameOf: (id: string | null) => string;
  /** Adds a note; rejects with the reason in words. */
  onAdd: (text: string) => Promise<void>;
}

/** A conversation's internal notes, mentions highlighted, and the box to add one. */
export function Notes({ notes, team, now, nameOf, onAdd }: Props) {
  return (
    <section class="notes" aria-labelledby="notes-title">
      <h3 id="notes-title">Internal notes</h3>
      {notes.length === 0 && <p class="hint">No notes yet. Notes are never sent to the network.</p>}
      <ul>
        {notes.map((n) => (
          <li key={n.id} class="note">
            <span class="note-author">{nameOf(n.author_id)}</span>{' '}
            <time dateTime={n.created_at} title={when(n.created_at)}>
              {age(n.created_at, now)}
            </time>
            <p>
              {highlight(n.text, team).map((part, k) =>
                part.user ? (
                  <mark key={k} class="mention" title={part.user.email}>
                    {part.text}
                  </mark>
                ) : (
                  part.text
                ),
              )}
            </p>
          </li>
        ))}
      </ul>
      <NoteBox team={team} onSubmit={onAdd} />
    </section>
  );
}
