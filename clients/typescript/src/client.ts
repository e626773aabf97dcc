// A small typed wrapper over the generated Ilios stubs (src/gen, from proto/):
// gRPC over HTTP/2 with Connect's Node transport.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { type Client, type Interceptor, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  type Batch,
  ConversionService,
  type ConvertResponse,
} from "./gen/ilios/v1/conversion_service_pb.js";
import { Engine, type Page } from "./gen/ilios/v1/document_pb.js";
import { UsageService } from "./gen/ilios/v1/usage_service_pb.js";

/** Replies up to the server's 64 MiB (a document's Markdown); requests stop at its MAX_MESSAGE_SIZE (8 MiB). */
const MAX_MESSAGE_BYTES = 80 * 1024 * 1024;

export interface IliosClientOptions {
  /** The gRPC address: "host:port" or "http://host:port". */
  target: string;
  /** Sent as `authorization: Bearer <apiKey>` on every call (servers with API_KEY set). */
  apiKey?: string;
  /** Deadline of each call in milliseconds (none by default). */
  timeoutMs?: number;
}

/** A path to read, or bytes with the name the server should see. */
export type FileInput = string | { content: Uint8Array; fileName: string };

export interface ConvertOptions {
  engine?: Engine;
  /** Days to keep the original and the result; 0 means the server's default. */
  retentionDays?: number;
  signal?: AbortSignal;
}

export class IliosClient {
  /** The generated ConversionService client, for every other call. */
  readonly conversion: Client<typeof ConversionService>;
  /** The generated UsageService client. */
  readonly usage: Client<typeof UsageService>;

  constructor(options: IliosClientOptions) {
    const interceptors: Interceptor[] = [];
    const { apiKey } = options;
    if (apiKey) {
      interceptors.push((next) => (req) => {
        req.header.set("authorization", `Bearer ${apiKey}`);
        return next(req);
      });
    }
    const transport = createGrpcTransport({
      baseUrl: options.target.includes("://") ? options.target : `http://${options.target}`,
      interceptors,
      defaultTimeoutMs: options.timeoutMs,
      readMaxBytes: MAX_MESSAGE_BYTES,
      writeMaxBytes: MAX_MESSAGE_BYTES,
    });
    this.conversion = createClient(ConversionService, transport);
    this.usage = createClient(UsageService, transport);
  }

  /** Every Convert event as the server streams it: `accepted`, one `page` per page, `completed`. */
  async *events(file: FileInput, options: ConvertOptions = {}): AsyncIterable<ConvertResponse> {
    const { content, fileName } = typeof file === "string"
      ? { content: await readFile(file), fileName: basename(file) }
      : file;
    yield* this.conversion.convert(
      {
        file: { source: { case: "content", value: content }, fileName },
        engine: options.engine ?? Engine.UNSPECIFIED,
        retentionDays: options.retentionDays ?? 0,
      },
      { signal: options.signal },
    );
  }

  /** Converts a file; yields each page's Markdown as soon as it is converted, in page order. */
  async *convert(file: FileInput, options: ConvertOptions = {}): AsyncIterable<Page> {
    for await (const response of this.events(file, options)) {
      if (response.event.case === "page") {
        yield response.event.value;
      }
    }
  }

  /** The state and progress of a batch. */
  async batchStatus(batchId: string): Promise<Batch> {
    const { batch } = await this.conversion.getBatch({ batchId });
    if (!batch) {
      throw new Error(`GetBatch(${batchId}) returned no batch`);
    }
    return batch;
  }
}
