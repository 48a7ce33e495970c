import { expect, it } from 'vitest';

/** How a suite reaches one file through a download route: the file's bytes and a request for them. */
export interface RangedDownload {
  /** The file the route serves. */
  content: Buffer;
  /** Sends a GET for the file with these extra headers. */
  fetch(headers?: Record<string, string>): Promise<Response>;
}

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/**
 * The HTTP range cases (RFC 9110) every artifact download route must pass, on any store: 206 with
 * `Content-Range` for one range in each spelling, 416 with `bytes *\/size` for a range past the end, and the
 * whole file with 200 for several ranges, a malformed header, another unit or an `If-Range`.
 * Example: `describe('proxy', () => rangedDownloadCases(() => ({ content, fetch: (h) => fetch(url, { headers: h }) })))`.
 */
export function rangedDownloadCases(route: () => RangedDownload): void {
  it('serves the whole file with 200 and Accept-Ranges: bytes without a Range header', async () => {
    const { content, fetch } = route();
    const response = await fetch();
    expect(response.status).toBe(200);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-range')).toBeNull();
    expect(response.headers.get('content-length')).toBe(String(content.length));
    expect((await bytesOf(response)).equals(content)).toBe(true);
  });

  it('answers bytes=a-b, bytes=a- and bytes=-n with 206, Content-Range and only those bytes', async () => {
    const { content, fetch } = route();
    const size = content.length;
    const cases: [string, number, number][] = [
      ['bytes=10-19', 10, 19],
      ['bytes=0-0', 0, 0],
      [`bytes=${size - 7}-`, size - 7, size - 1],
      ['bytes=-5', size - 5, size - 1],
      [`bytes=100-${size * 10}`, 100, size - 1],
      [`bytes=-${size * 2}`, 0, size - 1],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    ];
    for (const [header, start, end] of cases) {
      const response = await fetch({ range: header });
      expect(response.status, header).toBe(206);
      expect(response.headers.get('content-range'), header).toBe(`bytes ${start}-${end}/${size}`);
      expect(response.headers.get('content-length'), header).toBe(String(end - start + 1));
      expect(response.headers.get('accept-ranges'), header).toBe('bytes');
      expect(response.headers.get('content-type'), header).toBe('application/octet-stream');
      expect((await bytesOf(response)).equals(content.subarray(start, end + 1)), header).toBe(true);
    }
  });

  it('answers a range that starts at or past the end with 416 and Content-Range: bytes */size', async () => {
    const { content, fetch } = route();
    for (const header of [`bytes=${content.length}-`, `bytes=${content.length + 5}-${content.length + 9}`]) {
      const response = await fetch({ range: header });
      expect(response.status, header).toBe(416);
      expect(response.headers.get('content-range'), header).toBe(`bytes */${content.length}`);
      const body = (await response.json()) as { error_code: string; message: string };
      expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(body.message).toMatch(/not satisfiable/);
    }
  });

  it('serves the whole file with 200 for several ranges, a malformed header, another unit or If-Range', async () => {
    const { content, fetch } = route();
    const headers: Record<string, string>[] = [
      { range: 'bytes=0-1,5-6' },
      { range: 'bytes=abc' },
      { range: 'bytes=9-3' },
      { range: 'bytes=-0' },
      { range: 'items=0-1' },
      { range: 'bytes=0-3', 'if-range': '"some-etag"' },
    ];
    for (const h of headers) {
      const response = await fetch(h);
      expect(response.status, JSON.stringify(h)).toBe(200);
      expect(response.headers.get('content-range')).toBeNull();
      expect((await bytesOf(response)).equals(content), JSON.stringify(h)).toBe(true);
    }
  });
}
