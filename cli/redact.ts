/**
 * Redaction of the bug bundle's texts (report.md, scenario.yaml, the bundled trace's header and
 * notes): absolute paths lose their directories (but /dev, /proc and /sys), the user name and the
 * host name of this machine (names of 3 characters or more) are replaced, and what was replaced is
 * noted so the report can say so.
 */
import { hostname, userInfo } from 'node:os';

export interface Redactor {
  (text: string): string;
  /** What was replaced so far, e.g. "the directories of 2 absolute paths (as <dir>), the user name (as <user>)"; empty: nothing. */
  summary(): string;
}

export interface RedactOptions { user?: string; host?: string; home?: string }

function escapeRegExp(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

/** Absolute paths: "/a/b…" or "C:\a\b…" at the start of a word; the last component is kept. */
const ABS_PATH = /(^|[\s"'`=(<[,:;])((?:\/[^\s"'`/<>|]+)+\/|[A-Za-z]:\\(?:[^\s"'`\\<>|]+\\)*)(?=[^\s"'`/\\<>|]*)/g;

/** Paths of every Linux machine (the model's /dev/dri/renderD128): nothing personal in them. */
const SYSTEM_DIRS = /^\/(dev|proc|sys)\//;

/** A redactor for this machine (or the names given, for tests). */
export function makeRedactor(o: RedactOptions = {}): Redactor {
  let user = o.user;
  if (user === undefined) {
    // System accounts (root, daemons below uid 1000) are on every machine: nothing personal, and
    // "root" is a word of the reports themselves ("root decision").
    try { const u = userInfo(); user = u.uid >= 0 && u.uid < 1000 ? undefined : u.username; } catch { user = process.env.USER === 'root' ? undefined : process.env.USER; }
  }
  const host = o.host ?? hostname();
  const found = { paths: new Set<string>(), user: false, host: false };
  // names shorter than 3 characters ("vm", "me") are words of the report itself, not secrets
  const word = (w: string | undefined): RegExp | undefined => (w && w.length >= 3 ? new RegExp(`(?<![\\w.-])${escapeRegExp(w)}(?![\\w-])`, 'g') : undefined);
  const userRe = word(user);
  const hostRe = word(host);
  const shortHost = host.includes('.') ? word(host.split('.')[0]) : undefined;
  const r = ((text: string): string => {
    let s = text.replace(ABS_PATH, (m: string, pre: string, dirs: string) => {
      if (SYSTEM_DIRS.test(dirs)) return m;
      found.paths.add(dirs);
      return `${pre}<dir>/`;
    });
    if (hostRe) s = s.replace(hostRe, () => { found.host = true; return '<host>'; });
    if (shortHost) s = s.replace(shortHost, () => { found.host = true; return '<host>'; });
    if (userRe) s = s.replace(userRe, () => { found.user = true; return '<user>'; });
    return s;
  }) as Redactor;
  r.summary = () => {
    const parts: string[] = [];
    const n = found.paths.size;
    if (n) parts.push(`the directories of ${n} absolute path${n === 1 ? '' : 's'} (as <dir>)`);
    if (found.user) parts.push('the user name (as <user>)');
    if (found.host) parts.push('the host name (as <host>)');
    return parts.join(', ');
  };
  return r;
}
