/**
 * Appending a note to an existing container (`csftrace note`): the bytes to write after the file's
 * last valid frame are [NOTE][INDEX][trailer]; the new index repeats the chunk entries, so the file
 * opens through its index again. A damaged trace gets [NOTE] alone: it stays as damaged as it was.
 */
import { encodeNote, encodeTraceIndex, type NoteInit, type ChunkIndexEntryInit } from '../gen/schema.js';
import { FrameKind, type ByteSource } from './format.js';
import { openContainer } from './reader.js';
import { encodeFrame, encodeTrailer } from './writer.js';

export interface AppendPlan {
  /** Cut the file to this size first (drops an incomplete tail; equals the size when intact). */
  truncateTo: number;
  /** Then append these bytes. */
  bytes: Uint8Array;
  /** The trace is damaged: the note goes without a new index (it keeps opening as damaged). */
  damaged: boolean;
}

export function planAppendNote(src: ByteSource, note: NoteInit): AppendPlan {
  const oc = openContainer(src);
  const at = oc.dataEnd;
  const noteFrame = encodeFrame(FrameKind.NOTE, encodeNote, note);
  // A damaged trace gets the note alone, no index: a fresh index would make it open as intact. It
  // keeps opening by a scan of its frames (which finds the note) and keeps its notices.
  if (oc.notices.length > 0 || oc.gaps) return { truncateTo: at, bytes: noteFrame, damaged: true };
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
  return { truncateTo: at, bytes, damaged: false };
}
