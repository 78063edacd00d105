import { describe, expect, it } from 'vitest';
import {
  formatBootstrap,
  formatBootstrapDate,
  formatBootstrapJob,
  type BootstrapJob,
} from '../../src/catalog/bootstrap-writer.js';
import { parseBsr } from '../../src/volume/bsr.js';
import { baculaBootstrap } from '../support/catalog-fixtures.js';

const span: BootstrapJob = {
  job: 'job-span.2026-11-23_00.08.04_12',
  level: 'F',
  time: 1795392487,
  volumes: [
    {
      volumeName: 'Vol-span-1',
      mediaType: 'File',
      volSessionId: 7,
      volSessionTime: 1795392249,
      startAddress: 215,
      endAddress: 193750,
      firstIndex: 1,
      lastIndex: 3,
    },
    {
      volumeName: 'Vol-span-2',
      mediaType: 'File',
      volSessionId: 7,
      volSessionTime: 1795392249,
      startAddress: 215,
      endAddress: 238432,
      firstIndex: 3,
      lastIndex: 16,
    },
  ],
};

describe('bootstrap writer', () => {
  it("writes the Director's text for the span job (job-span.bsr)", () => {
    expect(formatBootstrapJob(span)).toBe(baculaBootstrap('job-span.bsr'));
  });

  it('dates the comment like the Director (UTC)', () => {
    expect(formatBootstrapDate(1795392263)).toBe('23-Nov-2026 00:04:23');
    expect(formatBootstrapDate(0)).toBe('01-Jan-1970 00:00:00');
  });

  it('names levels, and leaves the date out when the job has none', () => {
    const text = formatBootstrapJob({ ...span, level: 'I', time: undefined });
    expect(text.split('\n')[0]).toBe('# job-span.2026-11-23_00.08.04_12 - Incremental');
  });

  it('reads back with the bootstrap parser: volumes, sessions, addresses, FileIndex ranges; quotes escaped', () => {
    const odd: BootstrapJob = {
      ...span,
      volumes: [{ ...span.volumes[0]!, volumeName: 'Vol "odd" \\ name', firstIndex: 5, lastIndex: 5 }],
    };
    const bsr = parseBsr(formatBootstrap([span, odd]));
    expect(
      bsr.entries.map((e) => [
        e.volumes,
        e.mediaType,
        e.volSessionIds,
        e.volSessionTimes,
        e.volAddrs,
        e.fileIndexes,
      ]),
    ).toEqual([
      [
        ['Vol-span-1'],
        'File',
        [{ from: 7, to: 7 }],
        [1795392249],
        [{ from: 215, to: 193750 }],
        [{ from: 1, to: 3 }],
      ],
      [
        ['Vol-span-2'],
        'File',
        [{ from: 7, to: 7 }],
        [1795392249],
        [{ from: 215, to: 238432 }],
        [{ from: 3, to: 16 }],
      ],
      [
        ['Vol "odd" \\ name'],
        'File',
        [{ from: 7, to: 7 }],
        [1795392249],
        [{ from: 215, to: 193750 }],
        [{ from: 5, to: 5 }],
      ],
    ]);
  });
});
