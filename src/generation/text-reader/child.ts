import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TextEngine } from './engine';
import type { ReaderReply, ReaderRequest, ReadResult, ScrubResult } from './protocol';

/**
 * The text reader's child process: the OCR engine loaded once, requests answered one at a time over IPC.
 * It runs apart from the worker so the worker's own memory stays low and a crash of the engine (WASM
 * aborts, out of memory) costs a retry, not the worker. It exits when its parent goes away.
 */

const send = (m: ReaderReply) => process.send?.(m);
const engine = TextEngine.start();
let queue: Promise<unknown> = Promise.resolve();

async function handle(req: ReaderRequest): Promise<ReadResult | ScrubResult> {
  const e = await engine;
  if (req.op === 'scrub') {
    const r = await e.readAndClean(req.bytes);
    return { text: r.text, clean: r.clean };
  }
  const r = await e.readAndClean(req.input);
  if (r.clean) {
    await fs.mkdir(path.dirname(req.cleanOut), { recursive: true });
    const tmp = `${req.cleanOut}.${process.pid}.tmp`;
    await fs.writeFile(tmp, r.clean);
    await fs.rename(tmp, req.cleanOut);
  }
  return { text: r.text, cleaned: !!r.clean, readMs: r.text.ms - r.cleanMs, cleanMs: r.cleanMs };
}

process.on('message', (req: ReaderRequest) => {
  queue = queue.then(async () => {
    try {
      const result = await handle(req);
      // Peak resident set so far (getrusage's ru_maxrss, KiB): the high-water mark, not the current size.
      const cpu = process.cpuUsage();
      send({
        id: req.id,
        ok: true,
        result,
        rss: process.resourceUsage().maxRSS * 1024,
        cpuS: (cpu.user + cpu.system) / 1e6,
      });
      // Between slides, once the answer is on its way: a full collection (--expose-gc, given by the client)
      // frees this slide's pixel buffers and pass images before the next one instead of letting the heap grow.
      global.gc?.();
    } catch (e) {
      send({ id: req.id, ok: false, error: (e as Error)?.message ?? String(e) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
engine.then(
  () => send({ id: 0, ready: true }),
  (e) => {
    console.error(`text reader: the engine did not start: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
