/** A reopened thread whose reply still runs brings itself up to date: polled, refreshed, and refreshed at the end. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ReplyFollower } from "../../lib/client/replyFollower";
import { type RunStatus, RunsError } from "../../lib/client/runs";

const POLL_MS = 20;
const REFRESH_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Replies that run in the given threads until the given times; every status asked and refresh made, timed. */
function setUp(runningUntil: Record<string, number> = {}) {
  const asked: Array<{ threadId: string; at: number; running: boolean }> = [];
  const refreshes: number[] = [];
  let fail: ((threadId: string) => RunsError | null) | null = null;
  const follower = new ReplyFollower({
    status: async (threadId): Promise<RunStatus> => {
      const error = fail?.(threadId);
      if (error) throw error;
      const running = Date.now() < (runningUntil[threadId] ?? 0);
      asked.push({ threadId, at: Date.now(), running });
      return { thread_id: threadId, running, started_at: null };
    },
    refresh: () => void refreshes.push(Date.now()),
    pollMs: POLL_MS,
    refreshMs: REFRESH_MS,
  });
  const failWith = (f: typeof fail) => {
    fail = f;
  };
  return { follower, asked, refreshes, failWith };
}

test("a thread with no reply running is asked once and left alone", async () => {
  const { follower, asked, refreshes } = setUp();
  follower.open("thr_a");
  await sleep(POLL_MS * 5);
  assert.deepEqual(
    asked.map((a) => a.threadId),
    ["thr_a"],
  );
  assert.deepEqual(refreshes, [], "ChatKit has just loaded it whole");
});

test("while a reply runs: polled, refreshed every interval, and once more as soon as it has ended", async () => {
  const openedAt = Date.now();
  const endsAt = openedAt + 300;
  const { follower, asked, refreshes } = setUp({ thr_a: endsAt });
  follower.open("thr_a");
  await sleep(500);
  const ended = asked.find((a) => !a.running)!;
  assert.ok(ended.at - endsAt < POLL_MS * 5, "the end is seen within about a poll");
  assert.equal(asked.at(-1), ended, "no polling once it has ended");
  const last = refreshes.at(-1)!;
  assert.ok(last >= ended.at && last - ended.at < 20, "refreshed right as the end was seen");
  const during = refreshes.slice(0, -1);
  assert.ok(during[0]! - openedAt >= REFRESH_MS, "the first refresh a full interval after opening");
  assert.ok(during.length >= 2 && during.length <= 6, `about every ${REFRESH_MS} ms: ${during.length} refreshes`);
});

test("opening another thread or a new chat stops following the first", async () => {
  const { follower, asked } = setUp({ thr_a: Date.now() + 10_000, thr_b: Date.now() + 10_000 });
  follower.open("thr_a");
  await sleep(POLL_MS * 3);
  follower.open("thr_b");
  await sleep(POLL_MS * 3);
  const switchedAt = asked.findIndex((a) => a.threadId === "thr_b");
  assert.ok(switchedAt > 0);
  assert.ok(
    asked.slice(switchedAt).every((a) => a.threadId === "thr_b"),
    "thr_a is no longer asked",
  );
  follower.open(null);
  const count = asked.length;
  await sleep(POLL_MS * 3);
  assert.equal(asked.length, count, "a new chat has nothing to follow");
  follower.dispose();
});

test("this page's own stream pauses it; when the stream ends, the open thread is asked again", async () => {
  const { follower, asked } = setUp({ thr_a: Date.now() + 10_000 });
  follower.open("thr_a");
  await sleep(POLL_MS * 2);
  follower.streamStarted();
  const count = asked.length;
  await sleep(POLL_MS * 4);
  assert.ok(asked.length <= count + 1, "no polling while the page streams");
  follower.open("thr_a"); // ChatKit may say so again meanwhile
  await sleep(POLL_MS * 2);
  assert.ok(asked.length <= count + 1, "...even then");
  follower.streamEnded();
  await sleep(POLL_MS * 3);
  assert.ok(asked.length >= count + 2, "asked again after it (a 409 thread_busy, a stop under way)");
  follower.dispose();
  const final = asked.length;
  await sleep(POLL_MS * 3);
  assert.ok(asked.length <= final + 1, "nothing once disposed");
});

test("a thread that is not this browser's is dropped; failures in a row give up after a few", async () => {
  const { follower, asked, failWith } = setUp({ thr_a: Date.now() + 10_000 });
  let failures = 0;
  failWith(() => {
    failures += 1;
    return new RunsError("Thread not found.", 404);
  });
  follower.open("thr_gone");
  await sleep(POLL_MS * 4);
  assert.equal(failures, 1);

  failures = 0;
  failWith(() => {
    failures += 1;
    return new RunsError("The Merak backend could not be reached.", 502);
  });
  follower.open("thr_a");
  await sleep(POLL_MS * 10);
  assert.equal(failures, 5);
  assert.equal(asked.length, 0);
});
