/**
 * Debian's Chromium (driven by playwright-core) for the browser tests. OpenAI's
 * CDN is out of reach here, so requests for the ChatKit script get the stand-in
 * element in standInChatKit.js; the map site is stubbed; anything else but the
 * app under test is refused.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { type Browser, type BrowserContext, chromium } from "playwright-core";

import { DEFAULT_SCRIPT_URL } from "../../lib/server/config";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const STAND_IN = readFileSync(join(import.meta.dirname, "standInChatKit.js"), "utf8");

export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** A browser profile whose only ways out are our loopback servers; the CDN and the map site are stubbed (or refused). */
export async function newContext(
  browser: Browser,
  appUrl: string,
  cdn: "stand-in" | "unreachable",
  colorScheme: "light" | "dark" = "light",
): Promise<BrowserContext> {
  const context = await browser.newContext({ colorScheme });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url === DEFAULT_SCRIPT_URL && cdn === "stand-in") {
      return route.fulfill({ status: 200, contentType: "text/javascript", body: STAND_IN });
    }
    if (url.startsWith("https://www.openstreetmap.org/")) {
      return route.fulfill({ status: 200, contentType: "text/html", body: "<title>A map</title>" });
    }
    return url.startsWith(appUrl) ? route.continue() : route.abort("internetdisconnected");
  });
  return context;
}
