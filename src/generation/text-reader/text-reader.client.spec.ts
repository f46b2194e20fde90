import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isTransient } from '../../common/errors';
import { TextReaderClient } from './text-reader.client';

/**
 * The reader's child process: started on first use, gone after its idle time, back on the next request;
 * a crash is a retryable error, never a hang.
 */

const SLIDE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'samples', 'set_01', 'slide_2.jpg');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('TextReaderClient (child process)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'text-reader-'));
  let client: TextReaderClient;
  afterAll(async () => {
    await client?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads in a child that exits when idle and is started again on the next request', async () => {
    client = new TextReaderClient({ idleMs: 1500 });
    const out = path.join(dir, 'clean', 'slide_2.jpg');
    const first = await client.read(SLIDE, out);
    expect(first.text.blocks.map((b) => b.text).join(' ')).toMatch(/sleep/);
    expect(first.cleaned).toBe(true);
    expect(fs.existsSync(out)).toBe(true);
    const pid = client.pid as number;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    expect(client.starts).toBe(1);
    // The child's CPU (OCR on its threads) is reported while it runs, and no longer once it is gone (then it is
    // in this process's reaped-children CPU): MachineSpeed adds the two.
    expect(client.unreapedCpuSeconds()).toBeGreaterThan(0.1);

    await until('the idle child to exit', () => !alive(pid), 30_000);
    expect(client.pid).toBeUndefined();
    expect(client.unreapedCpuSeconds()).toBe(0);

    const again = await client.read(SLIDE, out);
    expect(again.text.blocks.length).toBe(first.text.blocks.length);
    expect(client.starts).toBe(2);
    expect(client.pid).not.toBe(pid);
  }, 300_000);

  it('fails a request with a TransientError when the child dies under it, and recovers', async () => {
    await client?.close();
    client = new TextReaderClient({ idleMs: 60_000 });
    const reading = client.read(SLIDE, path.join(dir, 'x.jpg'));
    await until('the child to start', () => !!client.pid, 30_000);
    process.kill(client.pid as number, 'SIGKILL');
    const error = await reading.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toMatch(/text reader process ended/);

    const ok = await client.read(SLIDE, path.join(dir, 'y.jpg'));
    expect(ok.text.blocks.length).toBeGreaterThan(0);
    expect(client.starts).toBe(2);
  }, 300_000);

  it('a file the engine cannot decode is an error, not a crash', async () => {
    await client?.close();
    client = new TextReaderClient({ idleMs: 60_000 });
    const bad = path.join(dir, 'bad.jpg');
    fs.writeFileSync(bad, 'not an image');
    await expect(client.read(bad, path.join(dir, 'z.jpg'))).rejects.toThrow(/text reader:/);
    const pid = client.pid;
    await client.read(SLIDE, path.join(dir, 'z.jpg'));
    expect(client.pid).toBe(pid);
  }, 300_000);
});
