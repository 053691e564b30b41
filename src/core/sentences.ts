// Messages are built from parts written in other places (an error, its hint, what the target holds
// now); a part may or may not bring its own full stop or question mark. Each sentence ends once.

const ENDED = /[.?!…]["'”’)\]]*$/;

/** The text as a finished sentence: a full stop added unless it already ends in . ? ! or …. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  return ENDED.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Each part finished as a sentence, joined by a space; empty parts are left out. */
export function sentences(...parts: readonly (string | undefined)[]): string {
  return parts
    .map((p) => (p ? sentence(p) : ''))
    .filter(Boolean)
    .join(' ');
}
