// Where promotion records go (`imagePromotion.records`) and the one call that records an attempt in
// the registry after it ran. A registry that refuses the record never fails a promotion that already
// moved the tag: the person is told the record is missing, and it is logged.
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { parseRepository, shortDigest } from '../core/reference';
import { landedDigest } from '../history/queries';
import type { HistoryRecord } from '../history/record';
import type { Repository } from '../core/reference';
import type { PreparedRecord, RecordWritePath, RegistryRecords } from './registryRecords';

export type RecordsSetting = 'registry' | 'file' | 'both';

/**
 * Both: the file keeps every attempt (blocked and failed ones too, which move nothing and so have
 * no registry record) and works when the registry refuses; the registry makes tag moves visible to
 * every editor and pipeline. Neither alone loses nothing the other keeps.
 */
export const DEFAULT_RECORDS_SETTING: RecordsSetting = 'both';

export function parseRecordsSetting(value: unknown): RecordsSetting {
  return value === 'registry' || value === 'file' || value === 'both' ? value : DEFAULT_RECORDS_SETTING;
}

export function writesFile(setting: RecordsSetting): boolean {
  return setting !== 'registry';
}

export function usesRegistry(setting: RecordsSetting): boolean {
  return setting !== 'file';
}

/** The attempt moved its target's tag to a digest it did not hold: that is what the registry records. */
export function movedTag(record: HistoryRecord): boolean {
  const digest = landedDigest(record);
  return digest !== undefined && record.previousDigest !== digest;
}

/**
 * The record as the registry gets it: every field of the history line but the gates' output lines
 * (a command gate's stdout may print anything, tokens included, and a repository's readers are
 * more people than a workspace's). The gates' names, results and reasons stay.
 */
export function sharedRecord(record: HistoryRecord): HistoryRecord {
  if (!record.gates.some((g) => g.details)) return record;
  return { ...record, gates: record.gates.map(({ details: _details, ...gate }) => gate) };
}

function indexedBy(path: RecordWritePath, digest: string): string {
  return path === 'referrers-api' ? 'referrers API' : `referrers tag ${digest.replace(':', '-')}`;
}

/** What a front end prints once a record landed (nothing for one skipped; a missing one was warned of). */
export function recordWrittenLine(write: RecordWrite): string | undefined {
  return write.state === 'written'
    ? `Recorded in the registry: ${write.where} (${write.path === 'referrers-api' ? 'referrers API' : 'referrers tag'}).`
    : undefined;
}

export type RecordWrite =
  | { readonly state: 'written'; readonly path: RecordWritePath; readonly where: string }
  | { readonly state: 'skipped'; readonly reason: string }
  | { readonly state: 'missing'; readonly reason: string };

export interface PromotionRecordsDeps {
  readonly registry: RegistryRecords;
  readonly setting: () => RecordsSetting;
  readonly log: Logger;
  /** Tells the person (a notification, stderr). */
  readonly warn: (message: string) => void;
}

export class PromotionRecords {
  constructor(private readonly deps: PromotionRecordsDeps) {}

  /**
   * Started right before the tag moves: what the record of `digest` in `target` needs that the move's
   * result does not change (registryRecords.ts), so that less is left after the move. Undefined when
   * records do not go to the registry. Never rejects.
   */
  prepare(target: Repository, digest: string, source: Repository): Promise<PreparedRecord> | undefined {
    if (!usesRegistry(this.deps.setting())) return undefined;
    return this.deps.registry.prepare(target, digest, source);
  }

  /** Never throws: a record that cannot be written is reported, not raised. */
  async write(outcome: { readonly status: string }, record: HistoryRecord, signal?: AbortSignal, prepared?: Promise<PreparedRecord>): Promise<RecordWrite> {
    const setting = this.deps.setting();
    if (!usesRegistry(setting)) return { state: 'skipped', reason: 'imagePromotion.records is "file"' };
    if (!movedTag(record) || !record.digest) return { state: 'skipped', reason: 'the attempt moved no tag' };
    const where = `${record.target.repository}@${shortDigest(record.digest)}`;
    try {
      const path = await this.deps.registry.write(parseRepository(record.target.repository), record.digest, sharedRecord(record), signal, prepared);
      this.deps.log.info(`promotion record ${record.id} written to ${where} (${indexedBy(path, record.digest)})`);
      return { state: 'written', path, where };
    } catch (error) {
      const reason = errorMessage(error);
      const elsewhere = writesFile(setting) ? 'It is in the history file only' : 'It is recorded nowhere (imagePromotion.records is "registry")';
      this.deps.log.error(`the promotion record ${record.id} could not be written to ${where}: ${reason}`);
      this.deps.warn(
        `The ${record.kind} to ${record.target.environment} ${outcome.status}, but its record is missing from the registry (${record.target.repository}): ${reason}. ${elsewhere}; other editors and pipelines will not see it.`,
      );
      return { state: 'missing', reason };
    }
  }
}
