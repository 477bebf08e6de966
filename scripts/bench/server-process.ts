// The real server (server/main.ts) as a child process on 127.0.0.1, with the probe preloaded.
// CPU and RSS come from /proc, so they count every thread of the process (PGlite runs inside it).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProbeReply, ProbeRequest } from './probe-protocol.js';
import { freePort } from '../../tests/helpers/net.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = pathToFileURL(fileURLToPath(new URL('./probe.ts', import.meta.url))).href;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 60_000;
/** /proc/<pid>/stat counts CPU in clock ticks; Linux uses 100 per second. */
const CLOCK_TICKS_PER_S = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ServerProcess {
  private stderr = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ProbeReply) => void>();

  private constructor(private readonly child: ChildProcess, readonly port: number) {
    child.stderr?.on('data', (chunk) => { this.stderr = (this.stderr + String(chunk)).slice(-4000); });
    child.on('message', (reply: ProbeReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  /** `nodeFlags` go before the script (e.g. --cpu-prof when looking into a result). */
  static async start(db: { dataDir: string; databaseUrl: string | undefined }, nodeFlags: string[] = []): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [...nodeFlags, '--expose-gc', '--import', 'tsx', '--import', PROBE, 'server/main.ts'], {
      cwd: REPO,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const server = new ServerProcess(child, port);
    try {
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`server exited: ${server.stderr}`);
        if (await fetch(`${server.url}/healthz`).then((r) => r.ok, () => false)) return server;
        await sleep(100);
      }
      throw new Error(`server not healthy after ${START_TIMEOUT_MS} ms: ${server.stderr}`);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** User + system CPU time of the whole process so far, in milliseconds. */
  cpuMs(): number {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  }

  rssBytes(): number {
    const line = readFileSync(`/proc/${this.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
  }

  probe(request: Omit<ProbeRequest, 'id'> = {}): Promise<ProbeReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('probe did not answer'));
      }, PROBE_TIMEOUT_MS);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ ...request, id });
    });
  }

  /** Garbage-collects twice, lets the allocator settle, and reads RSS and heap. */
  async settledMemory(): Promise<{ rss: number; heap: number; external: number }> {
    await this.probe({ gc: true });
    await sleep(300);
    const reply = await this.probe({ gc: true });
    await sleep(200);
    return { rss: this.rssBytes(), heap: reply.heapUsed, external: reply.external };
  }

  /** SIGTERM (the server saves every room), SIGKILL if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
