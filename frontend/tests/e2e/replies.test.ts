/**
 * Replies that outlive the page, in Chromium against `next start` and the real
 * Django, whose words model answers "say 300 words" with word1 … word300, a
 * word every 30 ms: a reload or a thread switch leaves the reply running and
 * the page brings itself up to date; the stop button stops it, partial text kept.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import type { Browser, BrowserContext, Page } from "playwright-core";

import { THREAD_KEY } from "../../lib/client/threadStorage";
import { launchChromium, newContext } from "../support/browser";
import { type Stack, startStack } from "../support/stack";

const WORDS = 300;
const PROMPT = `say ${WORDS} words`;

let stack: Stack;
let browser: Browser;

before(async () => {
  stack = await startStack(
    {},
    { MERAK_MODEL: "chatkit_app.testing.replies.WordsModel", MERAK_OFFLINE_STREAM_DELAY_MS: "30" },
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A page whose stand-in ChatKit starts a new thread with `prompt`; every stop it sends is kept in `cancels`. */
async function openChat(prompt = PROMPT): Promise<{ context: BrowserContext; page: Page; cancels: string[] }> {
  const context = await newContext(browser, stack.nextUrl, "stand-in");
  await context.addInitScript((text) => ((window as any).__standInPrompt = text), prompt);
  const cancels: string[] = [];
  context.on("request", (request) => void (request.url().endsWith("/cancel") && cancels.push(request.url())));
  const page = await context.newPage();
  await page.goto(stack.nextUrl);
  return { context, page, cancels };
}

/** How many words the stand-in shows, having checked they are word1 … wordN in order. */
async function wordsShown(page: Page): Promise<number> {
  const text = ((await page.locator("#stand-in-reply").textContent()) ?? "").trim();
  const words = text ? text.split(/\s+/) : [];
  for (const [i, word] of words.entries())
    assert.equal(word, `word${i + 1}`, `the reply shown is word1 … wordN: ${text}`);
  return words.length;
}

const waitForWords = (page: Page, count: number) =>
  page.waitForFunction(
    (n) => (document.querySelector("#stand-in-reply")?.textContent ?? "").includes(`word${n} `),
    count,
    { timeout: 30_000, polling: 20 },
  );

const openThread = (page: Page) => page.evaluate((key) => localStorage.getItem(key), THREAD_KEY) as Promise<string>;

/** `GET /api/chatkit/runs/<thread>` from the page, with its session. */
function running(page: Page, threadId: string): Promise<boolean> {
  return page.evaluate(async (id) => {
    const { api } = (window as any).__chatkit.options;
    const answer = await (await api.fetch(`/api/chatkit/runs/${id}`, { method: "GET" })).json();
    return answer.running as boolean;
  }, threadId);
}

/** The thread's assistant text as Django has it (`items.list` through ChatKit's fetch). */
function storedText(page: Page, threadId: string): Promise<string> {
  return page.evaluate(async (id) => {
    const { api } = (window as any).__chatkit.options;
    const body = JSON.stringify({ type: "items.list", params: { thread_id: id, order: "asc" } });
    const { data } = await (await api.fetch(api.url, { method: "POST", body })).json();
    return data
      .filter((item: any) => item.type === "assistant_message")
      .flatMap((item: any) => item.content.map((part: any) => part.text))
      .join("");
  }, threadId);
}

const allWords = Array.from({ length: WORDS }, (_, i) => `word${i + 1}`).join(" ");

test("a reload mid-reply leaves it running: the page shows it so far, follows it, and has it whole soon after its end", async () => {
  const { context, page, cancels } = await openChat();
  await waitForWords(page, 60);
  const earlier = await wordsShown(page);
  await page.waitForTimeout(1_500);
  const threadId = await openThread(page);
  const beforeReload = await wordsShown(page);

  await page.reload();
  await page.locator("#stand-in-reply[data-reopened]").waitFor({ state: "attached", timeout: 15_000 });
  const openedAt = Date.now();
  const reopened = await wordsShown(page);
  assert.ok(reopened > earlier, `reopened with the reply as stored, at most about a second behind: ${reopened} words`);
  assert.ok(reopened < WORDS && (await running(page, threadId)), "and it is still running");

  // Watch it with no user action: the words shown, and when Django says the reply has ended.
  const seen: Array<{ at: number; words: number }> = [{ at: openedAt, words: reopened }];
  let endedAt = 0;
  while (seen.at(-1)!.words < WORDS && Date.now() - openedAt < 30_000) {
    await page.waitForTimeout(100);
    if (!endedAt && !(await running(page, threadId))) endedAt = Date.now();
    const words = await wordsShown(page);
    if (words !== seen.at(-1)!.words) seen.push({ at: Date.now(), words });
  }
  const whole = seen.at(-1)!;
  console.log(
    `  ${earlier} words 1.5 s before the reload, ${beforeReload} at it, ${reopened} on reopening; then ` +
      `${seen.map((s) => `${s.words} at +${s.at - openedAt} ms`).join(", ")}; the reply ended at +${endedAt - openedAt} ms`,
  );
  assert.equal(whole.words, WORDS, "the whole reply, word300 last");
  assert.ok(endedAt > 0 && whole.at - endedAt <= 2_000, `whole ${whole.at - endedAt} ms after the reply ended`);
  const passed = seen.find((s) => s.words > beforeReload)!;
  assert.ok(passed.at - openedAt <= 3_000, "more than before the reload within a refresh of reopening");
  assert.ok(seen.filter((s) => s.words < WORDS).length >= 3, `it grew in steps while running: ${JSON.stringify(seen)}`);
  assert.deepEqual(cancels, [], "a reload is no stop");
  assert.equal(await storedText(page, threadId), allWords);
  await context.close();
});

test("the stop button stops the reply within a second; the partial reply stays, after a reload too", async () => {
  const { context, page, cancels } = await openChat();
  await waitForWords(page, 40);
  const threadId = await openThread(page);
  const clickedAt = Date.now();
  await page.click("#stand-in-stop");
  while (await running(page, threadId)) {
    assert.ok(Date.now() - clickedAt < 1_000, "the run ended within a second of the click");
    await page.waitForTimeout(25);
  }
  const stoppedIn = Date.now() - clickedAt;
  assert.ok(stoppedIn < 1_000, "the run ended within a second of the click");
  await page.locator("#stand-in-reply[data-stopped=true]").waitFor({ state: "attached" });
  const shown = await wordsShown(page);
  assert.ok(shown >= 40 && shown < WORDS, `the partial reply stays: ${shown} words`);
  console.log(`  stopped at ${shown} words; the runs route said it had ended ${stoppedIn} ms after the click`);
  assert.equal(cancels.length, 1, "one stop was sent");
  assert.ok(cancels[0]!.endsWith(`/api/chatkit/runs/${threadId}/cancel`));

  await page.reload();
  await page.locator("#stand-in-reply[data-reopened]").waitFor({ state: "attached", timeout: 15_000 });
  const stored = await wordsShown(page);
  assert.ok(stored >= shown && stored < WORDS, `reopened, the partial reply (${stored} words), not the whole`);
  await page.waitForTimeout(2_500);
  assert.equal(await wordsShown(page), stored, "and it does not grow: the reply is over");
  assert.equal(await running(page, threadId), false);
  assert.equal(cancels.length, 1);
  await context.close();
});

test("switching to another thread or a new chat mid-reply leaves it running; switching back catches up", async () => {
  const { context, page, cancels } = await openChat();
  await waitForWords(page, 40);
  const replying = await openThread(page);
  const other = await page.evaluate(async () => {
    const { api } = (window as any).__chatkit.options;
    const input = { content: [{ type: "input_text", text: "say 2 words" }], attachments: [], inference_options: {} };
    const response = await api.fetch(api.url, {
      method: "POST",
      body: JSON.stringify({ type: "threads.create", params: { input } }),
    });
    const stream = await response.text();
    return JSON.parse(stream.slice(stream.indexOf("{"), stream.indexOf("\n\n"))).thread.id as string;
  });
  const chatkit = page.locator("openai-chatkit");

  await chatkit.evaluate((element: any, id) => element.setThreadId(id), other);
  await page.waitForFunction(() => document.querySelector("#stand-in-reply")?.textContent === "word1 word2");
  await page.waitForTimeout(1_000);
  assert.equal(await running(page, replying), true, "another thread opened: the reply goes on");

  await chatkit.evaluate((element: any, id) => element.setThreadId(id), replying);
  await page.locator("#stand-in-reply[data-items]").waitFor({ state: "attached" });
  const back = await wordsShown(page);
  await page.waitForFunction(
    (n) => (document.querySelector("#stand-in-reply")?.textContent ?? "").includes(`word${n} `),
    back + 1,
    { timeout: 3_000, polling: 50 },
  );

  await chatkit.evaluate((element: any) => element.setThreadId(null));
  await page.waitForTimeout(1_000);
  assert.equal(await running(page, replying), true, "a new chat: the reply goes on");
  while (await running(page, replying)) await page.waitForTimeout(200);
  assert.equal(await storedText(page, replying), allWords, "and it ran to its end");
  assert.deepEqual(cancels, [], "no switch was taken for a stop");
  await context.close();
});
