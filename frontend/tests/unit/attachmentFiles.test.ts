/**
 * What the file relay hands on from Django: files are served from this app's
 * origin, so whatever Django sends (an older Django, a misconfigured one),
 * nothing relayed may run here. Only a raster image is shown inline; every
 * file answer forbids scripts and sniffing.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { GET as file } from "../../app/api/chatkit/attachments/[token]/route";
import { FakeBackend, json, SERVER_KEY } from "../support/fakeBackend";

const django = new FakeBackend();
const TOKEN = "atc_0123:1xW2jX:c2lnbmF0dXJl";
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>parent.postMessage("xss-ran", "*")</script></svg>';
const PNG_START = Buffer.from("89504e470d0a1a0a", "hex");
const SANDBOX = "default-src 'none'; sandbox";

before(async () => {
  process.env.MERAK_BACKEND_URL = await django.listen();
  process.env.MERAK_SERVER_API_KEY = SERVER_KEY;
});
after(async () => {
  await django.close();
});

/** Django answers the file with these headers and body. */
function djangoServes(headers: Record<string, string>, body: string | Buffer): void {
  django.attachments = (_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  };
}

const fetchFile = () =>
  file(new Request(`http://127.0.0.1:3000/api/chatkit/attachments/${TOKEN}`), {
    params: Promise.resolve({ token: TOKEN }),
  });

function assertLockedDown(response: Response): void {
  assert.equal(response.headers.get("content-security-policy"), SANDBOX);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
}

test("an SVG Django serves inline is relayed as a locked-down download, its name kept", async () => {
  djangoServes({ "Content-Type": "image/svg+xml", "Content-Disposition": 'inline; filename="map.svg"' }, SVG);

  const response = await fetchFile();

  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/octet-stream");
  assert.equal(response.headers.get("content-disposition"), 'attachment; filename="map.svg"');
  assertLockedDown(response);
  assert.equal(await response.text(), SVG, "the bytes themselves are untouched");
});

test("HTML declared as a PNG with parameters, or with no type at all, is a download too", async () => {
  for (const type of ["image/png, text/html", "text/html; charset=utf-8", ""]) {
    djangoServes(type ? { "Content-Type": type } : {}, "<script>parent.postMessage('xss-ran', '*')</script>");

    const response = await fetchFile();

    assert.equal(response.headers.get("content-type"), "application/octet-stream", type);
    assert.equal(response.headers.get("content-disposition"), "attachment", type);
    assertLockedDown(response);
    await response.arrayBuffer();
  }
});

test("a raster image is relayed inline as Django typed it, locked down as well", async () => {
  djangoServes({ "Content-Type": "image/png", "Content-Disposition": 'inline; filename="dot.png"' }, PNG_START);

  const response = await fetchFile();

  assert.equal(response.headers.get("content-type"), "image/png");
  assert.equal(response.headers.get("content-disposition"), 'inline; filename="dot.png"');
  assertLockedDown(response);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG_START);
});

test("Django's JSON error is relayed as JSON, with its status", async () => {
  django.attachments = (_req, res) =>
    json(res, 404, { error: { code: "not_found", message: "Attachment not found." } });

  const response = await fetchFile();

  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, "not_found");
});
