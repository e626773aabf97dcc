// Runs against a live Ilios server started by tests/integration/test_ts_client.py:
//   ILIOS_TARGET            host:port of the gRPC server (no auth)
//   ILIOS_PDF               a 3-page PDF; ILIOS_EXPECTED a JSON list of its pages' Markdown
//   ILIOS_BATCH_ID          a batch submitted by the Python stub; ILIOS_BATCH_TOTAL its size
//   ILIOS_KEYED_TARGET      a server with API_KEY=ILIOS_KEYED_API_KEY
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BatchState,
  DocumentState,
  Engine,
  IliosClient,
  type ConvertResponse,
} from "../src/index.js";

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set (run via tests/integration/test_ts_client.py)`);
  return value;
}

test("convert streams each page of a 3-page PDF as its own message, in order", async () => {
  const client = new IliosClient({ target: env("ILIOS_TARGET"), timeoutMs: 120_000 });
  const expected: string[] = JSON.parse(readFileSync(env("ILIOS_EXPECTED"), "utf8"));
  const events: ConvertResponse[] = [];
  for await (const event of client.events(env("ILIOS_PDF"))) {
    events.push(event);
  }
  assert.deepEqual(
    events.map((e) => e.event.case),
    ["accepted", "page", "page", "page", "completed"],
  );
  const pages = events.flatMap((e) => (e.event.case === "page" ? [e.event.value] : []));
  assert.deepEqual(pages.map((p) => p.number), [1, 2, 3]);
  assert.deepEqual(pages.map((p) => p.markdown), expected);
  assert.ok(pages[0].markdown.startsWith("# Ilios Quarterly Report"));

  const [first, last] = [events[0].event, events[events.length - 1].event];
  assert.equal(first.case, "accepted");
  assert.equal(last.case, "completed");
  const done = last.value.document;
  assert.ok(done);
  assert.equal(done.id, first.value.id);
  assert.equal(done.state, DocumentState.COMPLETED);
  assert.equal(done.engine, Engine.LOCAL);
  assert.equal(done.pageCount, 3);
  assert.equal(done.mimeType, "application/pdf");
  assert.equal(done.fileName, "report.pdf");
});

test("the convert() wrapper yields Page messages", async () => {
  const client = new IliosClient({ target: env("ILIOS_TARGET"), timeoutMs: 120_000 });
  const expected: string[] = JSON.parse(readFileSync(env("ILIOS_EXPECTED"), "utf8"));
  const content = readFileSync(env("ILIOS_PDF"));
  const pages = [];
  for await (const page of client.convert({ content, fileName: "inline.pdf" })) {
    pages.push(page);
  }
  assert.deepEqual(pages.map((p) => [p.number, p.markdown]), expected.map((m, i) => [i + 1, m]));
});

test("batchStatus reads a batch submitted by the Python stub until it completes", async () => {
  const client = new IliosClient({ target: env("ILIOS_TARGET"), timeoutMs: 30_000 });
  const batchId = env("ILIOS_BATCH_ID");
  const total = Number(env("ILIOS_BATCH_TOTAL"));
  let batch = await client.batchStatus(batchId);
  assert.equal(batch.id, batchId);
  assert.equal(batch.priority, 7);
  assert.equal(batch.progress?.total, total);
  assert.ok(batch.createTime && batch.createTime.seconds > 0n);
  const deadline = Date.now() + 90_000;
  while (batch.state !== BatchState.COMPLETED) {
    assert.ok(Date.now() < deadline, `batch still ${BatchState[batch.state]} after 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    batch = await client.batchStatus(batchId);
  }
  assert.equal(batch.progress?.completed, total);
  assert.equal(batch.progress?.failed, 0);
});

test("batchStatus of an unknown batch fails with NOT_FOUND", async () => {
  const client = new IliosClient({ target: env("ILIOS_TARGET"), timeoutMs: 30_000 });
  await assert.rejects(client.batchStatus("no-such-batch"), (err: unknown) => {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.NotFound);
    return true;
  });
});

test("the apiKey option sends the bearer token; without it the call is refused", async () => {
  const target = env("ILIOS_KEYED_TARGET");
  const keyed = new IliosClient({ target, apiKey: env("ILIOS_KEYED_API_KEY"), timeoutMs: 30_000 });
  const { documents } = await keyed.conversion.listDocuments({ pageSize: 1 });
  assert.ok(Array.isArray(documents));
  const anonymous = new IliosClient({ target, timeoutMs: 30_000 });
  await assert.rejects(anonymous.conversion.listDocuments({ pageSize: 1 }), (err: unknown) => {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.Unauthenticated);
    return true;
  });
});
