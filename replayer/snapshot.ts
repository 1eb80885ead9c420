/**
 * State snapshots (StateSnapshot.state, encoding 1 = JSON UTF-8): the replayed state written at the
 * start of a trimmed trace, so its event 0 replays on top of everything that came before it.
 */
import type { StateSnapshot } from '../proto/index.js';
import type { ReplayState } from './state.js';

export const SNAPSHOT_ENCODING_JSON = 1;

export class SnapshotError extends Error {
  readonly userFacing = true;
  readonly code = 'E_SNAPSHOT';
  constructor(message: string) { super(message); this.name = 'SnapshotError'; }
}

/** Serialises a state for a StateSnapshot frame. */
export function encodeStateSnapshot(s: ReplayState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(s));
}

/** The state stored in a snapshot frame (as the state *before* event 0, index −1). */
export function decodeStateSnapshot(snap: StateSnapshot, where = 'trace'): ReplayState {
  if (snap.encoding !== SNAPSHOT_ENCODING_JSON) {
    throw new SnapshotError(`${where}: state snapshot encoding ${snap.encoding} is not supported (this build reads 1 = JSON)`);
  }
  let s: ReplayState;
  try {
    s = JSON.parse(new TextDecoder().decode(snap.state)) as ReplayState;
  } catch (e) {
    throw new SnapshotError(`${where}: state snapshot is not valid JSON (${(e as Error).message})`);
  }
  if (typeof s !== 'object' || s === null || typeof s.device !== 'object' || typeof s.groups !== 'object') {
    throw new SnapshotError(`${where}: state snapshot does not hold a replayer state`);
  }
  s.index = -1;
  return s;
}
