/**
 * Appending a note to an existing container (`csftrace note`): the bytes to write after the file's
 * last valid frame are [NOTE][INDEX][trailer]; the new index repeats the chunk entries, so the file
 * opens through its index again (a recovered recording becomes a closed one).
 */
import { encodeNote, encodeTraceIndex, type NoteInit, type ChunkIndexEntryInit } from '../gen/schema.js';
import { FrameKind, ContainerError, type ByteSource } from './format.js';
import { openContainer } from './reader.js';
import { encodeFrame, encodeTrailer } from './writer.js';

export interface AppendPlan {
  /** Cut the file to this size first (drops an incomplete tail; equals the size when intact). */
  truncateTo: number;
  /** Then append these bytes. */
  bytes: Uint8Array;
}

export function planAppendNote(src: ByteSource, note: NoteInit): AppendPlan {
  const oc = openContainer(src);
  if (oc.gaps) {
    throw new ContainerError('E_CORRUPT', 'the trace has corrupt chunks: notes can only be added to an intact trace (`csftrace info` lists the damage)');
  }
  const at = oc.dataEnd;
  const noteFrame = encodeFrame(FrameKind.NOTE, encodeNote, note);
  const indexOffset = at + noteFrame.length;
  const chunks: ChunkIndexEntryInit[] = oc.chunks.map((c) => ({
    offset: c.offset, firstEvent: c.firstEvent, eventCount: c.eventCount, firstTimeNs: c.firstTimeNs,
    lastTimeNs: c.lastTimeNs, compressedSize: c.compressedSize, rawSize: c.rawSize, familyCounts: c.familyCounts,
  }));
  const indexFrame = encodeFrame(FrameKind.INDEX, encodeTraceIndex, {
    chunks,
    eventCount: oc.eventCount,
    lastTimeNs: oc.lastTimeNs,
    familyCounts: oc.familyCounts,
    notesOffset: oc.notesOffset || at,
  });
  const trailer = encodeTrailer(indexOffset);
  const bytes = new Uint8Array(noteFrame.length + indexFrame.length + trailer.length);
  bytes.set(noteFrame, 0);
  bytes.set(indexFrame, noteFrame.length);
  bytes.set(trailer, noteFrame.length + indexFrame.length);
  return { truncateTo: at, bytes };
}
