/** Focuses element `id` once it is on the page (a view being opened or loaded), for up to 2 s. */
export function focusWhenPresent(id: string) {
  let tries = 0;
  const go = () => {
    const el = document.getElementById(id) as HTMLElement | null;
    if (el) el.focus();
    else if (tries++ < 40) setTimeout(go, 50);
  };
  go();
}

/** Focuses element `id` after the next paint (a button that a closed form gives way to). */
export function focusSoon(id: string) {
  requestAnimationFrame(() => (document.getElementById(id) as HTMLElement | null)?.focus());
}
