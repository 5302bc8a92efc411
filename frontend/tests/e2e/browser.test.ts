/**
 * The page in Debian's Chromium (driven by playwright-core), against `next start`
 * and the real Django. OpenAI's CDN is out of reach here, so requests for the
 * ChatKit script get the stand-in element in tests/support/standInChatKit.js.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import type { Browser, BrowserContext, Page } from "playwright-core";

import { THREAD_KEY } from "../../lib/client/threadStorage";
import { newContext as browserContext, launchChromium } from "../support/browser";
import { type Stack, startStack } from "../support/stack";

const DOMAIN_KEY = "domain_pk_e2e_test";
const ONE_PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

let stack: Stack;
let browser: Browser;

before(async () => {
  stack = await startStack({ CHATKIT_DOMAIN_KEY: DOMAIN_KEY });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const newContext = (
  cdn: "stand-in" | "unreachable",
  colorScheme: "light" | "dark" = "light",
): Promise<BrowserContext> => browserContext(browser, stack.nextUrl, cdn, colorScheme);

const recorded = (page: Page) => page.evaluate(() => (window as any).__chatkit as { calls: any[]; errors: string[] });

test("the page gets a token, configures ChatKit with the proxy, and the streamed reply reaches it", async () => {
  const context = await newContext("stand-in");
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  const started = page.waitForResponse((r) => r.url().endsWith("/api/chatkit/start"));
  await page.goto(stack.nextUrl);

  const start = await started;
  assert.equal(start.status(), 200);
  assert.doesNotMatch(await start.text(), /mct_/, "the client secret never reaches the browser");
  const cookies = await context.cookies();
  const uid = cookies.find((c) => c.name === "merak_uid");
  const session = cookies.find((c) => c.name === "merak_session");
  assert.ok(uid?.httpOnly && uid.sameSite === "Lax");
  assert.ok(session?.httpOnly && session.sameSite === "Strict" && session.path === "/api/chatkit");
  assert.equal(await page.evaluate(() => document.cookie), "", "no cookie is readable by scripts");

  const reply = page.locator("#stand-in-reply[data-done=true]");
  await reply.waitFor({ timeout: 30_000 });
  const text = await reply.textContent();
  assert.match(text ?? "", /Offline planner[\s\S]*Lisbon/);

  // ChatKit has no place for usage: the line under it shows what the conversation used, from Django's records.
  const usageLine = page.locator(".chat-usage", { hasText: "This conversation" });
  await usageLine.waitFor({ timeout: 15_000 });
  const used =
    /^This conversation: 1 reply · [\d,]+ words in · [\d,]+ out · last reply [\d.]+ s \(offline planner: words, not tokens\)$/;
  assert.match((await usageLine.textContent()) ?? "", used);

  const { calls, errors } = await recorded(page);
  assert.deepEqual(errors, []);
  const options = calls[0];
  assert.deepEqual(options.api, {
    url: "/api/chatkit",
    domainKey: DOMAIN_KEY,
    fetch: "[function]",
    uploadStrategy: { type: "two_phase" },
  });
  assert.equal(options.composer.attachments.enabled, true);
  assert.equal(options.composer.attachments.maxSize, 10_000_000, "Django's default MERAK_MAX_ATTACHMENT_BYTES");
  assert.deepEqual(options.composer.attachments.accept["application/pdf"], [".pdf"]);
  assert.equal(options.initialThread, null);
  assert.equal(options.theme.colorScheme, "light");
  assert.ok(options.startScreen.prompts.length >= 3);
  assert.match(options.composer.placeholder, /go/);
  assert.equal(options.onClientTool, "[function]");
  // The composer offers what Django's responder offers: the offline planner, and the planner's modes.
  assert.deepEqual(options.composer.models, [{ id: "merak-offline-planner", label: "Offline planner", default: true }]);
  assert.equal(options.composer.dictation, undefined, "no transcription model offline: no microphone");
  // "@" tags places: the search goes to Django's gazetteer through the proxy; a hover shows the place's facts.
  assert.deepEqual(options.entities, {
    onTagSearch: "[function]",
    showComposerMenu: true,
    onClick: "[function]",
    onRequestPreview: "[function]",
  });
  const tagged = await page.evaluate(async () => {
    const entities = (window as any).__chatkit.options.entities;
    const [first] = await entities.onTagSearch("lisb");
    return { first, preview: await entities.onRequestPreview(first) };
  });
  assert.equal(tagged.first.title, "Lisbon, Portugal");
  assert.match(tagged.preview.preview.children[1].value, /^Portugal · population [\d,]+ · time zone Europe\/Lisbon$/);
  assert.deepEqual(
    options.composer.tools.map((tool: { id: string; icon: string }) => [tool.id, tool.icon]),
    [
      ["plan", "suitcase"],
      ["facts", "calendar"],
      ["map", "map-pin"],
    ],
  );

  const threadId = await page.evaluate((key) => localStorage.getItem(key), THREAD_KEY);
  assert.match(threadId ?? "", /^thr_/);

  // A reload reopens the remembered thread, which this browser may read through the proxy.
  await page.reload();
  const reopened = page.locator("#stand-in-reply[data-reopened]");
  await reopened.waitFor({ state: "attached", timeout: 15_000 });
  assert.equal(await reopened.getAttribute("data-reopened"), threadId);
  assert.ok(Number(await reopened.getAttribute("data-items")) >= 2);
  assert.equal((await recorded(page)).calls[0].initialThread, threadId);
  await usageLine.waitFor({ timeout: 15_000 });
  assert.match((await usageLine.textContent()) ?? "", used, "the reopened thread's usage is shown again");

  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("from the page, an image is registered with ChatKit's fetch, uploaded to its URL and shown from its preview", async () => {
  const context = await newContext("stand-in");
  const page = await context.newPage();
  await page.goto(stack.nextUrl);
  await page.locator("#stand-in-reply[data-done=true]").waitFor({ timeout: 30_000 });

  const shown = await page.evaluate(async (pngBase64) => {
    const png = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
    const { api } = (window as any).__chatkit.options;
    const params = { name: "dot.png", size: png.byteLength, mime_type: "image/png" };
    const created = await api.fetch(api.url, {
      method: "POST",
      body: JSON.stringify({ type: "attachments.create", params }),
    });
    const attachment = await created.json();
    const form = new FormData();
    form.append("file", new Blob([png], { type: "image/png" }), "dot.png");
    const uploaded = await fetch(attachment.upload_descriptor.url, { method: "POST", body: form });
    const img = Object.assign(document.createElement("img"), { src: attachment.preview_url });
    await img.decode();
    return {
      uploaded: uploaded.status,
      width: img.naturalWidth,
      upload: attachment.upload_descriptor.url,
      preview: attachment.preview_url,
    };
  }, ONE_PIXEL_PNG);

  assert.equal(shown.uploaded, 200);
  assert.equal(shown.width, 1, "the browser decoded the uploaded image from its preview URL");
  assert.ok(shown.upload.startsWith(`${stack.nextUrl}/api/chatkit/attachments/`), "uploads stay on this origin");
  assert.ok(shown.preview.startsWith(`${stack.nextUrl}/api/chatkit/attachments/`));
  await context.close();
});

/** Were its script ever run, it would tell three ways: a message to the page, a request, its title. */
const SVG_WITH_SCRIPT =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>' +
  'try { parent.postMessage("xss-ran", "*"); top.postMessage("xss-ran", "*") } catch (e) {}' +
  'document.title = "xss-ran"; fetch("/xss-ran").catch(() => {});' +
  '</script><rect width="10" height="10" fill="red"/></svg>';

test("an uploaded SVG opened from its link runs nothing on this origin, while a PNG still previews", async () => {
  const context = await newContext("stand-in");
  const markers: string[] = [];
  context.on("request", (request) => void (request.url().includes("xss-ran") && markers.push(request.url())));
  const page = await context.newPage();
  await page.goto(stack.nextUrl);
  await page.locator("#stand-in-reply[data-done=true]").waitFor({ timeout: 30_000 });

  const stored = await page.evaluate(
    async ({ svg, pngBase64 }) => {
      const { api } = (window as any).__chatkit.options;
      const svgBytes = new TextEncoder().encode(svg);
      const png = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
      // The SVG declared as what it is, and as a PNG: whatever gets stored must never run.
      const files: [string, string, Uint8Array<ArrayBuffer>][] = [
        ["map.svg", "image/svg+xml", svgBytes],
        ["map.png", "image/png", svgBytes],
        ["dot.png", "image/png", png],
      ];
      const [asSvg, asPng, dot] = await Promise.all(
        files.map(async ([name, type, bytes]) => {
          const params = { name, size: bytes.byteLength, mime_type: type };
          const created = await api.fetch(api.url, {
            method: "POST",
            body: JSON.stringify({ type: "attachments.create", params }),
          });
          const attachment = await created.json();
          if (!created.ok) {
            return { status: created.status as number, code: attachment.error.code as string, preview: null };
          }
          const form = new FormData();
          form.append("file", new Blob([bytes], { type }), name);
          const uploaded = await fetch(attachment.upload_descriptor.url, { method: "POST", body: form });
          return { status: uploaded.status, code: "", preview: attachment.preview_url as string | null };
        }),
      );
      return { asSvg: asSvg!, asPng: asPng!, png: dot! };
    },
    { svg: SVG_WITH_SCRIPT, pngBase64: ONE_PIXEL_PNG },
  );
  const links = [stored.asSvg.preview, stored.asPng.preview].filter((link): link is string => Boolean(link));
  assert.ok(links.length > 0 && links.every((link) => link.startsWith(`${stack.nextUrl}/api/chatkit/attachments/`)));

  // Embedded in this app's page every way a document can be, and opened on its own in a tab.
  await page.evaluate((urls) => {
    window.addEventListener("message", (event) => {
      const win = window as any;
      win.__messages ??= [];
      win.__messages.push(String(event.data));
    });
    for (const url of urls) {
      const frames = `<iframe src="${url}"></iframe><object data="${url}" type="image/svg+xml"></object><embed src="${url}" type="image/svg+xml">`;
      document.body.insertAdjacentHTML("beforeend", frames);
    }
  }, links);
  const tabs = await Promise.all(
    links.map(async (link) => {
      const tab = await context.newPage();
      await tab.goto(link).catch(() => null); // a download aborts the navigation
      return tab;
    }),
  );
  const served = await page.evaluate(async (url) => Object.fromEntries((await fetch(url)).headers), links[0]!);
  await page.waitForTimeout(1_500); // time for any script to run

  assert.deepEqual(markers, [], "no script in the SVG made a request");
  assert.deepEqual(await page.evaluate(() => (window as any).__messages ?? []), [], "nor posted a message");
  for (const tab of tabs) assert.notEqual(await tab.title(), "xss-ran", "nor ran in its own tab");
  assert.equal(served["content-type"], "application/octet-stream");
  assert.match(served["content-disposition"] ?? "", /^attachment;/);
  assert.equal(served["content-security-policy"], "default-src 'none'; sandbox");
  assert.equal(served["x-content-type-options"], "nosniff");
  assert.deepEqual([stored.asSvg.status, stored.asSvg.code], [400, "invalid_request"], "an SVG is not even taken");

  const pngTab = await context.newPage();
  const png = await pngTab.goto(stored.png.preview!);
  assert.equal(png?.headers()["content-type"], "image/png");
  assert.equal(png?.headers()["content-security-policy"], "default-src 'none'; sandbox");
  assert.equal(await pngTab.evaluate(() => document.images[0]?.naturalWidth), 1, "the PNG shows, on its own too");
  await context.close();
});

test("ChatKit's colours follow the system's colour scheme", async () => {
  const context = await newContext("stand-in", "dark");
  const page = await context.newPage();
  await page.goto(stack.nextUrl);
  await page.locator("#stand-in-reply").waitFor({ state: "attached" });
  assert.equal((await recorded(page)).calls.at(-1).theme.colorScheme, "dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.waitForFunction(() => (window as any).__chatkit.calls.at(-1).theme.colorScheme === "light");
  await context.close();
});

test("the agent's open_map client tool opens the map in a new tab and its answer goes back to the agent", async () => {
  const context = await newContext("stand-in");
  await context.addInitScript(() => ((window as any).__standInFollowUp = "Show it on a map"));
  const page = await context.newPage();
  const popup = context.waitForEvent("page", { timeout: 30_000 });
  await page.goto(stack.nextUrl);

  const map = await popup;
  assert.match(map.url(), /^https:\/\/www\.openstreetmap\.org\/\?mlat=38\.7\d*&mlon=-9\.1\d*/);
  const toolReply = page.locator("#stand-in-tool-reply[data-done=true]");
  await toolReply.waitFor({ state: "attached", timeout: 30_000 });
  const { toolCalls, errors } = (await page.evaluate(() => (window as any).__chatkit)) as {
    toolCalls: any[];
    errors: string[];
  };
  assert.deepEqual(errors, []);
  assert.equal(toolCalls.length, 1);
  assert.equal(toolCalls[0].name, "open_map");
  assert.deepEqual(toolCalls[0].result, { opened: true, url: map.url() });
  assert.match(
    (await toolReply.textContent()) ?? "",
    /opened[\s\S]*map/i,
    "the agent answered after the browser's result",
  );

  const unknown = await page.evaluate(() =>
    (window as any).__chatkit.options.onClientTool({ name: "no_such_tool", params: {} }),
  );
  assert.deepEqual(unknown, { error: "Unknown client tool: no_such_tool" });
  await context.close();
});

test("when the ChatKit script cannot load, the page says so", async () => {
  const context = await newContext("unreachable");
  const page = await context.newPage();
  await page.goto(stack.nextUrl);
  const notice = page.locator("main[role=alert]");
  await notice.waitFor({ timeout: 15_000 });
  assert.match((await notice.textContent()) ?? "", /could not be loaded[\s\S]*cdn\.platform\.openai\.com/);
  await context.close();
});
