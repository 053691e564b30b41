// The fault suite's closing line, from the JSONL file test/faults/tally.ts appends to.
// Plain JavaScript: test/run-all.mjs reads it before anything is compiled.
import { existsSync, readFileSync } from 'node:fs';

/** Sums of each kind in the tally file (a missing file or a torn last line counts as nothing). */
export function readTally(file) {
  const sums = { fault: 0, 'bad-input': 0, promotion: 0, 'unchosen-state': 0 };
  if (!file || !existsSync(file)) return sums;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const { kind, count } = JSON.parse(line);
      if (kind in sums && Number.isFinite(count)) sums[kind] += count;
    } catch {
      // A process killed mid-append leaves half a line; the rest still counts.
    }
  }
  return sums;
}

export function tallyLine(file) {
  const t = readTally(file);
  return `faults injected ${t.fault}, bad inputs tried ${t['bad-input']}, promotions attempted ${t.promotion}, environments left in a state nobody chose ${t['unchosen-state']}`;
}
