import type { ReportFormat } from '../config/types.ts';
import { toOcsfEvents } from './ocsf.ts';
import { toHecBody } from './splunk.ts';
import type { NativeReport } from './types.ts';

/** The request body for a spooled report in the configured wire format (before gzip). */
export function encodeReport(r: NativeReport, format: ReportFormat): Buffer {
  switch (format) {
    case 'native':
      return Buffer.from(JSON.stringify(r));
    case 'ocsf':
      return Buffer.from(JSON.stringify(toOcsfEvents(r)));
    case 'splunk-hec':
      return Buffer.from(toHecBody(r));
  }
}
