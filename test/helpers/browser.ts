import fs from 'node:fs';
import os from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Express } from 'express';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import request from 'supertest';
import { API_BASE, createApp } from '../../api/app';
import { apiDeps } from './api-deps';
import { projectRoot } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { ensureWebBuild, webDist } from '../../platform/web-build';
import type { Db } from '../../db/connection';
import { PASSWORD, USERS, signInAll, type Who } from './api-users';
import { createCatalogDatabase } from './db';
import { silentLog } from './plans';
import { temporalHarness, type TemporalHarness } from './temporal';
import { testNamespace, type TestNamespaceLabel } from '../setup/namespaces';

/**
 * The console in a real browser: the real express app (API and console) on a
 * local port, a real worker on a compressed clock, a fresh catalog database,
 * a user of every role, and Debian's chromium driven by playwright-core
 * (playwright's own browser download cannot work here).
 */
export const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'info', pretty: 'false', name: 'browser' });
export const SCREENSHOTS = path.join(projectRoot, 'test-output', 'screenshots');
/** Pages axe-core was loaded into: it stays in the document and runs on its own timers. */
const auditing = new WeakSet<Page>();
const AXE_SOURCE = fs.readFileSync(path.join(projectRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export type User = Exclude<Who, 'anonymous'>;

export interface ConsoleHarness {
  baseUrl: string;
  db: Db;
  temporal: TemporalHarness;
  app: Express;
  browser: Browser;
  /** API tokens, for set-up that is not a user's step. */
  tokens: Partial<Record<Who, string>>;
  /** What every page visited left behind: axe findings, uncaught page errors, untranslated codes. */
  findings: Findings;
  /** Department codes and the workflow's own words (states, rungs, cadences) as whole words: never for users' eyes. */
  codeWords: RegExp;
  /** A fresh browser (own storage, own session) for one user, signed in through /login (with the test users' password unless another is given). */
  signedIn(who: User, viewport?: Viewport, password?: string): Promise<Page>;
  /** A fresh browser, signed out. */
  anonymous(viewport?: Viewport): Promise<Page>;
  close(): Promise<void>;
}

export interface Viewport {
  width: number;
  height: number;
}
export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 390, height: 844 };

export interface Violation {
  page: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
  /** axe's own words on the first element: for colour contrast, the ratio and the two colours. */
  why: string;
}

export class Findings {
  readonly violations: Violation[] = [];
  readonly pageErrors: string[] = [];
  /** Codes and English words shown to users where their own words belong: the word and its line, then the pages showing it. */
  readonly untranslated = new Map<string, Set<string>>();
  /** Pages whose title chromium drew without a CJK font (tofu), with the fonts it used. */
  readonly tofu: string[] = [];

  untranslatedReport(): string[] {
    return [...this.untranslated].map(([what, pages]) => `${what} on ${[...pages].join(', ')}`);
  }
  readonly visited: string[] = [];

  /** The serious and critical axe findings, one readable line per rule and page. */
  report(): string {
    return this.violations.map((v) => `${v.page}: [${v.impact}] ${v.id}: ${v.help}\n    ${v.why.replace(/\s*\n\s*/g, ' ')}\n    ${v.targets.slice(0, 5).join('\n    ')}${v.targets.length > 5 ? `\n    ... ${v.targets.length - 5} more` : ''}`).join('\n');
  }
}

/** The console's build (rebuilt when missing or stale), the app on 127.0.0.1 and a headless chromium. */
export async function startConsole(label: TestNamespaceLabel, opts: { workingDayMs: number }): Promise<ConsoleHarness> {
  const dist = await privateBuild();
  const { db } = await createCatalogDatabase(label);
  const temporal = await temporalHarness(db, label, { workingDayMs: opts.workingDayMs });
  try {
    return await serve(label, opts, dist, db, temporal);
  } catch (err) {
    // A harness that failed half-way must not leave a worker running: jest would never exit.
    await temporal.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    fs.rmSync(dist, { recursive: true, force: true });
    throw err;
  }
}

async function serve(label: TestNamespaceLabel, opts: { workingDayMs: number }, dist: string, db: Db, temporal: TemporalHarness): Promise<ConsoleHarness> {
  const app = createApp({
    log: silentLog,
    readiness: { database: async () => void (await db.raw('select 1')) },
    api: await apiDeps(db, { client: temporal.client, taskQueue: temporal.taskQueue, workingDayMs: opts.workingDayMs }),
    // The test's dev server has no Web UI; the address is only shown as the operators' link.
    web: { dist, temporalUiUrl: 'http://127.0.0.1:8233', namespace: testNamespace(label) },
  });
  const tokens = await signInAll(app, db);
  const codeWords = codeWordsOf((await db('departments').pluck('code')) as string[]);
  const server = await listen(app);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] }).catch(async (err: Error) => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new Error(`chromium did not start (.ci/run installs Debian's chromium; CHROMIUM_PATH names another): ${err.message}`);
  });
  // This run's pages only: a screenshot left from an earlier run would show a page that may no longer exist.
  fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const findings = new Findings();
  const contexts: BrowserContext[] = [];

  const fresh = async (viewport: Viewport = DESKTOP) => {
    const context = await browser.newContext({ baseURL: baseUrl, viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => {
      // axe-core builds its messages with new Function, which the console's CSP (rightly) forbids: axe's error, not the
      // page's. The console's bundle has no eval at all (its own CSP would stop it), so nothing of the page is hidden.
      if (auditing.has(page) && /unsafe-eval/.test(err.message)) return;
      findings.pageErrors.push(`${page.url()}: ${err.message}`);
    });
    return page;
  };
  return {
    baseUrl,
    db,
    temporal,
    app,
    browser,
    tokens,
    findings,
    codeWords,
    anonymous: fresh,
    async signedIn(who, viewport, password) {
      const page = await fresh(viewport);
      await signIn(page, who, password);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.close();
      await db.destroy();
      fs.rmSync(dist, { recursive: true, force: true });
    },
  };
}

/** Words of the data and the workflow that the console must put in the users' words (labels.ts, department names). */
const ENGLISH_WORDS = [
  'unassigned', 'assigned', 'acknowledged', 'in_progress', 'completion_requested', 'completed', 'cancelled',
  'open', 'submitted', 'returned', 'accepted', 'closed',
  'cuiban', 'duban', 'leading-group', 'acknowledgement', 'report', 'final',
  'monthly', 'quarterly', 'half-yearly', 'yearly', 'weekly',
  'excellent', 'good', 'pass', 'fail', 'red', 'yellow', 'green',
  'secretariat', 'leadership', 'department', 'admin', 'null', 'undefined', 'NaN', 'Invalid Date', 'error',
];

function codeWordsOf(departmentCodes: string[]): RegExp {
  const words = [...departmentCodes, ...ENGLISH_WORDS].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![A-Za-z0-9_.@/-])(${words.join('|')})(?![A-Za-z0-9_@/-])`, 'i');
}

/**
 * A fresh build of the console, copied aside for this suite: web/dist is
 * shared with whoever else builds it on this machine (npm start, web:build,
 * another test run), and a rebuild empties it, which would turn pages served
 * mid-suite into 404s. A copy whose index.html names an asset it does not
 * hold was taken mid-build, and is taken again.
 */
async function privateBuild(): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const build = await ensureWebBuild(log);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-console-'));
    fs.cpSync(webDist, copy, { recursive: true });
    const index = path.join(copy, 'index.html');
    const assets = fs.existsSync(index) ? [...fs.readFileSync(index, 'utf8').matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!) : [];
    if (assets.length && assets.every((a) => fs.existsSync(path.join(copy, a)))) {
      log.info({ built: build.built, ms: build.ms, ...bundleSize(copy) }, 'console build ready');
      return copy;
    }
    fs.rmSync(copy, { recursive: true, force: true });
    if (attempt === 5) throw new Error('web/dist kept changing while it was copied: another build is running');
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** The console's weight as a browser fetches it: all of web/dist, and its JavaScript gzipped. */
export function bundleSize(dist = webDist): { distKB: number; jsKB: number; jsGzipKB: number } {
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const all = files(dist);
  const js = all.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(f));
  const kb = (n: number) => Math.round(n / 1024);
  return {
    distKB: kb(all.reduce((n, f) => n + fs.statSync(f).size, 0)),
    jsKB: kb(js.reduce((n, b) => n + b.length, 0)),
    jsGzipKB: kb(js.reduce((n, b) => n + zlib.gzipSync(b, { level: 9 }).length, 0)),
  };
}

function listen(app: Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
    server.on('error', reject);
  });
}

/**
 * Ant Design puts a space between the two characters of a two-character
 * button label (登录 shows as "登 录"), so a button is found by its
 * characters with optional white space between them.
 */
export function label(text: string): RegExp {
  const chars = [...text].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^\\s*${chars.join('\\s*')}\\s*$`);
}

export function button(scope: Page | Locator, text: string): Locator {
  return scope.getByRole('button', { name: label(text) });
}

/** Signs in through the sign-in page, as its user would, and waits for the role's home page. */
export async function signIn(page: Page, who: User, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('用户名').fill(USERS[who].username);
  await page.getByLabel('密码').fill(password);
  await button(page, '登录').click();
  await page.waitForURL((url) => url.pathname !== '/login', { timeout: 15_000 });
  await settle(page);
}

/**
 * Waits until the page has loaded its data (no request in flight, no spinner
 * or skeleton left) and stopped moving: a dialog still fading in would be
 * judged by axe in its half-transparent colours. Endless animations (a
 * badge's pulse) are not waited for.
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.locator('.ant-spin-spinning, .ant-skeleton-active, .ant-btn-loading').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
  // Ant Design's motions (a dialog zooming in, a message sliding down) mark their elements while they run.
  await page.locator('[class*="-appear-active"], [class*="-enter-active"], [class*="-leave-active"]').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
  // Polled with page.evaluate: waitForFunction compiles its predicate inside the page, which the console's CSP refuses.
  const still = () => page.evaluate('document.getAnimations().every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity)') as Promise<boolean>;
  for (const deadline = Date.now() + 5_000; Date.now() < deadline && !(await still().catch(() => true)); ) await page.waitForTimeout(50);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * axe-core on the page as it is. The source is evaluated rather than added as
 * a script tag: the app's Content-Security-Policy (helmet) rightly refuses
 * inline scripts, and the test should see the page under its real policy.
 */
export async function axe(page: Page, name: string): Promise<Violation[]> {
  auditing.add(page);
  const loaded = await page.evaluate('typeof window.axe !== "undefined"');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ page: name, id: v.id, impact: v.impact as string, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')), why: v.nodes[0]?.failureSummary ?? '' }));
}

/**
 * What every page visit ends with: the page settled; axe's serious and
 * critical findings, any code, English word, raw JSON or stack trace in its
 * text, and a title not drawn in a CJK font recorded; a screenshot saved.
 * Findings are collected (and asserted by the suite's last tests) so one
 * page's contrast problem does not hide whether the later steps work.
 */
export async function look(h: ConsoleHarness, page: Page, name: string): Promise<void> {
  // The pointer is left where the last click was; a control still hovered would be judged in its hover colours.
  await page.mouse.move(0, 0);
  await settle(page);
  const found = await axe(page, name);
  h.findings.violations.push(...found);
  h.findings.visited.push(name);
  for (const what of wordsOutOfPlace(await page.locator('body').innerText(), h.codeWords)) {
    h.findings.untranslated.set(what, (h.findings.untranslated.get(what) ?? new Set()).add(name));
  }
  if (await page.locator('h1, h2').count()) {
    const fonts = await platformFonts(page, 'h1, h2');
    if (!fonts.some((f) => CJK_FONT.test(f.familyName))) h.findings.tofu.push(`${name}: ${fonts.map((f) => f.familyName).join(', ') || 'no font'}`);
  }
  await screenshot(page, name);
  if (found.length) log.warn({ page: name, violations: found.map((v) => `${v.impact} ${v.id} (${v.targets.length})`) }, 'axe: serious or critical findings');
}

/** What a user should never read: the API's raw JSON, a stack trace, a code or English word where their own word belongs. */
function wordsOutOfPlace(text: string, codeWords: RegExp): string[] {
  const found: string[] = [];
  const raw = /"error"\s*:\s*\{|^\s*at \S+ \(.*:\d+:\d+\)/m.exec(text);
  if (raw) found.push(`raw JSON or stack trace: "${raw[0]}"`);
  for (const line of text.split('\n')) {
    const m = codeWords.exec(line);
    if (m) found.push(`"${m[1]}" in "${line.trim().slice(0, 120)}"`);
  }
  return found;
}

/** Font families with Chinese glyphs (fonts-noto-cjk's Noto Sans/Serif CJK, and the usual others). */
export const CJK_FONT = /CJK|Hei|Song|Kai|Ming|WenQuanYi|Fallback|PingFang|YaHei/i;

/**
 * The fonts chromium actually used for the text of the first element matching
 * `selector` (DevTools' CSS.getPlatformFontsForNode). Chinese text drawn from
 * a font without CJK glyphs is tofu; a CJK family here means real glyphs.
 */
export async function platformFonts(page: Page, selector: string): Promise<{ familyName: string; glyphCount: number }[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    if (!nodeId) throw new Error(`no element matches ${selector}`);
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => ({ familyName: f.familyName, glyphCount: f.glyphCount }));
  } finally {
    await cdp.detach();
  }
}

/** A sign-in through the API (not a user's step): to check which password a user's account takes; the answer, with its token on 200. */
export function apiSignIn(h: ConsoleHarness, who: User, password: string) {
  return request(h.app).post(`${API_BASE}/auth/login`).send({ username: USERS[who].username, password });
}

/** An API call for set-up that is not a user's step (the users' steps go through the console). */
export function apiAs(h: ConsoleHarness, who: User, method: 'get' | 'post', route: string) {
  return request(h.app)[method](`${API_BASE}${route}`).set('authorization', `Bearer ${h.tokens[who]}`);
}

/** An API call with a given bearer token: whether a session (say, one a password change should have ended) still works. */
export function apiWithToken(h: ConsoleHarness, token: string, method: 'get' | 'post', route: string) {
  return request(h.app)[method](`${API_BASE}${route}`).set('authorization', `Bearer ${token}`);
}
