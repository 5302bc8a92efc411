/**
 * The real thing on loopback, for the end-to-end and browser tests: Django
 * (migrated on a temporary SQLite file, the offline planner, words 10 ms apart,
 * unless `extraDjangoEnv` says otherwise) and this app's production build under
 * `next start`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const FRONTEND = resolve(import.meta.dirname, "../..");
export const ROOT = resolve(FRONTEND, "..");
export const SERVER_KEY = "e2e-server-key-e2e-server-key";
export const SESSION_SECRET = "e2e-session-secret-e2e-session-secret";

export type Stack = {
  djangoUrl: string;
  nextUrl: string;
  /** Everything Django printed so far (its JSON request log among it). */
  djangoLog: () => string;
  stop: () => Promise<void>;
};

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((done) => server.once("listening", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((done) => setTimeout(done, 150));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms:\n${output()}`);
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string } {
  // Its own process group, so stopping it stops anything it started.
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((done) => child.once("exit", done));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startStack(
  extraNextEnv: Record<string, string> = {},
  extraDjangoEnv: Record<string, string> = {},
): Promise<Stack> {
  const python = process.env.MERAK_PYTHON ?? join(ROOT, ".venv/bin/python");
  if (!existsSync(python)) throw new Error(`No Python at ${python}: run scripts/bootstrap.sh (or set MERAK_PYTHON).`);
  if (!existsSync(join(FRONTEND, ".next/BUILD_ID"))) throw new Error("No production build: run `npm run build` first.");

  const dir = mkdtempSync(join(tmpdir(), "merak-e2e-"));
  const djangoEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite:///${join(dir, "db.sqlite3")}`,
    MEDIA_ROOT: join(dir, "media"),
    MERAK_SERVER_API_KEY: SERVER_KEY,
    OPENAI_API_KEY: "",
    OPENAI_BASE_URL: "",
    MERAK_OFFLINE_STREAM_DELAY_MS: "10",
    MERAK_RATE_LIMIT_REQUESTS: "10000",
    LOG_LEVEL: "INFO",
    LOG_FORMAT: "json",
    ...extraDjangoEnv,
  };
  const migrate = spawnSync(python, ["manage.py", "migrate", "--noinput"], {
    cwd: ROOT,
    env: djangoEnv,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrate failed:\n${migrate.stdout}${migrate.stderr}`);

  const [djangoPort, nextPort] = [await freePort(), await freePort()];
  // Attachment upload and preview URLs on this app's origin, relayed to Django (as scripts/dev.sh sets it).
  djangoEnv.MERAK_PUBLIC_URL = `http://127.0.0.1:${nextPort}/api`;
  const django = run(
    python,
    ["scripts/run_chatkit_server.py", "--host", "127.0.0.1", "--port", String(djangoPort), "--workers", "1"],
    ROOT,
    djangoEnv,
  );
  const djangoUrl = `http://127.0.0.1:${djangoPort}`;
  const next = run(
    process.execPath,
    [join(FRONTEND, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(nextPort)],
    FRONTEND,
    {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      MERAK_BACKEND_URL: djangoUrl,
      MERAK_SERVER_API_KEY: SERVER_KEY,
      MERAK_SESSION_SECRET: SESSION_SECRET,
      // Defaults, whatever the developer's shell has set.
      MERAK_SECURE_COOKIES: "",
      CHATKIT_DOMAIN_KEY: "",
      CHATKIT_SCRIPT_URL: "",
      ...extraNextEnv,
    },
  );
  const nextUrl = `http://127.0.0.1:${nextPort}`;
  const stop = async () => {
    await Promise.all([stopProcess(next.child), stopProcess(django.child)]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${djangoUrl}/healthz`, django.child, django.output);
    await waitFor(`${nextUrl}/`, next.child, next.output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { djangoUrl, nextUrl, djangoLog: django.output, stop };
}
