/**
 * The writing side of an offloaded recording, in the recorder's compression worker or in a thread
 * the caller chose (RecorderOptions.startWriter): writes the preamble and the header, then takes
 * the recording thread's messages in order (tape-ring.ts): encodes each tape into chunks
 * (ChunkEncoder.addTape: the bytes of an in-thread recording), compresses them (lz4 HC), frames and
 * writes them one after the other; at `finish` the index, the trailer and an fsync. An error is
 * reported once (S_STATUS FAILED and a message); later messages are then only counted.
 */
import { ChunkEncoder, FrameSealer } from '../proto/index.js';
import { errnoOf, syncOutput, writeFully } from './output.js';
import {
  DONE, FAILED, S_CHUNKS, S_FREED, S_STARTED, S_STATUS, sharedViews, slotTapes,
  type TapeWriterData, type FromWriter, type ToWriter,
} from './tape-ring.js';

/**
 * Serves one recording from this thread's event loop (which must not block). The port closes when
 * the recording is done; after an error the recording thread closes it once it has read why.
 */
export function serveTapes(d: TapeWriterData): void {
  const { state, bytes } = sharedViews(d.shared);
  const tapes = slotTapes(d.ring);

  const end = (status: number): void => {
    Atomics.store(state, S_STATUS, status);
    Atomics.notify(state, S_STATUS);
    Atomics.notify(state, S_FREED);
  };
  const fail = (e: unknown): void => {
    d.port.postMessage({ error: errnoOf(e) } satisfies FromWriter);
    end(FAILED);
  };

  let enc: ChunkEncoder | undefined;
  let sealer: FrameSealer | undefined;
  try {
    const s = sealer = new FrameSealer(d.header, {
      compression: d.compression,
      write: (b) => {
        writeFully(d.fd, b);
        bytes[0]! += b.length; // a view of one word
      },
    });
    enc = new ChunkEncoder({
      chunkEvents: d.chunkEvents,
      onChunk: (raw, entry) => {
        s.sealChunk(raw, entry);
        Atomics.add(state, S_CHUNKS, 1);
      },
    });
  } catch (e) {
    fail(e);
  }
  Atomics.store(state, S_STARTED, 1);
  Atomics.notify(state, S_FREED);

  d.port.on('message', (m: ToWriter) => {
    try {
      if (enc === undefined || sealer === undefined || Atomics.load(state, S_STATUS) !== 0) return;
      if (m.kind === 'tape') {
        const tape = tapes[m.slot];
        if (tape === undefined) throw new Error(`tape slot ${m.slot}: invariant broken (slots are 0..${tapes.length - 1})`);
        enc.addTape(tape, 0, m.words);
        if (m.flush) enc.flush();
      } else if (m.kind === 'own') {
        enc.addTape(m.tape, 0, m.words);
      } else if (m.kind === 'finish') {
        enc.flush();
        if (enc.eventCount !== m.events) throw new Error(`the tapes held ${enc.eventCount} events, the recording ${m.events}`);
        sealer.finish(enc.eventCount, enc.lastTimeNs);
        syncOutput(d.fd);
        end(DONE);
        d.port.close();
      } else {
        end(DONE);
        d.port.close();
      }
    } catch (e) {
      fail(e);
    } finally {
      if (m.kind === 'tape') {
        Atomics.add(state, S_FREED, 1);
        Atomics.notify(state, S_FREED);
      }
    }
  });
}
