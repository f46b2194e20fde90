import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { endedEntryMismatches, rewrittenAfterCompletion, strayFiles } from './helpers/crash-checks';

/**
 * The checks the crash-safety spec and bench/faults.ts count with: each finds what it is there to find
 * (a check that cannot fail would report zero faults whatever happened).
 */
describe('crash checks', () => {
  const jpeg = Buffer.from('ffd8ffe000ffd9', 'hex');

  it('finds a missing, a repeated and a stray ended entry', () => {
    const events = [
      { event: 'link 1 variation v1-1 completed', linkId: 'l1', variationId: 'v1' },
      { event: 'link 1 variation v2-1 completed', linkId: 'l1', variationId: 'v2' },
      { event: 'link 1 variation v2-1 completed', linkId: 'l1', variationId: 'v2' },
      { event: 'link 1 variation v3-1 failed (generation): x', linkId: 'l1', variationId: 'v3' },
      { event: 'link 1 completed', linkId: 'l1', variationId: null },
    ];
    const rows = {
      batch: { id: 'b', status: 'completed' },
      links: [{ id: 'l1', status: 'completed' }],
      variations: [
        { id: 'v1', status: 'completed' },
        { id: 'v2', status: 'completed' },
        { id: 'v3', status: 'processing' },
        { id: 'v4', status: 'cancelled' },
      ],
      events,
    };
    expect(endedEntryMismatches(rows)).toEqual([
      { kind: 'variation', id: 'v2', status: 'completed', entries: 2 },
      { kind: 'variation', id: 'v3', status: 'processing', entries: 1 },
      { kind: 'variation', id: 'v4', status: 'cancelled', entries: 0 },
      { kind: 'batch', id: 'b', status: 'completed', entries: 0 },
    ]);
    expect(
      endedEntryMismatches({
        ...rows,
        variations: rows.variations.slice(0, 1),
        events: [events[0], events[4], { event: 'batch completed' }],
      }),
    ).toEqual([]);
  });

  it('finds temporary, unrecorded, missing and cut-short files, and files rewritten after completion', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-checks-'));
    fs.mkdirSync(path.join(out, 'L', 'v1-1'), { recursive: true });
    fs.writeFileSync(path.join(out, 'L', 'v1-1', '01.jpg'), jpeg);
    fs.writeFileSync(path.join(out, 'L', 'v1-1', '02.jpg'), jpeg.subarray(0, 4));
    fs.writeFileSync(path.join(out, 'L', 'v1-1', 'extra.jpg'), jpeg);
    fs.writeFileSync(path.join(out, 'L', '01.jpg.123.tmp'), jpeg);
    const finishedAt = new Date(Date.now() - 10_000);
    const v = {
      id: 'v1',
      status: 'completed',
      outputFolderId: path.join('L', 'v1-1'),
      files: [{ name: '01.jpg' }, { name: '02.jpg' }, { name: '03.jpg' }],
      finishedAt,
    };
    expect(strayFiles(out, [v]).sort()).toEqual(
      [
        `temporary file ${path.join('L', '01.jpg.123.tmp')}`,
        `${path.join('L', 'v1-1', 'extra.jpg')} not recorded by its completed variation`,
        `${path.join('L', 'v1-1', '02.jpg')} is a cut-short JPEG (no end marker)`,
        `${path.join('L', 'v1-1', '03.jpg')} recorded but missing`,
      ].sort(),
    );
    expect(rewrittenAfterCompletion(out, [v])).toHaveLength(2); // 01 and 02, written now, 10 s after
    expect(rewrittenAfterCompletion(out, [{ ...v, finishedAt: new Date() }])).toEqual([]);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
