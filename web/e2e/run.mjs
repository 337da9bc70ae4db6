// End-to-end tests of the web inbox in headless Chromium (Debian's `chromium`, driven by
// playwright-core), against the real local runner with demo data:
//
//   node e2e/run.mjs /path/to/target/debug/inbox
//
// Starts `inbox serve --demo` on a free loopback port with a temporary data dir and the built
// page (web/dist; run `npm run build` first), runs the issue's steps in order as one user story
// (each step is a test; a failed step skips the ones that depend on it), saves a screenshot of
// each step under test-artifacts/e2e/, prints the gzipped JS size and the time from navigation
// to the first feed, and ends with "e2e: N passed, N failed". Exit code 1 on any failure.
//
// The last step signs in through an OpenID Connect provider, as a deployment does: the page's
// `/config.json` (served to that browser context with `page.route`; the runner has none) names
// a fake provider on another free loopback port (authorization code with PKCE: it checks the
// S256 challenge against the verifier, and issues an ID token the runner accepts, signed with
// its HS256 secret the way `inbox mint-token` signs).
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_ARTIFACTS (default
// <repo>/test-artifacts/e2e), E2E_KEEP_SERVER_LOG=1 to print the runner's log at the end.

import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const repo = resolve(webDir, '..');
const dist = join(webDir, 'dist');
const artifacts = process.env.E2E_ARTIFACTS ?? join(repo, 'test-artifacts', 'e2e');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const inbox = process.argv[2];

const FB_PAGE = '104857600000001';
const POST = '122100000000000001';
const SAM_COMMENT = '1900000000000003';
const REPLY_TEXT = 'Sorry about that, Sam: a replacement is on its way today.';
const SEARCH = '"order 1234" -refund';

function fail(msg) {
  console.error(`e2e: ${msg}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
if (!inbox || !existsSync(inbox)) fail(`usage: node e2e/run.mjs <inbox binary> (got ${inbox ?? 'nothing'})`);
if (!existsSync(join(dist, 'index.html'))) fail(`${dist} has no index.html: run npm run build first`);
if (!existsSync(chromiumPath)) fail(`${chromiumPath} is missing: apt-get install chromium (scripts/e2e.sh does)`);

// ---------------------------------------------------------------------------------------
// A tiny runner: steps in order, a failure skips the rest.

const results = [];
const metrics = {};
let stopped = false;

async function step(name, f) {
  if (stopped) {
    results.push({ name, state: 'skipped' });
    console.log(`  - ${name} (skipped: an earlier step failed)`);
    return;
  }
  const t0 = Date.now();
  try {
    await f();
    results.push({ name, state: 'passed' });
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, state: 'failed', error: e });
    stopped = true;
    console.log(`  ✗ ${name}\n    ${String(e && e.stack ? e.stack : e).split('\n').join('\n    ')}`);
    // What the page and the runner looked like when it failed, to tell a bug from a flake.
    try {
      await page.screenshot({ path: join(artifacts, 'FAILED.png'), fullPage: true });
      console.log(`    page at failure: ${join(artifacts, 'FAILED.png')}; rows: ${JSON.stringify(await rowIds())}`);
    } catch {
      /* no page yet */
    }
    console.log(`    runner log (last 40 lines):\n      ${serverLog.trim().split('\n').slice(-40).join('\n      ')}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function assertEqual(a, b, msg) {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa !== sb) throw new Error(`${msg}\n      expected ${sb}\n      got      ${sa}`);
}

async function waitFor(what, f, timeout = 15000, every = 100) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// ---------------------------------------------------------------------------------------
// The runner under test.

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'inbox-e2e-'));
const dataDir = join(work, 'data');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let serverLog = '';
const server = spawn(inbox, ['--data-dir', dataDir, 'serve', '--demo', '--addr', `127.0.0.1:${port}`, '--web-dir', dist], {
  cwd: repo,
  env: { ...process.env, INBOX_LOG: process.env.INBOX_LOG ?? 'warn' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stdout.on('data', (d) => (serverLog += d));
server.stderr.on('data', (d) => (serverLog += d));
let serverExited = false;
server.on('exit', () => (serverExited = true));

let browser;
let idpServer;
async function cleanup() {
  try {
    await browser?.close();
  } catch {
    // Already closed, or crashed: nothing left to close.
  }
  idpServer?.close();
  if (!serverExited) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), new Promise((r) => setTimeout(r, 10000))]);
    if (!serverExited) server.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

try {
  await waitFor('the runner to seed the demo and be ready', () => {
    if (serverExited) throw new Error(`the runner exited:\n${serverLog}`);
    return serverLog.includes('press Ctrl-C to stop');
  }, 120000, 200);
} catch (e) {
  await cleanup();
  fail(e.message);
}
const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));

async function api(path, token, init = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return body;
}
const devToken = async (user) => (await api('/api/dev/token', null, { method: 'POST', body: JSON.stringify({ user_id: user }) })).token;

/** Posts a webhook signed the way Meta or X sign it. */
async function webhook(network, body) {
  const raw = JSON.stringify(body);
  const headers =
    network === 'meta'
      ? { 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secrets.meta_app_secret).update(raw).digest('hex') }
      : { 'x-twitter-webhooks-signature': 'sha256=' + createHmac('sha256', secrets.x_consumer_secret).update(raw).digest('base64') };
  const res = await fetch(`${base}/webhooks/${network}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  assert(res.status === 200, `webhook answered ${res.status}: ${await res.text()}`);
}

/** The search rule, written again here so that the UI is checked against an independent oracle. */
function tokens(text) {
  return text
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((t) => t.toLowerCase());
}
function containsPhrase(hay, words) {
  outer: for (let i = 0; i + words.length <= hay.length; i++) {
    for (let j = 0; j < words.length; j++) if (hay[i + j] !== words[j]) continue outer;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// A fake OpenID Connect provider (the Cognito hosted UI's part in a deployment): a sign-in
// page at /oauth2/authorize, the code exchange at /oauth2/token (PKCE S256 checked), /logout.

const b64url = (b) => Buffer.from(b).toString('base64url');
/** An HS256 JWT, as the runner's `inbox mint-token` makes them (claims `sub`, `account_id`). */
function mintToken(claims, secret) {
  const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

const IDP_CLIENT = 'e2e-web-inbox';
const idp = { base: '', users: [], requests: new Map(), codes: new Map(), authorizations: [], exchanges: [], issued: [], logouts: [] };

function startIdp(port) {
  const readBody = (req) => new Promise((res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => res(b));
  });
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  idpServer = createHttpServer(async (req, res) => {
    const url = new URL(req.url, idp.base);
    const send = (status, body, headers = {}) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    const cors = { 'access-control-allow-origin': base, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' };
    const json = (status, body) => send(status, JSON.stringify(body), { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors });
    try {
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
        const q = Object.fromEntries(url.searchParams);
        idp.authorizations.push(q);
        const problems = [];
        if (q.response_type !== 'code') problems.push(`response_type ${q.response_type}`);
        if (q.client_id !== IDP_CLIENT) problems.push(`client_id ${q.client_id}`);
        if (q.redirect_uri !== `${base}/`) problems.push(`redirect_uri ${q.redirect_uri}`);
        if (q.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge ?? '')) problems.push('no S256 code challenge');
        if (!q.state) problems.push('no state');
        if (!(q.scope ?? '').split(' ').includes('openid')) problems.push(`scope ${q.scope}`);
        if (problems.length) return send(400, `bad authorization request: ${problems.join(', ')}`, { 'content-type': 'text/plain' });
        const id = b64url(randomBytes(12));
        idp.requests.set(id, q);
        return send(200, `<!doctype html><html lang="en"><meta charset="utf-8"><title>Demo identity provider</title>
<style>body{font:16px system-ui;max-width:24rem;margin:4rem auto}label,input,button{display:block;margin:.5rem 0}input,button{font:inherit;padding:.4rem}</style>
<h1>Demo identity provider</h1><p>Sign in to <strong>${esc(q.client_id)}</strong></p>
<form method="post" action="/login"><input type="hidden" name="request" value="${esc(id)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username">
<button type="submit">Sign in</button></form>`, { 'content-type': 'text/html; charset=utf-8' });
      }
      if (req.method === 'POST' && url.pathname === '/login') {
        const form = new URLSearchParams(await readBody(req));
        const q = idp.requests.get(form.get('request'));
        idp.requests.delete(form.get('request'));
        const user = idp.users.find((u) => u.email === form.get('email'));
        if (!q || !user) return send(400, 'unknown sign-in request or user', { 'content-type': 'text/plain' });
        const code = b64url(randomBytes(16));
        idp.codes.set(code, { challenge: q.code_challenge, nonce: q.nonce, redirectUri: q.redirect_uri, clientId: q.client_id, user, at: Date.now() });
        const back = new URL(q.redirect_uri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.state);
        return send(302, '', { location: back.toString() });
      }
      if (req.method === 'OPTIONS' && url.pathname === '/oauth2/token') return send(204, '', cors);
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
        const grant = idp.codes.get(form.code);
        idp.codes.delete(form.code); // a code is used once, whatever happens
        const verified = !!grant && !!form.code_verifier && createHash('sha256').update(form.code_verifier).digest('base64url') === grant.challenge;
        idp.exchanges.push({ ...form, origin: req.headers.origin ?? null, verified });
        if (form.grant_type !== 'authorization_code' || !grant) return json(400, { error: 'invalid_grant', error_description: 'unknown or used code' });
        if (form.client_id !== grant.clientId || form.redirect_uri !== grant.redirectUri) return json(400, { error: 'invalid_grant', error_description: 'client or redirect_uri differ' });
        if (!verified) return json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        const now = Math.floor(Date.now() / 1000);
        const idToken = mintToken({ sub: grant.user.id, account_id: grant.user.account_id, email: grant.user.email, nonce: grant.nonce, iat: now, exp: now + 3600 }, secrets.jwt_secret);
        idp.issued.push(idToken);
        return json(200, { id_token: idToken, access_token: b64url(randomBytes(24)), token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.method === 'GET' && url.pathname === '/logout') {
        idp.logouts.push(Object.fromEntries(url.searchParams));
        return send(302, '', { location: url.searchParams.get('logout_uri') ?? idp.base });
      }
      send(404, 'not found', { 'content-type': 'text/plain' });
    } catch (e) {
      send(500, String(e), { 'content-type': 'text/plain' });
    }
  });
  return new Promise((res) => idpServer.listen(port, '127.0.0.1', res));
}

// ---------------------------------------------------------------------------------------
// The browser.

mkdirSync(artifacts, { recursive: true });
for (const f of readdirSync(artifacts)) if (f.endsWith('.png')) rmSync(join(artifacts, f));
browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const shot = async (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: false });

const alice = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await alice.newPage();
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));

const rows = (p = page) => p.locator('ul.feed > li > button.row');
const rowIds = async (p = page) => rows(p).evaluateAll((els) => els.map((e) => e.dataset.id));
const row = (id, p = page) => p.locator(`button.row[data-id="${id}"]`);
const feedReady = (p = page) => p.waitForFunction(() => !document.querySelector('.feed[aria-busy="true"], .feed-empty[aria-busy="true"]') && (document.querySelector('ul.feed') || document.querySelector('.feed-empty')));
const tabButton = (name, p = page) => p.getByRole('tab', { name, exact: true });
const aliceToken = () => page.evaluate(() => JSON.parse(localStorage.getItem('inbox.session')).token);

let sam; // the conversation the story follows
const ALICE = 'usr_demo_alice';
const BOB = 'usr_demo_bob';

console.log(`e2e: web inbox at ${base} (Chromium ${browser.version()})`);

await step('sign in: the sign-in screen lists the demo users and signs in as Alice', async () => {
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Sign in to the social inbox' }).waitFor();
  await page.locator('.user-choice').first().waitFor();
  const names = await page.locator('.user-choice .user-name').allTextContents();
  assertEqual(names, ['Alice Martin', 'Bob Stone', 'Carol Diaz'], 'the demo users on the sign-in screen');
  await shot(page, '01-sign-in');
  await page.getByRole('button', { name: /Alice Martin/ }).click();
  await tabButton('Inbox').waitFor();
  assert((await tabButton('Inbox').getAttribute('aria-selected')) === 'true', 'the Inbox tab is selected after sign-in');
  assertEqual(
    await page.getByRole('tab').allTextContents(),
    ['Inbox', 'Assigned to me', 'Assigned to any'],
    'the default tabs',
  );
  await feedReady();
});

await step('the Inbox tab lists exactly the unassigned open conversations, newest activity first', async () => {
  const token = await aliceToken();
  // Compared until both agree: the runner's pollers may add conversations meanwhile.
  let expected = [];
  await waitFor('the feed to show what the API lists', async () => {
    expected = (await api('/api/conversations?status=open&assignee=none&limit=100', token)).conversations;
    return JSON.stringify(await rowIds()) === JSON.stringify(expected.map((c) => c.id));
  }, 15000, 300);
  assert(expected.length >= 5, `the demo has unassigned open conversations (got ${expected.length})`);
  // Newest received first (product.md: by when the inbox received it, not the network's time).
  const times = expected.map((c) => c.received_at);
  assertEqual(times, [...times].sort((a, b) => Date.parse(b) - Date.parse(a)), 'newest activity first'); // by time: "…59Z" is older than "…59.460Z"
  assert((await page.locator('.row .assignee:not(.none)').count()) === 0, 'no row shows an assignee');
  assert((await page.locator('.row .badge', { hasText: 'Closed' }).count()) === 0, 'no row is closed');
  assert((await page.locator('.row.unseen').count()) === expected.length, 'all are unseen at first');
  sam = expected.find((c) => c.author.name === 'Sam Rivers' && c.network === 'facebook');
  assert(sam, 'Sam Rivers’s Facebook comment is in the Inbox');
  assert((await page.locator('.row .badge-sponsored').count()) === expected.filter((c) => c.sponsored).length, 'sponsored badges');
  await shot(page, '02-inbox-tab');
});

await step('navigation to the first feed rendered (performance mark), bundle size', async () => {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(base + '/');
    const t = await page.waitForFunction(() => performance.getEntriesByName('inbox:first-feed')[0]?.startTime, null, { timeout: 15000 });
    samples.push(await t.jsonValue());
  }
  samples.sort((a, b) => a - b);
  metrics.firstFeedMs = samples;
  const js = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
  metrics.jsGzipBytes = js.reduce((n, f) => n + gzipSync(readFileSync(join(dist, 'assets', f)), { level: 9 }).length, 0);
  console.log(`    navigation → first feed: median ${samples[2].toFixed(0)} ms (runs: ${samples.map((s) => s.toFixed(0)).join(', ')} ms)`);
  console.log(`    JavaScript: ${(metrics.jsGzipBytes / 1024).toFixed(1)} KB gzipped (${js.length} file${js.length > 1 ? 's' : ''})`);
  assert(samples[2] <= 500, `navigation → first feed median ${samples[2]} ms is over the 500 ms target`);
  assert(metrics.jsGzipBytes <= 150 * 1024, 'the JavaScript is over 150 KB gzipped');
  await feedReady();
});

await step('opening a conversation marks it seen: its row is greyed', async () => {
  const r = row(sam.id);
  await r.waitFor();
  assert((await r.getAttribute('data-seen')) === 'false', 'unseen before opening');
  const unseenBg = await r.evaluate((e) => getComputedStyle(e).backgroundColor);
  await r.click();
  await page.getByRole('heading', { name: /Sam Rivers/ }).waitFor();
  await page.locator('.msg.in', { hasText: 'arrived damaged' }).waitFor();
  // The post the comment is on, read from the (simulated) Graph API by the server.
  const post = page.getByRole('region', { name: 'Original post' });
  await post.locator('.post-text', { hasText: 'Trailblazer tent is back in stock' }).waitFor();
  const link = await post.getByRole('link', { name: 'View on Facebook' }).getAttribute('href');
  assert(link === 'https://www.facebook.com/104857600000001/posts/122100000000000001', `the post links to Facebook (${link})`);
  await shot(page, '03a-original-post');
  await waitFor('the row to be marked seen', async () => (await r.getAttribute('data-seen')) === 'true');
  // Greyed when not the open one: move the selection away and compare.
  await page.keyboard.press('Escape');
  await waitFor('the conversation to close', async () => (await page.locator('.conversation').count()) === 0);
  const seenBg = await r.evaluate((e) => getComputedStyle(e).backgroundColor);
  const color = await r.evaluate((e) => getComputedStyle(e).color);
  assert(seenBg !== unseenBg, `a seen row looks different (${seenBg} vs ${unseenBg})`);
  assert(color === 'rgb(75, 85, 99)', `a seen row's text is grey (${color})`);
  const token = await aliceToken();
  const fresh = await api(`/api/conversations/${sam.id}`, token);
  assert(fresh.seen === true, 'the server has it seen for Alice');
  const bob = await api(`/api/conversations/${sam.id}`, await devToken(BOB));
  assert(bob.seen === false, 'still unseen for Bob');
  await shot(page, '03-opened-is-greyed');
});

await step('replying assigns it to me and moves it to "Assigned to me"', async () => {
  await row(sam.id).click();
  await page.getByRole('heading', { name: /Sam Rivers/ }).waitFor();
  await page.keyboard.press('r'); // the reply shortcut focuses the reply box
  await waitFor('the reply box to have focus', () => page.evaluate(() => document.activeElement?.id === 'reply-input'));
  await page.keyboard.type(REPLY_TEXT);
  await page.getByRole('button', { name: 'Send reply' }).click();
  // The runner's outbound worker settles the item: `failed` with a reason when it has no client
  // for the network, `sent` when it has one (a real network or the simulator).
  const outcome = page.locator('.composer .error, .composer .ok');
  await outcome.first().waitFor({ timeout: 30000 });
  const state = await page.locator('.msg.out').last().getAttribute('data-state');
  if (state === 'failed') {
    const msg = await page.locator('.composer .error').textContent();
    assert(/did not go out: .+\. The text is still here/.test(msg), `the failure reason is shown: ${msg}`);
    const reason = await page.locator('.msg.out[data-state="failed"] .failure').last().textContent();
    assert(msg.includes(reason.replace(/^Not sent: /, '')), `the box says the item's reason (${reason})`);
    assertEqual(await page.locator('#reply-input').inputValue(), REPLY_TEXT, 'the typed text is kept');
    console.log(`    the reply failed as this runner has no network client: ${reason}`);
  } else {
    assertEqual(state, 'sent', 'the reply is sent or failed');
    assertEqual(await page.locator('#reply-input').inputValue(), '', 'a sent reply leaves the box');
    console.log('    the reply was sent (this runner has a network client)');
  }
  await page.locator('.conv-assignee', { hasText: 'Assigned to You' }).waitFor();
  await shot(page, '04-reply-outcome');
  await waitFor('it to leave the Inbox feed', async () => !(await rowIds()).includes(sam.id));
  await tabButton('Assigned to me').click();
  await feedReady();
  await waitFor('it to be in "Assigned to me"', async () => (await rowIds()).includes(sam.id));
  const c = await api(`/api/conversations/${sam.id}`, await aliceToken());
  assert(c.assignee_id === ALICE, 'assigned to Alice on the server');
  await shot(page, '05-assigned-to-me');
});

await step('a reply the network refuses shows why, in words, and keeps the typed text', async () => {
  // A Page connected with a token that may read but not write (the simulator's `read-only`
  // token passes the ownership check, then Meta's permission error refuses every send).
  const token = await aliceToken();
  const pageId = '555000000000778';
  await api('/api/profiles', token, { method: 'POST', body: JSON.stringify({
    network: 'facebook', external_id: pageId, name: 'Read-only Page', access_token: `sim-token:facebook:${pageId}:read-only`,
  }) });
  const at = Math.floor(Date.now() / 1000);
  await webhook('meta', {
    object: 'page',
    entry: [{ id: pageId, time: at + 1, changes: [{ field: 'feed', value: {
      from: { id: '26100000000000042', name: 'Nora Field' },
      post: { status_type: 'added_photos', is_published: true, promotion_status: 'inactive', id: `${pageId}_1` },
      message: 'Is the shop on the new page open on Sundays?', post_id: `${pageId}_1`, comment_id: '1_1900000000000777',
      created_time: at, item: 'comment', parent_id: `${pageId}_1`, verb: 'add',
    } }] }],
  });
  const text = 'Yes, from 10 to 4 on Sundays.';
  await page.goto(base + '/');
  await tabButton('Inbox').click();
  const nora = page.locator('button.row', { hasText: 'open on Sundays' });
  await waitFor('the new comment in the Inbox', () => nora.count(), 20000);
  await nora.click();
  await page.getByRole('heading', { name: /Nora Field/ }).waitFor();
  await page.locator('#reply-input').fill(text);
  await page.getByRole('button', { name: 'Send reply' }).click();
  const alert = page.locator('.composer .error');
  await alert.waitFor({ timeout: 30000 });
  const msg = await alert.textContent();
  const reason = (await page.locator('.msg.out[data-state="failed"] .failure').last().textContent()).replace(/^Not sent: /, '');
  assert(/did not go out: .+\. The text is still here to try again\./.test(msg), `the box says what went wrong: ${msg}`);
  assert(reason.length > 10 && msg.includes(reason), `the reason is the item's, in words: ${reason}`);
  assertEqual(await page.locator('#reply-input').inputValue(), text, 'the typed text is kept');
  assert((await page.locator('.thread .msg').last().getAttribute('class')).includes('out'), 'our reply comes after the comment it answers');
  assert(!(await page.getByRole('button', { name: 'Send reply' }).isDisabled()), 'it can be sent again');
  console.log(`    not sent: ${reason}`);
  await shot(page, '05b-failed-send-keeps-text');
});

await step('a saved reply: saved from the reply box, found with / and a word, filled in for the conversation', async () => {
  await tabButton('Assigned to me').click();
  await feedReady();
  await row(sam.id).click();
  await page.getByRole('heading', { name: /Sam Rivers/ }).waitFor();
  const box = page.locator('#reply-input');
  const form = page.getByRole('form', { name: 'Reply' });
  await box.fill('Thanks {first_name}, {agent_first_name} here: your tent ships Monday.');
  await form.getByRole('button', { name: 'Save as a saved reply' }).click();
  await form.getByLabel('Title of the saved reply').fill('Tent shipping');
  await form.getByRole('button', { name: 'Save reply' }).click();
  await form.getByText(/Saved as “Tent shipping”/).waitFor();
  await box.fill('');
  await box.pressSequentially('/tent');
  await page.getByRole('listbox', { name: 'Saved replies' }).getByRole('option', { name: /Tent shipping/ }).waitFor();
  await shot(page, '05b-saved-reply-found');
  await page.keyboard.press('Enter');
  assertEqual(await box.inputValue(), 'Thanks Sam, Alice here: your tent ships Monday.', 'filled in for Sam, by Alice');
  const saved = await api('/api/saved-replies?q=tent', await aliceToken());
  assertEqual(saved.saved_replies.map((r) => r.title), ['Tent shipping'], 'kept for the account');
  await box.fill('');
});

await step('closing removes it from the feed', async () => {
  await tabButton('Assigned to me').click();
  await feedReady();
  await row(sam.id).click();
  await page.getByRole('heading', { name: /Sam Rivers/ }).waitFor();
  await waitFor('it to be in the feed', async () => (await rowIds()).includes(sam.id));
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await waitFor('it to leave the feed', async () => !(await rowIds()).includes(sam.id));
  await page.locator('.status-closed').waitFor();
  const c = await api(`/api/conversations/${sam.id}`, await aliceToken());
  assert(c.status === 'closed', 'closed on the server');
  await shot(page, '06-closed-gone-from-feed');
  await page.keyboard.press('Escape');
});

await step('a new webhook for it reopens it: at the top, unseen, without a reload', async () => {
  await page.evaluate(() => (window.__sameDocument = true));
  // Webhook times are whole seconds: start a new second, so that this comment is newer than
  // the one the refused-reply step sent (whose conversation is assigned to Alice too) and not
  // tied with it, which would leave the order to the conversation ids.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
  const at = Math.floor(Date.now() / 1000);
  const postId = `${FB_PAGE}_${POST}`;
  await webhook('meta', {
    object: 'page',
    entry: [{ id: FB_PAGE, time: at + 1, changes: [{ field: 'feed', value: {
      from: { id: '26100000000000003', name: 'Sam Rivers' },
      post: { status_type: 'added_photos', is_published: true, promotion_status: 'inactive', id: postId },
      message: 'Any news on the replacement? Still waiting.', post_id: postId, comment_id: `${POST}_1900000000000099`,
      created_time: at, item: 'comment', parent_id: `${POST}_${SAM_COMMENT}`, verb: 'add',
    } }] }],
  });
  await waitFor('it at the top of "Assigned to me"', async () => (await rowIds())[0] === sam.id, 20000);
  assert((await row(sam.id).getAttribute('data-seen')) === 'false', 'it is unseen again');
  assert(await page.evaluate(() => window.__sameDocument === true), 'the page was not reloaded');
  assert((await row(sam.id).textContent()).includes('Any news on the replacement'), 'the row shows the new message');
  await shot(page, '07-reopened-top-unseen');
});

await step('a saved tab with "exact phrase" -word shows exactly the matching conversations', async () => {
  await page.getByRole('button', { name: 'New tab' }).click();
  await page.getByLabel('New tab name').fill('Order 1234');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await waitFor('the new tab to be selected', async () => (await tabButton('Order 1234').getAttribute('aria-selected')) === 'true');
  await waitFor('the form to close', async () => (await page.getByLabel('New tab name').count()) === 0);
  await page.keyboard.press('/');
  await waitFor('the search box to have focus', () => page.evaluate(() => document.activeElement?.id === 'search-input'));
  await page.keyboard.type(SEARCH);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitFor('the tab to be saved', async () => await page.getByRole('button', { name: 'Save', exact: true }).isDisabled());
  // Saved: it survives a new visit.
  await page.goto(base + '/');
  await tabButton('Order 1234').click();
  await feedReady();
  assertEqual(await page.locator('#search-input').inputValue(), SEARCH, 'the saved query is back on a new visit');
  // The oracle: every open conversation's text, matched here.
  const token = await aliceToken();
  const open = (await api('/api/conversations?status=open&limit=100', token)).conversations;
  const expected = [];
  let excluded = 0;
  for (const c of open) {
    const d = await api(`/api/conversations/${c.id}`, token);
    const toks = tokens(d.items.filter((i) => !i.deleted).map((i) => i.text).join(' \n '));
    if (containsPhrase(toks, ['order', '1234'])) {
      if (toks.includes('refund')) excluded++;
      else expected.push(c.id);
    }
  }
  assert(expected.length >= 2, `the demo has conversations with the phrase and without the word (got ${expected.length})`);
  assert(excluded >= 2, `and some with both, which the exclusion removes (got ${excluded})`);
  await waitFor('the tab to show them', async () => (await rowIds()).length === expected.length);
  assertEqual([...(await rowIds())].sort(), [...expected].sort(), 'the saved tab shows exactly the matching conversations');
  const tabs = (await api('/api/tabs', token)).tabs;
  assert(tabs.some((t) => t.name === 'Order 1234' && t.query === SEARCH), 'the query is saved in the tab');
  await shot(page, '08-saved-search-tab');
});

await step('filters apply at once, and without Save they reset on the next visit', async () => {
  const token = await aliceToken();
  const all = (await api('/api/conversations?status=open&assignee=none&limit=100', token)).conversations;
  const onX = new Set((await api('/api/conversations?status=open&assignee=none&network=twitter&limit=100', token)).conversations.map((c) => c.id));
  assert(onX.size >= 1 && all.some((c) => !onX.has(c.id)), 'the Inbox has X conversations and others');
  await tabButton('Inbox').click();
  await feedReady();
  const saved = await page.getByRole('button', { name: /^Filters/ }).textContent();
  await page.getByRole('button', { name: /^Filters/ }).click();
  await page.locator('#filters-panel').getByLabel('X', { exact: true }).check();
  assert((await page.getByRole('button', { name: /^Filters/ }).textContent()) !== saved, 'one more filter is active');
  await waitFor('the feed to show X only', async () => {
    const ids = await rowIds();
    return ids.length > 0 && ids.every((id) => onX.has(id));
  });
  assert(!(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()), 'a changed filter can be saved');
  await shot(page, '08b-filtered-unsaved');
  // Not saved: a new visit shows the tab as it was saved.
  await page.goto(base + '/');
  await tabButton('Inbox').click();
  await feedReady();
  await waitFor('the unfiltered feed', async () => (await rowIds()).some((id) => !onX.has(id)));
  assertEqual(await page.getByRole('button', { name: /^Filters/ }).textContent(), saved, 'only the saved filters are active');
  assert(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled(), 'nothing to save');
});

await step('a note mentioning another user gives that user a notification', async () => {
  const bobToken = await devToken(BOB);
  const before = (await api('/api/notifications', bobToken)).notifications.filter((n) => !n.read).length;
  await tabButton('Assigned to me').click();
  await feedReady();
  await row(sam.id).click();
  await page.getByRole('heading', { name: /Sam Rivers/ }).waitFor();
  const note = page.locator('#note-input');
  await note.click();
  await page.keyboard.type('@bo');
  await page.getByRole('listbox', { name: 'Teammates' }).getByRole('option', { name: /Bob Stone/ }).waitFor();
  await shot(page, '09-mention-completion');
  await page.keyboard.press('Enter');
  assertEqual(await note.inputValue(), '@BobStone ', 'completion inserts the mention');
  await page.keyboard.type('can you check the replacement stock?');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('.note mark.mention', { hasText: '@BobStone' }).waitFor();
  await shot(page, '10-note-with-mention');

  const bobCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const bob = await bobCtx.newPage();
  await bob.goto(base + '/');
  await bob.getByRole('button', { name: /Bob Stone/ }).click();
  await bob.getByRole('tab', { name: 'Inbox', exact: true }).waitFor();
  const count = bob.locator('[data-testid="unread-count"]');
  await waitFor(`Bob's bell to count ${before + 1}`, async () => Number(await count.textContent().catch(() => '0')) === before + 1, 20000);
  const label = await bob.locator('button.bell').getAttribute('aria-label');
  assert(label === `Notifications, ${before + 1} unread`, `the bell's label: ${label}`);
  await bob.locator('button.bell').click();
  const mention = bob.locator('button.notification.unread', { hasText: 'mentioned you in a note on the Facebook comment from Sam Rivers' });
  await mention.waitFor();
  await shot(bob, '11-bob-bell');
  await mention.click();
  await bob.getByRole('heading', { name: /Sam Rivers/ }).waitFor();
  await waitFor('the bell to count one less', async () => Number(await count.textContent().catch(() => '0')) === before);
  await shot(bob, '12-bob-opened-from-notification');
  await bobCtx.close();
});

await step('keyboard: ? lists the shortcuts, j/k move, Enter opens, Esc goes back', async () => {
  await page.keyboard.press('Escape');
  await tabButton('Inbox').click();
  await feedReady();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await shot(page, '13-shortcuts');
  await page.keyboard.press('Escape');
  await waitFor('the dialog to close', async () => (await page.getByRole('dialog').count()) === 0);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  const ids = await rowIds();
  const selected = await page.locator('button.row.selected').getAttribute('data-id');
  assertEqual(selected, ids[0], 'j, j, k selects the first row');
  await page.keyboard.press('Enter');
  await page.locator('.conversation h2').waitFor();
  await page.keyboard.press('Escape');
  await waitFor('back to the feed', async () => (await page.locator('.conversation').count()) === 0);
});

await step('phone width: one pane at a time, with a way back', async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await p.goto(base + '/');
  await p.evaluate((t) => localStorage.setItem('inbox.session', JSON.stringify({ token: t, via: 'dev' })), await aliceToken());
  await p.goto(base + '/');
  await feedReady(p);
  await rows(p).first().waitFor();
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 0, `no sideways scrolling at phone width (${overflow}px)`);
  await shot(p, '14-phone-feed');
  await rows(p).first().click();
  await p.locator('.conversation h2').waitFor();
  assert(!(await p.locator('.feed-pane').isVisible()), 'the feed is hidden while a conversation is open');
  await shot(p, '15-phone-conversation');
  await p.getByRole('button', { name: /Back/ }).click();
  await rows(p).first().waitFor();
  await phone.close();
});

await step('more than a page at once: new ones arrive on top, and scrolling loads the rest', async () => {
  await page.goto(base + '/');
  await tabButton('Inbox').click();
  await feedReady();
  const before = (await api('/api/conversations?status=open&assignee=none&limit=100', await aliceToken())).conversations.length;
  const start = Date.now();
  for (let i = 0; i < 30; i++) {
    await webhook('x', {
      for_user_id: '2244994945', user_has_blocked: false, tweet_create_events: [{
        created_at: 'Thu Jan 01 01:00:00 +0000 2026', id_str: String(1875000000000100000n + BigInt(i)),
        text: `@DemoOutdoor question number ${i + 1} about the tents`, truncated: false,
        in_reply_to_status_id_str: null, in_reply_to_user_id_str: null,
        user: { id_str: String(1600000000000000000n + BigInt(i)), name: `Hiker ${i + 1}`, screen_name: `hiker${i + 1}` },
        entities: { hashtags: [], urls: [], user_mentions: [{ screen_name: 'DemoOutdoor', name: 'Demo Outdoor', id_str: '2244994945', indices: [0, 12] }] },
        timestamp_ms: String(start - (30 - i) * 1000),
      }],
    });
  }
  // Webhooks are answered once queued; ingestion follows.
  const everything = async () => {
    const ids = [];
    let cursor = null;
    do {
      const p = await api(`/api/conversations?status=open&assignee=none&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, await aliceToken());
      ids.push(...p.conversations.map((c) => c.id));
      cursor = p.next_cursor;
    } while (cursor);
    return ids;
  };
  let all = [];
  await waitFor(`${before + 30} or more unassigned open conversations`, async () => (all = await everything()).length >= before + 30, 20000, 200);
  await waitFor('the newest to reach the top without a reload', async () => (await page.locator('button.row').first().textContent()).includes('question number 30'), 20000);
  await shot(page, '16-many-new-on-top');
  await waitFor('scrolling to load every page, in order, without gaps or repeats', async () => {
    await page.locator('.feed-pane').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const shown = await rowIds();
    if (shown.length < all.length) return false;
    all = await everything();
    return JSON.stringify(shown) === JSON.stringify(all);
  }, 20000, 300);
  await shot(page, '17-scrolled-to-the-end');
});

await step('tabs: rename, move and remove one', async () => {
  await tabButton('Order 1234').click();
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await page.getByLabel('Tab name').fill('Orders');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await tabButton('Orders').waitFor();
  await page.getByRole('button', { name: 'Move Orders left' }).click();
  await waitFor('the tab to move left', async () => (await page.getByRole('tab').allTextContents()).join('|') === 'Inbox|Assigned to me|Orders|Assigned to any');
  const tabs = (await api('/api/tabs', await aliceToken())).tabs.sort((x, y) => x.position - y.position).map((t) => t.name);
  assertEqual(tabs, ['Inbox', 'Assigned to me', 'Orders', 'Assigned to any'], 'the order is saved');
  await shot(page, '18-tab-renamed-and-moved');
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByRole('group', { name: 'Remove tab' }).getByRole('button', { name: 'Remove', exact: true }).click();
  await waitFor('the tab to go', async () => (await page.getByRole('tab').allTextContents()).join('|') === 'Inbox|Assigned to me|Assigned to any');
  assert((await tabButton('Inbox').getAttribute('aria-selected')) === 'true', 'the first tab is selected after removing the current one');
});

await step('OpenID Connect sign-in (as on AWS): /config.json, the provider, code + PKCE, the ID token as the bearer', async () => {
  const idpPort = await freePort();
  idp.base = `http://127.0.0.1:${idpPort}`;
  await startIdp(idpPort);
  idp.users = (await api('/api/dev/users')).users;
  const carol = idp.users.find((u) => u.email === 'carol@demo.example');
  assert(carol, 'Carol is a demo user');
  const carolTabs = (await api('/api/tabs', await devToken(carol.id))).tabs.sort((x, y) => x.position - y.position);
  const deepLink = `/tabs/${encodeURIComponent(carolTabs[0].id)}`;

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => consoleErrors.push(`(OpenID Connect page) ${e}`));
  // What scripts/deploy.sh writes next to the page on AWS, here for this browser only.
  await ctx.route(`${base}/config.json`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      headers: { 'cache-control': 'no-cache' },
      body: JSON.stringify({
        auth: {
          authorize_url: `${idp.base}/oauth2/authorize`,
          token_url: `${idp.base}/oauth2/token`,
          client_id: IDP_CLIENT,
          logout_url: `${idp.base}/logout?client_id=${IDP_CLIENT}&logout_uri=${encodeURIComponent(`${base}/`)}`,
        },
      }),
    }),
  );
  const bearers = new Set();
  p.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) bearers.add(r.headers().authorization ?? '(none)');
  });

  // A deep link, signed out: the provider's sign-in is offered, not the dev users.
  await p.goto(base + deepLink);
  const button = p.getByRole('button', { name: 'Sign in with your organisation' });
  await button.waitFor();
  assertEqual(await p.locator('.user-choice').count(), 0, 'no dev sign-in on a page with a provider');
  await button.click();
  await p.waitForURL((u) => u.origin === idp.base && u.pathname === '/oauth2/authorize');
  const asked = idp.authorizations.at(-1);
  assert(asked.code_challenge_method === 'S256' && asked.state && asked.nonce, `the page asked for a code with PKCE, state and nonce: ${JSON.stringify(asked)}`);
  await p.getByLabel('Email').fill(carol.email);
  await shot(p, '19-oidc-provider-sign-in');
  await p.getByRole('button', { name: 'Sign in' }).click();

  // Back on the page: the code exchanged, the deep link restored, the feed Carol's.
  await p.waitForURL((u) => u.origin === base && u.pathname === deepLink && !u.search, { timeout: 15000 });
  await tabButton('Inbox', p).waitFor();
  await feedReady(p);
  assertEqual(idp.exchanges.length, 1, 'one code exchange');
  const ex = idp.exchanges[0];
  assert(ex.verified, 'the provider checked the PKCE verifier against the challenge');
  assertEqual([ex.grant_type, ex.client_id, ex.redirect_uri, ex.origin], ['authorization_code', IDP_CLIENT, `${base}/`, base], 'the exchange, made by the page');
  const session = await p.evaluate(() => JSON.parse(localStorage.getItem('inbox.session')));
  assertEqual([session.via, session.token], ['oidc', idp.issued[0]], 'the page keeps the ID token the provider issued');
  assertEqual(await p.locator('.whoami').textContent(), carol.name, 'signed in as Carol');
  assertEqual((await api('/api/me', session.token)).user.id, carol.id, 'the ID token names Carol to the API');
  assert((await tabButton('Inbox', p).getAttribute('aria-selected')) === 'true', 'the deep-linked tab is selected');
  await waitFor('the feed to show what the API lists for Carol', async () => {
    const expected = (await api(`/api/conversations?tab=${encodeURIComponent(carolTabs[0].id)}&limit=100`, session.token)).conversations.map((c) => c.id);
    const shown = await rowIds(p);
    return shown.length > 0 && JSON.stringify(shown) === JSON.stringify(expected.slice(0, shown.length));
  }, 15000, 300);
  assertEqual([...bearers], [`Bearer ${session.token}`], 'every API request carried the ID token');
  // The code was for one use: replaying it, even with the right verifier, is refused.
  const replay = await fetch(`${idp.base}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: IDP_CLIENT, code: ex.code, redirect_uri: ex.redirect_uri, code_verifier: ex.code_verifier }) });
  assertEqual(replay.status, 400, 'a used code is refused');
  await shot(p, '20-oidc-signed-in');

  // Signing out ends the provider's session too, and comes back to the sign-in screen.
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.waitForURL((u) => u.origin === base && u.pathname === '/');
  await button.waitFor();
  assertEqual(idp.logouts, [{ client_id: IDP_CLIENT, logout_uri: `${base}/` }], 'the provider was told, and where to send the browser back');
  assert((await p.evaluate(() => localStorage.getItem('inbox.session'))) === null, 'the session is gone');

  // A forged answer (a state other than the one this tab sent: login CSRF) is refused before
  // any exchange: start signing in, then arrive with someone else's code instead.
  const exchanges = idp.exchanges.length;
  await button.click();
  await p.waitForURL((u) => u.origin === idp.base && u.pathname === '/oauth2/authorize');
  await p.goto(`${base}/?code=forged&state=not-ours`);
  await p.locator('.notice', { hasText: 'does not match the sign-in this page started' }).waitFor();
  await button.waitFor();
  assertEqual(idp.exchanges.length, exchanges, 'no exchange for a forged answer');
  assertEqual(new URL(p.url()).search, '', 'the forged code is gone from the address');
  assert((await p.evaluate(() => localStorage.getItem('inbox.session'))) === null, 'still signed out');
  await shot(p, '21-oidc-signed-out-forged-answer-refused');
  await ctx.close();
});


const NEW_PAGE = '104857600000777';
const NEW_PAGE_NAME = 'Demo Outdoor Shop';
const NEW_X_NAME = 'Demo Outdoor Deals';

await step("an admin connects a Facebook Page and an X account through the networks' sign-in pages, and sees them in Channels", async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(base + '/');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Channels' }).click();
  await page.getByRole('button', { name: 'Connect a channel' }).click();
  await page.getByRole('group', { name: 'Choose a network' }).getByRole('button', { name: 'Facebook and Instagram' }).click();

  // The network's consent page (the simulator's, standing in for Facebook Login).
  await page.getByRole('heading', { name: 'Sign in with Facebook' }).waitFor();
  assert(!page.url().startsWith(base), `the browser went to the network: ${page.url()}`);
  const asked = new URL(page.url());
  assertEqual(asked.searchParams.get('redirect_uri'), `${base}/connect/callback`, 'the network sends the admin back to the inbox');
  await shot(page, '22-facebook-consent');
  await page.getByRole('button', { name: 'Allow' }).click();

  // Back at the inbox: the Pages and Instagram accounts to pick from.
  await page.getByRole('heading', { name: 'Choose what to connect' }).waitFor();
  assertEqual(new URL(page.url()).search, '', 'the code and state are gone from the address');
  const group = page.getByRole('group', { name: 'From Facebook and Instagram' });
  const shop = group.getByRole('checkbox', { name: `${NEW_PAGE_NAME} (Facebook Page)` });
  assert(await shop.isChecked(), 'the new Page is picked');
  const own = group.getByRole('checkbox', { name: /^Demo Outdoor Co \(Facebook Page\)/ });
  assert(await own.isDisabled(), 'the Page connected already cannot be picked again');
  const fans = group.getByRole('checkbox', { name: /Demo Outdoor Fans/ });
  assert(await fans.isDisabled(), 'the Page the admin may not moderate cannot be picked');
  await shot(page, '23-choose-pages');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/settings/channels');
  await page.getByText(new RegExp(`Connected .*${NEW_PAGE_NAME}`)).waitFor();
  await page.getByRole('button', { name: `Disconnect ${NEW_PAGE_NAME}` }).waitFor();

  // X: OAuth 2.0 with PKCE; the account is the one signed in at X.
  await page.getByRole('button', { name: 'Connect a channel' }).click();
  await page.getByRole('group', { name: 'Choose a network' }).getByRole('button', { name: 'X', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in with X' }).waitFor();
  const x = new URL(page.url());
  assertEqual([x.searchParams.get('code_challenge_method'), x.searchParams.get('code_challenge')?.length], ['S256', 43], 'PKCE');
  await page.getByLabel(/Demo Outdoor Deals/).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('heading', { name: 'Choose what to connect' }).waitFor();
  const deals = page.getByRole('group', { name: 'From X' }).getByRole('checkbox', { name: new RegExp(NEW_X_NAME) });
  assert(await deals.isChecked(), 'the one account is picked');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/settings/channels');
  await page.getByRole('button', { name: `Disconnect ${NEW_X_NAME}` }).waitFor();
  await shot(page, '24-channels');
  assertEqual(await axeViolations(page), [], 'the channels');

  // What the API says: both connected, the Page subscribed to the inbox's webhooks.
  const token = await aliceToken();
  const channels = (await api('/api/channels', token)).channels;
  const page777 = channels.find((c) => c.name === NEW_PAGE_NAME && c.network === 'facebook');
  assert(page777 && page777.webhook_subscribed === true && page777.token_state === 'valid', `the new Page: ${JSON.stringify(page777)}`);
  const xDeals = channels.find((c) => c.name === NEW_X_NAME);
  assert(xDeals && xDeals.next_renewal_at, `the X account renews itself: ${JSON.stringify(xDeals)}`);

  // A signed webhook for the new Page lands in the inbox.
  await webhook('meta', {
    object: 'page',
    entry: [{ id: NEW_PAGE, time: Math.floor(Date.now() / 1000), changes: [{ field: 'feed', value: {
      item: 'comment', verb: 'add', comment_id: `${NEW_PAGE}_5500000000000001`, post_id: `${NEW_PAGE}_5500000000000000`,
      parent_id: `${NEW_PAGE}_5500000000000000`, message: 'Does the shop ship tents to Norway?', from: { id: '6100000000000555', name: 'Nora Fjell' },
      created_time: Math.floor(Date.now() / 1000) } }] }],
  });
  await page.getByRole('link', { name: 'Back to inbox' }).click();
  await tabButton('Inbox').click();
  await feedReady();
  await page.locator('button.row', { hasText: 'ship tents to Norway' }).waitFor({ timeout: 15000 });
  await shot(page, '25-new-page-comment-in-inbox');
});

await step('an admin adds a teammate who may see one profile: she sees only its conversations, and no admin settings', async () => {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Team' }).click();
  const form = page.getByRole('form', { name: 'Add a teammate' });
  await form.getByLabel('Name', { exact: true }).fill('Dana Deals');
  await form.getByLabel('Email', { exact: true }).fill('dana@demo.example');
  await form.getByRole('group', { name: 'Profiles they may see' }).getByRole('checkbox', { name: `${NEW_PAGE_NAME} (Facebook)` }).check();
  await form.getByRole('button', { name: 'Add teammate' }).click();
  await page.getByText('Added Dana Deals to the team.').waitFor();
  await shot(page, '26-team');
  assertEqual(await axeViolations(page), [], 'the team');

  const danaCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const dana = await danaCtx.newPage();
  await dana.goto(base + '/');
  await dana.getByRole('button', { name: /Dana Deals/ }).click();
  await tabButton('Inbox', dana).waitFor();
  await feedReady(dana);
  const danaToken = await dana.evaluate(() => JSON.parse(localStorage.getItem('inbox.session')).token);
  const me = await api('/api/me', danaToken);
  assertEqual(me.profiles.map((p) => p.name), [NEW_PAGE_NAME], 'Dana sees one profile');
  const shown = await rowIds(dana);
  const everything = (await api('/api/conversations?status=any&limit=100', danaToken)).conversations;
  assert(everything.length > 0 && everything.every((c) => c.profile_id === me.profiles[0].id), `only the Page's conversations: ${JSON.stringify(everything.map((c) => c.profile_id))}`);
  assert(shown.length > 0 && shown.every((id) => everything.some((c) => c.id === id)), `the feed shows only those: ${JSON.stringify(shown)}`);
  await dana.locator('button.row', { hasText: 'ship tents to Norway' }).waitFor();

  // Settings: the account's saved replies and her own notifications only; an admin section
  // says so and shows nothing.
  await dana.getByRole('link', { name: 'Settings' }).click();
  const nav = dana.getByRole('navigation', { name: 'Settings sections' });
  await nav.getByRole('link', { name: 'Notifications' }).waitFor();
  const sections = await nav.getByRole('link').allTextContents();
  assertEqual(sections, ['Saved replies', 'Notifications'], 'a member sees the saved replies and her notification settings only');
  await dana.getByRole('checkbox', { name: 'Email me my notifications' }).waitFor();
  await dana.goto(base + '/settings/team');
  await dana.getByText(/Only admins manage/).waitFor();
  assertEqual(await dana.getByRole('form', { name: 'Add a teammate' }).count(), 0, 'no team form for a member');
  await shot(dana, '27-member-settings');
  await danaCtx.close();
});

/** WCAG 2 A and AA violations axe-core finds on the page as it is (labels, names, contrast, roles). */
async function axeViolations(p) {
  await p.addScriptTag({ path: join(webDir, 'node_modules', 'axe-core', 'axe.min.js') });
  const r = await p.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  assert(r.passes.some((x) => x.id === 'color-contrast') && r.passes.some((x) => x.id === 'label' || x.id === 'button-name'), 'axe checked contrast and names');
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

await step('accessibility: axe-core finds no WCAG 2.1 A/AA violation in the feed, a conversation and the shortcuts', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(base + '/');
  await tabButton('Inbox').click();
  await feedReady();
  assertEqual(await axeViolations(page), [], 'the feed');
  await rows(page).first().click();
  await page.locator('#reply-input').waitFor();
  assertEqual(await axeViolations(page), [], 'an open conversation');
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  assertEqual(await axeViolations(page), [], 'the shortcuts dialog');
  await page.keyboard.press('Escape');
});

await step('no script errors on the page', async () => {
  assertEqual(consoleErrors, [], 'uncaught errors in the page');
});

await cleanup();
if (process.env.E2E_KEEP_SERVER_LOG) console.log(serverLog);

const passed = results.filter((r) => r.state === 'passed').length;
const failed = results.filter((r) => r.state === 'failed').length;
const skipped = results.filter((r) => r.state === 'skipped').length;
writeFileSync(join(artifacts, 'metrics.json'), JSON.stringify({ ...metrics, results: results.map(({ name, state }) => ({ name, state })) }, null, 2));
console.log(`e2e: screenshots in ${artifacts}`);
if (metrics.jsGzipBytes) console.log(`e2e: JavaScript ${(metrics.jsGzipBytes / 1024).toFixed(1)} KB gzipped; navigation → first feed median ${metrics.firstFeedMs[2].toFixed(0)} ms`);
console.log(`\ne2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed || skipped ? 1 : 0);
