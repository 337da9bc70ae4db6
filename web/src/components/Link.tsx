import type { ComponentChildren } from 'preact';

export type Navigate = (to: string, opts?: { replace?: boolean; notice?: Notice }) => void;

/** A message for the screen navigated to (what a finished connection did). */
export interface Notice {
  text: string;
  /** Something went wrong on the way, in words (shown as an alert). */
  problems?: string[];
}

interface Props {
  href: string;
  navigate: Navigate;
  class?: string;
  id?: string;
  'aria-current'?: 'page' | undefined;
  children: ComponentChildren;
}

/**
 * A link within the page: a plain click moves the view without loading the page again; a click
 * with a modifier (a new tab, a new window) is left to the browser.
 */
export function Link({ href, navigate, children, ...rest }: Props) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
