import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What "nothing lost when a worker dies" means, as plain functions over rows and files, shared by the
 * crash-safety spec (which asserts each list is empty) and bench/faults.ts (which counts them over many
 * injected faults). They read nothing themselves: the caller loads the rows from its database.
 */
export const ENDED = ['completed', 'failed', 'cancelled', 'completed_with_errors'];

export interface CheckedRow {
  id: string;
  status: string;
}
export interface CheckedVariation extends CheckedRow {
  files: { name: string }[] | null;
  outputFolderId: string | null;
  finishedAt?: Date | null;
}
export interface CheckedEvent {
  event: string;
  linkId?: string | null;
  variationId?: string | null;
}

/** A row whose ended entries are not what its status says: one if it ended, none if it is open. */
export interface EntryMismatch {
  kind: 'variation' | 'link' | 'batch';
  id: string;
  status: string;
  entries: number;
}

/** Every ended variation, link and batch has exactly one ended entry, and no open row has one. */
export function endedEntryMismatches(rows: {
  batch: CheckedRow;
  links: CheckedRow[];
  variations: CheckedRow[];
  events: CheckedEvent[];
}): EntryMismatch[] {
  const out: EntryMismatch[] = [];
  const check = (kind: EntryMismatch['kind'], row: CheckedRow, pick: (e: CheckedEvent) => boolean) => {
    const entries = rows.events.filter(pick).length;
    if (entries !== (ENDED.includes(row.status) ? 1 : 0)) out.push({ kind, id: row.id, status: row.status, entries });
  };
  for (const v of rows.variations)
    check('variation', v, (e) => e.variationId === v.id && / (completed|failed|cancelled)\b/.test(e.event));
  for (const l of rows.links)
    check(
      'link',
      l,
      (e) => e.linkId === l.id && !e.variationId && /^link \d+ (completed|failed|cancelled)/.test(e.event),
    );
  check('batch', rows.batch, (e) => /^batch (completed|completed_with_errors|failed|cancelled)$/.test(e.event));
  return out;
}

/** Files (not folders) under `dir`, relative to it; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/**
 * What should not be in the delivered tree once the variations ended: a temporary file anywhere under
 * `outputRoot`, a file in a variation's folder that the variation did not record, a recorded file that is
 * missing, a JPEG without its end marker (cut short). Each as a readable line.
 */
export function strayFiles(outputRoot: string, variations: CheckedVariation[]): string[] {
  const out = filesUnder(outputRoot)
    .filter((f) => f.includes('.tmp'))
    .map((f) => `temporary file ${f}`);
  for (const v of variations) {
    if (!v.outputFolderId) continue;
    const dir = path.join(outputRoot, v.outputFolderId);
    const recorded = new Set(v.status === 'completed' ? (v.files ?? []).map((f) => f.name) : []);
    const present = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    for (const name of present)
      if (!recorded.has(name))
        out.push(`${path.join(v.outputFolderId, name)} not recorded by its ${v.status} variation`);
    for (const name of recorded) {
      const file = path.join(dir, name);
      if (!present.includes(name)) out.push(`${path.join(v.outputFolderId, name)} recorded but missing`);
      else if (name.endsWith('.jpg') && fs.readFileSync(file).subarray(-2).toString('hex') !== 'ffd9')
        out.push(`${path.join(v.outputFolderId, name)} is a cut-short JPEG (no end marker)`);
    }
  }
  return out;
}

/**
 * Delivered files written again after their variation was recorded complete (file time more than
 * `slackMs` past finishedAt, which SQLite stores to the second): a finished variation's work done twice.
 */
export function rewrittenAfterCompletion(outputRoot: string, variations: CheckedVariation[], slackMs = 1000): string[] {
  const out: string[] = [];
  for (const v of variations) {
    if (v.status !== 'completed' || !v.outputFolderId || !v.finishedAt) continue;
    for (const f of v.files ?? []) {
      const stat = fs.statSync(path.join(outputRoot, v.outputFolderId, f.name), { throwIfNoEntry: false });
      if (stat && stat.mtimeMs > v.finishedAt.getTime() + slackMs)
        out.push(`${path.join(v.outputFolderId, f.name)} written ${stat.mtimeMs - v.finishedAt.getTime()} ms after`);
    }
  }
  return out;
}

/** Names and sizes of a ZIP's entries, read from its central directory. */
export function zipEntries(zip: Buffer): { name: string; size: number }[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a ZIP (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: { name: string; size: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    out.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLen), size: zip.readUInt32LE(at + 24) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
