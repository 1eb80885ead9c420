/**
 * Appending a note to an existing container (`csftrace note`): the bytes to write after the file's
 * last valid frame are [NOTE][INDEX][trailer]; the new index repeats the chunk entries, so the file
 * opens through its index again. A damaged trace gets [NOTE] alone: it stays as damaged as it was.
 */
import {
  encodeNote, encodeStateSnapshot, encodeTraceHeader, encodeTraceIndex,
  type ChunkIndexEntryInit, type Note, type NoteInit, type TraceHeader,
} from '../gen/schema.js';
import { ContainerError, FRAME_HEADER_SIZE, FrameKind, getU32, type ByteSource } from './format.js';
import { openContainer } from './reader.js';
import { encodeFrame, encodePreamble, encodeTrailer } from './writer.js';

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

/**
 * The container again with its header and notes passed through `edit` (the bug bundle's redaction):
 * preamble, the edited header, the snapshot, every chunk frame as it was, the edited notes (header
 * notes stay in the header), a fresh index and trailer. Only for an intact trace (a rewritten
 * damaged one would look intact).
 */
export function rewriteTexts(src: ByteSource, edit: { header(h: TraceHeader): TraceHeader; note(n: Note): Note }): Uint8Array {
  const oc = openContainer(src);
  if (oc.gaps || oc.notices.length) {
    throw new ContainerError('E_CORRUPT', `the trace is damaged (${oc.notices[0] ?? 'lost chunks'}): its texts are not rewritten`);
  }
  const preamble = encodePreamble();
  const header = encodeFrame(FrameKind.HEADER, encodeTraceHeader, edit.header(oc.header));
  const parts: Uint8Array[] = [preamble, header];
  let pos = preamble.length + header.length;
  if (oc.snapshot) {
    const f = encodeFrame(FrameKind.SNAPSHOT, encodeStateSnapshot, oc.snapshot);
    parts.push(f);
    pos += f.length;
  }
  const chunks: ChunkIndexEntryInit[] = [];
  for (const c of oc.chunks) {
    const frame = src.read(c.offset, FRAME_HEADER_SIZE + getU32(src.read(c.offset + 1, 4), 0));
    chunks.push({
      offset: pos, firstEvent: c.firstEvent, eventCount: c.eventCount, firstTimeNs: c.firstTimeNs, lastTimeNs: c.lastTimeNs,
      compressedSize: c.compressedSize, rawSize: c.rawSize, familyCounts: c.familyCounts,
    });
    parts.push(frame);
    pos += frame.length;
  }
  const notesOffset = oc.notes.length ? pos : 0;
  for (const n of oc.notes) {
    const f = encodeFrame(FrameKind.NOTE, encodeNote, edit.note(n));
    parts.push(f);
    pos += f.length;
  }
  parts.push(encodeFrame(FrameKind.INDEX, encodeTraceIndex, {
    chunks, eventCount: oc.eventCount, lastTimeNs: oc.lastTimeNs, familyCounts: oc.familyCounts, notesOffset,
  }), encodeTrailer(pos));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
