// A promotion record as an OCI artifact: an image manifest whose `subject` is the promoted digest,
// with the project's artifactType, the empty config, and one layer holding the record as an in-toto
// Statement (so a signature can wrap it later, as kpromo's promotion records are). Pure: no I/O.
import { createHash } from 'node:crypto';
import { parseRecord, type HistoryRecord } from '../history/record';
import { MediaTypes } from '../registry/mediaTypes';

export const RECORD_ARTIFACT_TYPE = 'application/vnd.image-promotion.record.v1+json';
export const RECORD_PREDICATE_TYPE = 'https://image-promotion.dev/record/v1';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';

/** Annotations on the manifest (and so on its referrers entry): what a reader filters by without fetching. */
export const ANNOTATION_RECORD_ID = 'dev.image-promotion.record.id';
export const ANNOTATION_ENVIRONMENT = 'dev.image-promotion.environment';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';

/** The OCI empty descriptor: the two bytes `{}`. */
export const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const;
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');

export interface BlobToUpload {
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

export interface RecordArtifact {
  /** The manifest bytes and their digest (what is PUT by digest, never under a tag). */
  readonly manifest: { readonly mediaType: string; readonly bytes: Buffer; readonly digest: string };
  /** Config and layer, uploaded before the manifest. */
  readonly blobs: readonly BlobToUpload[];
  /** The entry a referrers list (or the fallback index) holds for it. */
  readonly descriptor: {
    readonly mediaType: string;
    readonly digest: string;
    readonly size: number;
    readonly artifactType: string;
    readonly annotations: Readonly<Record<string, string>>;
  };
}

export interface Subject {
  /** `registry/path` of the repository the tag moved in. */
  readonly name: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The in-toto Statement for a record: subject = the target repository and the promoted digest. */
export function statementFor(record: HistoryRecord, subjectName: string, digest: string): Buffer {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return Buffer.from(
    JSON.stringify({
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: [{ name: subjectName, digest: { [algorithm]: hex } }],
      predicateType: RECORD_PREDICATE_TYPE,
      predicate: record,
    }),
  );
}

export function recordArtifact(record: HistoryRecord, subject: Subject): RecordArtifact {
  const statement = statementFor(record, subject.name, subject.digest);
  const layer = {
    mediaType: IN_TOTO_MEDIA_TYPE,
    digest: sha256(statement),
    size: statement.length,
    annotations: { 'in-toto.io/predicate-type': RECORD_PREDICATE_TYPE },
  };
  const annotations = { [ANNOTATION_CREATED]: record.time, [ANNOTATION_RECORD_ID]: record.id, [ANNOTATION_ENVIRONMENT]: record.target.environment };
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: RECORD_ARTIFACT_TYPE,
      config: EMPTY_CONFIG,
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
  );
  const digest = sha256(bytes);
  return {
    manifest: { mediaType: MediaTypes.ociManifest, bytes, digest },
    blobs: [
      { digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size, bytes: EMPTY_CONFIG_BYTES },
      { digest: layer.digest, size: layer.size, bytes: statement },
    ],
    descriptor: { mediaType: MediaTypes.ociManifest, digest, size: bytes.length, artifactType: RECORD_ARTIFACT_TYPE, annotations },
  };
}

export type ParsedArtifact =
  { readonly layer: { readonly digest: string; readonly size: number }; readonly reason?: undefined } | { readonly layer?: undefined; readonly reason: string };

/** The statement layer of a record artifact's manifest, or why this is not one of ours. */
export function statementLayerOf(manifestBytes: Buffer, subjectDigest: string): ParsedArtifact {
  let json: { artifactType?: unknown; subject?: { digest?: unknown }; layers?: unknown };
  try {
    json = JSON.parse(manifestBytes.toString('utf8')) as typeof json;
  } catch {
    return { reason: 'the manifest is not JSON' };
  }
  if (json?.artifactType !== RECORD_ARTIFACT_TYPE) return { reason: `artifactType ${JSON.stringify(json?.artifactType)} is not a promotion record` };
  if (json.subject?.digest !== subjectDigest) return { reason: `its subject is ${JSON.stringify(json.subject?.digest)}, not ${subjectDigest}` };
  const layers = Array.isArray(json.layers) ? (json.layers as { mediaType?: unknown; digest?: unknown; size?: unknown }[]) : [];
  const layer = layers.find((l) => l?.mediaType === IN_TOTO_MEDIA_TYPE);
  if (!layer || typeof layer.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(layer.digest) || typeof layer.size !== 'number')
    return { reason: 'it has no in-toto statement layer' };
  return { layer: { digest: layer.digest, size: layer.size } };
}

export type ParsedStatement = { readonly record: HistoryRecord; readonly reason?: undefined } | { readonly record?: undefined; readonly reason: string };

/**
 * The record inside a statement, validated exactly as a history line is, and checked against the
 * digest it is attached to: a record about another digest (copied, or forged) is not believed.
 */
export function recordFromStatement(bytes: Buffer, subjectDigest: string): ParsedStatement {
  let json: { _type?: unknown; predicateType?: unknown; subject?: unknown; predicate?: unknown };
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch {
    return { reason: 'the statement is not JSON' };
  }
  if (json?._type !== IN_TOTO_STATEMENT_TYPE) return { reason: `_type ${JSON.stringify(json?._type)} is not an in-toto Statement v1` };
  if (json.predicateType !== RECORD_PREDICATE_TYPE) return { reason: `predicateType ${JSON.stringify(json.predicateType)} is not a promotion record` };
  const [algorithm, hex] = subjectDigest.split(':');
  const subjects = Array.isArray(json.subject) ? (json.subject as { digest?: Record<string, unknown> }[]) : [];
  if (!subjects.some((s) => s?.digest?.[algorithm ?? ''] === hex)) return { reason: `the statement's subject is not ${subjectDigest}` };
  const parsed = parseRecord(JSON.stringify(json.predicate ?? null));
  if (!parsed.record) return { reason: parsed.reason };
  if (parsed.record.digest !== subjectDigest) return { reason: `the record is about ${parsed.record.digest ?? 'no digest'}, not ${subjectDigest}` };
  return { record: parsed.record };
}
