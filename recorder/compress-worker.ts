/** The recorder's compression worker (one per offloaded recording): serves its tapes (tape-writer.ts). */
import { workerData } from 'node:worker_threads';
import { serveTapes } from './tape-writer.js';
import type { TapeWriterData } from './tape-ring.js';

serveTapes(workerData as TapeWriterData);
