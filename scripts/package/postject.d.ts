// postject ships no types; this is the part of its API (dist/api.js) the package script calls.
declare module 'postject' {
  export interface InjectOptions {
    machoSegmentName?: string;
    overwrite?: boolean;
    sentinelFuse?: string;
  }
  export function inject(filename: string, resourceName: string, resourceData: Buffer, options?: InjectOptions): Promise<void>;
}
