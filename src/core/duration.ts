// Durations as people write them in the config: `30s`, `30m`, `2h`, `1h30m`, `1d`; and back.

const UNITS = [
  { unit: 'd', ms: 86_400_000, word: 'days' },
  { unit: 'h', ms: 3_600_000, word: 'hours' },
  { unit: 'm', ms: 60_000, word: 'minutes' },
  { unit: 's', ms: 1_000, word: 'seconds' },
] as const;

const FORMAT = 'a whole number and a unit (s, m, h or d), largest unit first, such as 30s, 30m, 2h, 1h30m or 1d';

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Milliseconds of a duration such as `1h30m`. Throws DurationError saying what is wrong. */
export function parseDuration(text: string): number {
  const written = text.trim();
  if (!written) throw new DurationError(`a duration is ${FORMAT}; found nothing`);
  if (/^\d+$/.test(written)) throw new DurationError(`"${written}" has no unit; write ${written}s, ${written}m or ${written}h`);
  if (/\d[.,]\d/.test(written)) throw new DurationError(`"${written}" is not a whole number of a unit; write 1h30m rather than 1.5h`);

  let total = 0;
  let lastRank = -1;
  let rest = written;
  while (rest) {
    const part = /^(\d+)\s*([a-zA-Z]+)\s*/.exec(rest);
    if (!part) throw new DurationError(`"${written}" is not a duration: it should be ${FORMAT}`);
    const [whole, digits, unit] = part as unknown as [string, string, string];
    const rank = UNITS.findIndex((u) => u.unit === unit);
    if (rank < 0) throw new DurationError(`"${unit}" in "${written}" is not a unit; use s, m, h or d (e.g. 30m, 2h)`);
    if (rank <= lastRank)
      throw new DurationError(`"${written}" repeats a unit or puts a smaller one first; write the largest unit first, once each (e.g. 1h30m)`);
    lastRank = rank;
    total += Number(digits) * UNITS[rank]!.ms;
    rest = rest.slice(whole.length);
  }
  if (!Number.isSafeInteger(total)) throw new DurationError(`"${written}" is too long a duration`);
  return total;
}

/** Why a text is not a duration, or undefined when it is one. */
export function durationProblem(text: string): string | undefined {
  try {
    parseDuration(text);
    return undefined;
  } catch (error) {
    if (error instanceof DurationError) return error.message;
    throw error;
  }
}

/**
 * `1h30m`, `2d3h`, `45s`; below a second, `0s`. `parts` keeps only the largest units
 * (`formatDuration(5_430_000, 1)` is `1h`), rounding down.
 */
export function formatDuration(ms: number, parts: number = UNITS.length): string {
  let rest = Math.max(0, Math.floor(ms));
  const out: string[] = [];
  for (const { unit, ms: size } of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || out.length > 0) out.push(`${count}${unit}`);
    if (out.length >= parts) break;
  }
  const shown = out.filter((p) => !/^0\D$/.test(p)).join('');
  return shown || '0s';
}
