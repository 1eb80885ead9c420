/**
 * Test harness: runs a command in a detached tmux session of a fixed size on its own socket
 * (-L), sends keys, and polls the captured pane until expected text appears (bounded waits, no
 * fixed sleeps). Used by the end-to-end tests of `csftrace replay`.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

let serial = 0;

export class Tmux {
  readonly socket: string;
  private alive = false;

  constructor(readonly width: number, readonly height: number, tag = 'tui') {
    this.socket = `csft-${tag}-${process.pid}-${Date.now().toString(36)}-${serial++}`;
  }

  private tmux(args: string[], opts: { allowFail?: boolean } = {}): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0 && !opts.allowFail) throw new Error(`tmux ${args.join(' ')}: ${r.stderr || r.status}`);
    return r.stdout ?? '';
  }

  /** Starts `command` (a shell command line) in a new detached session; env is passed through. */
  start(command: string, env: Record<string, string> = {}): void {
    const envs = Object.entries({ LANG: 'C.UTF-8', TERM: 'xterm-256color', ...env })
      .map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    // `remain-on-exit` keeps the pane after the program exits so its last screen and status can be read.
    this.tmux(['new-session', '-d', '-s', 'main', '-x', String(this.width), '-y', String(this.height),
      `env ${envs} ${command}; echo "[exit $?]"; sleep 30`]);
    this.alive = true;
    this.tmux(['set-option', '-t', 'main', 'status', 'off'], { allowFail: true });
    this.tmux(['resize-window', '-t', 'main', '-x', String(this.width), '-y', String(this.height)], { allowFail: true });
  }

  /** Sends keys as tmux key names ('Right', 'Enter', 'BSpace', 'PageDown') or literal text (literal = true). */
  send(keys: string | string[], literal = false): void {
    const list = Array.isArray(keys) ? keys : [keys];
    this.tmux(['send-keys', '-t', 'main', ...(literal ? ['-l'] : []), ...list]);
  }

  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', 'main', '-x', String(width), '-y', String(height)]);
  }

  capture(): string {
    return this.tmux(['capture-pane', '-p', '-t', 'main'], { allowFail: true });
  }

  /** The pane with the escape sequences of its colours and attributes (capture-pane -e). */
  captureEscapes(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', 'main'], { allowFail: true });
  }

  /** Polls the pane until `pred` holds (or text matches); throws with the last capture on timeout. */
  async waitFor(what: RegExp | string | ((screen: string) => boolean), timeoutMs = 30_000): Promise<string> {
    const pred = typeof what === 'function' ? what
      : typeof what === 'string' ? (s: string) => s.includes(what) : (s: string) => what.test(s);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let delay = 20;
    for (;;) {
      last = this.capture();
      if (pred(last)) return last;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(200, delay * 2);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; screen was:\n${last}`);
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    // the server's socket path, to remove the file the server leaves behind
    const path = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { encoding: 'utf8' });
    if (path.includes(this.socket)) rmSync(path, { force: true });
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The line of a capture that holds the current-event marker. */
export function currentRow(screen: string): string | undefined {
  return screen.split('\n').find((l) => /[│|][▶>]#\d+ /.test(l));
}

/** The current event index from the status bar ("#123/4567"). */
export function statusIndex(screen: string): number | undefined {
  const m = /^ #(\d+)\/\d+ /m.exec(screen);
  return m ? Number(m[1]) : undefined;
}
