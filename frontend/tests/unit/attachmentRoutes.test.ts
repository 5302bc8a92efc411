/** The attachment relay's own refusals: each a JSON error any origin can read, and none reaches Django. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { GET as file } from "../../app/api/chatkit/attachments/[token]/route";
import { POST as upload } from "../../app/api/chatkit/attachments/[token]/upload/route";
import { FakeBackend, SERVER_KEY } from "../support/fakeBackend";

const django = new FakeBackend();
const TOKEN = "atc_0123:1xW2jX:c2lnbmF0dXJl";
const context = (token: string) => ({ params: Promise.resolve({ token }) });

before(async () => {
  process.env.MERAK_BACKEND_URL = await django.listen();
  process.env.MERAK_SERVER_API_KEY = SERVER_KEY;
  process.env.MERAK_MAX_ATTACHMENT_BYTES = "1000";
});
after(async () => {
  delete process.env.MERAK_MAX_ATTACHMENT_BYTES;
  await django.close();
});

function uploadRequest(headers: Record<string, string>, body: BodyInit | null = "x") {
  return new Request(`http://127.0.0.1:3000/api/chatkit/attachments/${TOKEN}/upload`, {
    method: "POST",
    headers,
    body,
  });
}

async function assertRefused(response: Response, status: number, code: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, code);
  assert.deepEqual(django.seen, [], "Django never saw it");
}

test("a declared length over the attachment limit is a 413 before any byte is relayed", async () => {
  const response = await upload(
    uploadRequest({ "content-type": "multipart/form-data; boundary=b", "content-length": "2000000" }),
    context(TOKEN),
  );
  await assertRefused(response, 413, "attachment_too_large");
});

test("an upload without a length is a 411 (Django reads multipart bodies by their length)", async () => {
  const response = await upload(
    uploadRequest({ "content-type": "multipart/form-data; boundary=b" }, null),
    context(TOKEN),
  );
  await assertRefused(response, 411, "length_required");
});

test("a link that is no signed token is a 404 for files and uploads alike", async () => {
  const fileResponse = await file(
    new Request("http://127.0.0.1:3000/api/chatkit/attachments/x"),
    context("../../admin"),
  );
  await assertRefused(fileResponse, 404, "not_found");
  const uploadResponse = await upload(uploadRequest({ "content-length": "1" }), context("a/b"));
  await assertRefused(uploadResponse, 404, "not_found");
});
