// What both servers of the metadata service share: bounded request bodies, one way to
// answer, and HTTP servers that give up on slow or malformed clients instead of waiting.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";

export const TEXT = "text/plain; charset=us-ascii";
export const JSON_TYPE = "application/json";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The request body, at most `limit` bytes (413 beyond). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The request's path split into decoded segments (400 for a path that does not decode). */
export function pathSegments(url: string): string[] {
  const path = url.split("?")[0]!;
  try {
    return path.split("/").slice(1).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, "malformed path");
  }
}

/**
 * An HTTP/1.1 server for the service: a handler error is that request's answer, never the
 * service's end; headers and bodies come within bounded time and size.
 */
export function serviceServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, log: (req: IncomingMessage, status: number) => void): Server {
  const listener: RequestListener = (req, res) => {
    handle(req, res)
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (err instanceof HttpError) send(res, err.status, TEXT, `${err.message}\n`, err.headers);
        else send(res, 500, TEXT, "internal error\n");
      })
      .finally(() => log(req, res.statusCode));
  };
  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, listener);
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}
