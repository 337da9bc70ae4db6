import axe from 'axe-core';
import { expect } from 'vitest';

/**
 * The WCAG 2.1 A/AA problems axe-core finds in `container`: names of buttons, links and
 * fields, ARIA use, lists. happy-dom lays nothing out, so contrast is left to the e2e suite.
 */
export async function axeProblems(container: Element) {
  const r = await axe.run(container, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    rules: { 'color-contrast': { enabled: false } },
  });
  // It did look: buttons were there to check.
  expect(r.passes.map((p) => p.id)).toEqual(expect.arrayContaining(['button-name']));
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}
