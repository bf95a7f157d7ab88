import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonDetails, ReviewItem } from '../../src-main/common/people.js';
import { REPO_ROOT, SHARED_PHOTOS } from '../support/paths.js';

/**
 * The real app in real Chromium: `facetag serve` on a fresh library, driven through the UI the way a user would.
 * Debian's chromium package (installed by .ci/run), no downloaded browser.
 */

const CHROMIUM = process.env.FACETAG_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const UNDATED = new Date('2016-06-15T12:00:00Z');

/** A small library: 12 portraits of 3 people and one photo of a couple (plus a damaged file). Dates (EXIF DateTimeOriginal) on some. */
const PHOTOS: readonly { source: string; date?: string }[] = [
  { source: 'identity/angelina_jolie/deepface_img1.jpg', date: '2011-03-14T10:20:00' },
  { source: 'identity/angelina_jolie/deepface_img2.jpg', date: '2014-07-02T16:05:00' },
  { source: 'identity/angelina_jolie/deepface_img4.jpg', date: '2017-11-23T09:45:00' },
  { source: 'identity/angelina_jolie/deepface_img5.jpg', date: '2019-07-20T17:45:22' },
  { source: 'identity/angelina_jolie/deepface_img6.jpg', date: '2022-08-09T13:30:00' },
  { source: 'identity/jack_dorsey/deepface_img59.jpg', date: '2018-02-11T08:00:00' },
  { source: 'identity/jack_dorsey/deepface_img16.jpg' },
  { source: 'identity/jack_dorsey/deepface_img61.jpg' },
  { source: 'identity/jack_dorsey/deepface_img62.jpg', date: '2020-05-05T12:00:00' },
  { source: 'identity/george_clooney/deepface_img38.jpg' },
  { source: 'identity/george_clooney/deepface_img39.jpg', date: '2013-09-09T19:00:00' },
  { source: 'identity/george_clooney/deepface_img40.jpg' },
  { source: 'groups/deepface_couple.jpg' },
];

const exifDate = (iso: string): string => `${iso.slice(0, 10).replaceAll('-', ':')} ${iso.slice(11, 19)}`;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** How the UI writes a date: "14 Mar 2011". */
const shownDate = (iso: string): string => `${Number(iso.slice(8, 10))} ${months[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

/** Copies (smaller, re-encoded: quick to scan) into `folder`; dated ones carry EXIF, the rest a known file date. */
async function makeLibraryFolder(folder: string): Promise<Map<string, string>> {
  await mkdir(folder, { recursive: true });
  const dates = new Map<string, string>();
  for (const photo of PHOTOS) {
    const target = path.join(folder, path.basename(photo.source));
    let image = sharp(path.join(SHARED_PHOTOS, photo.source)).rotate().resize({ width: 1400, height: 1400, fit: 'inside', withoutEnlargement: true });
    if (photo.date) image = image.withExif({ IFD0: { Make: 'Facetag e2e' }, IFD2: { DateTimeOriginal: exifDate(photo.date) } });
    await writeFile(target, await image.jpeg({ quality: 88 }).toBuffer());
    await utimes(target, UNDATED, UNDATED);
    dates.set(target, photo.date ?? UNDATED.toISOString());
  }
  // And one photo cut short in a copy: the library lists it among the photos that could not be read, and why.
  const whole = await readFile(path.join(SHARED_PHOTOS, PHOTOS[6]!.source));
  await writeFile(path.join(folder, 'cut-short.jpg'), whole.subarray(0, Math.floor(whole.length / 3)));
  return dates;
}

/** Starts `facetag serve` and resolves with the URL it prints. */
function startServer(db: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'facetag.js'), 'serve', '--db', db, '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`facetag serve printed no URL in 30 s:\n${output}`)), 30_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, log: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`facetag serve exited (${code}) before printing its URL:\n${output}`));
    });
  });
}

describe('the app in Chromium, end to end', () => {
  let temp: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let token: string;
  let dates: Map<string, string>;
  let folder: string;
  let personId: number;
  const browserErrors: string[] = [];
  const browserLog: string[] = [];

  /** The API as a second client (to check what the UI did; the UI itself only goes through its own calls). */
  async function api<T>(method: string, request: unknown = {}): Promise<T> {
    const response = await fetch(`${base}api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as { ok: boolean; result: T; error?: { message: string } };
    if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
    return body.result;
  }

  /** Waits until the images matching `selector` have loaded (thumbnails and face crops are made on demand). */
  const imagesLoaded = (selector: string): Promise<unknown> =>
    page.waitForFunction(
      (sel) =>
        Array.from((globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ complete: boolean }> } }).document.querySelectorAll(sel)).every(
          (img) => img.complete,
        ),
      selector,
    );

  const nav = { getByRole: (role: 'link' | 'button', options: { name: string | RegExp }) => page.getByRole('navigation').getByRole(role, options) };

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    if (!existsSync(path.join(REPO_ROOT, 'dist-renderer', 'index.html')) || !existsSync(path.join(REPO_ROOT, 'dist', 'src-main'))) {
      throw new Error('The app is not built: run `npm run build` first.');
    }
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium).`);
    await mkdir(ARTIFACTS, { recursive: true });
    temp = await mkdtemp(path.join(os.tmpdir(), 'facetag-e2e-'));
    folder = path.join(temp, 'Pictures');
    dates = await makeLibraryFolder(folder);
    server = await startServer(path.join(temp, 'library.db'));
    const url = new URL(server.url);
    token = url.searchParams.get('token')!;
    base = `${url.origin}/`;
    // A fresh profile (--user-data-dir, which Playwright passes for a persistent context).
    context = await chromium.launchPersistentContext(path.join(temp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => browserErrors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      browserLog.push(`${m.type()}: ${m.text()}`);
      if (m.type() === 'error') browserErrors.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    // What the server said, and what the browser said, for when something failed.
    if (server) await writeFile(path.join(ARTIFACTS, 'serve.log'), `${server.log()}\n--- browser ---\n${browserLog.join('\n')}\n`);
    if (server?.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it('opens with the printed link (token swapped for a cookie) on the Library screen', async () => {
    await page.goto(server.url);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    await page.getByText('No folders yet').waitFor();
    await shot('01-library-empty');
  });

  it('adds a folder, scans it (pause and resume on the way) and lists the photos', async () => {
    await page.getByLabel('Folder path').fill(folder);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.locator('.folders li', { hasText: folder }).waitFor();

    await page.getByTestId('scan-now').click();
    // The scan is quick: pause it once the first photos are done, to see (and keep) the progress screen.
    const progress = page.getByTestId('scan-progress');
    let paused = false;
    try {
      await progress.getByTestId('scan-counts').filter({ hasText: /^[1-9]\d* of 14 photos$/ }).waitFor({ timeout: 15_000 });
      await progress.getByRole('button', { name: 'Pause' }).click({ timeout: 2_000 });
      await progress.getByText('Scan paused').waitFor({ timeout: 5_000 });
      paused = true;
    } catch {
      // The scan finished before it could be paused: nothing to see, carry on.
    }
    if (paused) {
      await expect(page.getByTestId('scan-counts').textContent()).resolves.toMatch(/of 14 photos$/);
      await shot('02-library-scan-paused');
      await progress.getByRole('button', { name: 'Resume' }).click();
    }
    await page
      .getByTestId('last-scan')
      .waitFor({ timeout: 90_000 })
      .catch(async (error: unknown) => {
        await shot('failed-scan');
        throw new Error(`The scan did not finish: ${(error as Error).message}\nThe page said: ${await page.locator('main').innerText()}`);
      });
    await expect.poll(() => page.getByTestId('library-counts').textContent()).toMatch(/^14 photos/);
    await page.locator('.folders li', { hasText: '14 photos' }).waitFor();
    const errors = page.getByTestId('scan-errors');
    await errors.getByText('cut-short.jpg').waitFor();
    await expect(errors.textContent()).resolves.toMatch(/incomplete|cut short|truncat/i);
    await shot('03-library-scanned');
  });

  it('shows the people found, biggest groups first, and names one', async () => {
    await nav.getByRole('link', { name: 'People' }).click();
    const cards = page.locator('a[data-person-id]');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(3);
    await expect.poll(() => page.getByTestId('people-counts').textContent()).toMatch(/^0 named/);
    // Wait for the avatars (face crops made on demand) before the picture.
    await imagesLoaded('a[data-person-id] img');
    await shot('04-people-unnamed');

    // The biggest group: Angelina Jolie's portraits and the couple photo.
    const first = cards.first();
    personId = Number(await first.getAttribute('data-person-id'));
    await first.click();
    await page.getByTestId('person-name').waitFor();
    await page.getByRole('button', { name: 'Name', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Angelina Jolie');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('person-name').textContent()).toBe('Angelina Jolie');
    await page.getByRole('status').filter({ hasText: 'Named “Angelina Jolie”' }).waitFor();

    await nav.getByRole('link', { name: 'People' }).click();
    await page.locator(`a[data-person-id="${personId}"]`, { hasText: 'Angelina Jolie' }).waitFor();
    await expect.poll(() => page.getByTestId('people-counts').textContent()).toMatch(/^1 named/);
    await page.getByLabel('Search people by name').fill('angel');
    await expect.poll(() => page.locator('a[data-person-id]').count()).toBe(1);
    await page.getByLabel('Search people by name').fill('');
  });

  it('confirms a suggestion with the keyboard in Review', async () => {
    const before = await api<ReviewItem[]>('review.queue', {});
    expect(before.length).toBeGreaterThan(0);
    await nav.getByRole('link', { name: /Review/ }).click();
    const item = page.getByTestId('review-item');
    await item.waitFor();
    await page.getByText('Is this Angelina Jolie?').waitFor();
    await imagesLoaded('[data-testid=review-item] img');
    await shot('05-review');

    const faceId = Number(await item.getAttribute('data-face-id'));
    expect(faceId).toBe(before[0]!.faceId); // the most doubtful first
    await page.keyboard.press('y');
    await page.getByText('Confirmed as Angelina Jolie.').waitFor();
    const details = await api<PersonDetails>('people.get', { personId });
    expect(details.faces.find((f) => f.id === faceId)?.status).toBe('confirmed');
    const after = await api<ReviewItem[]>('review.queue', {});
    expect(after.some((i) => i.faceId === faceId)).toBe(false);
    if (after.length > 0) await expect.poll(() => item.getAttribute('data-face-id')).not.toBe(String(faceId));

    // Batch mode lists the rest with checkboxes.
    await page.getByRole('tab', { name: 'Batch' }).click();
    await page.getByTestId('confirm-selected').waitFor();
    await shot('06-review-batch');
    await page.getByRole('tab', { name: 'One by one' }).click();
  });

  it('shows the person: first and last seen with their source, the best photo, the gallery by date', async () => {
    const details = await api<PersonDetails>('people.get', { personId });
    const files = new Set(details.faces.map((f) => f.file));
    // What the UI must show, from the dates this test wrote (not from the core's answer).
    const seen = [...files].map((f) => dates.get(f)).filter((d): d is string => d !== undefined).sort();
    const firstSeen = seen[0]!;
    const lastSeen = seen[seen.length - 1]!;
    expect(firstSeen).toBe('2011-03-14T10:20:00');
    expect(lastSeen).toBe('2022-08-09T13:30:00');

    await page.goto(`${base}#/people/${personId}`);
    const first = page.getByTestId('seen-first-seen');
    const last = page.getByTestId('seen-last-seen');
    await expect(first.textContent()).resolves.toContain(shownDate(firstSeen));
    await expect(first.textContent()).resolves.toContain('date taken (EXIF)');
    await expect(last.textContent()).resolves.toContain(shownDate(lastSeen));
    await expect(last.textContent()).resolves.toContain('date taken (EXIF)');

    const best = page.getByTestId('best-photo');
    await best.waitFor();
    expect(await best.getAttribute('title')).toBe(details.bestPhoto);
    // The gallery: every photo of the person, oldest first, the best one marked.
    const tiles = page.locator('a[data-photo-id]');
    await expect.poll(() => tiles.count()).toBe(details.photoCount);
    await page.locator('a[data-photo-id][data-best="true"]').waitFor();
    const titles = await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('title')));
    expect(titles[0]).toBe(path.basename([...files].find((f) => dates.get(f) === firstSeen)!));
    await page.getByText('Best of each year').waitFor();
    await imagesLoaded('img');
    await shot('07-person');
  });

  it('opens a photo with its face boxes, landmarks and names, and names a face by clicking it', async () => {
    const couple = path.join(folder, 'deepface_couple.jpg');
    const photo = await api<{ id: number }>('photos.find', { path: couple });
    await page.goto(`${base}#/photos/${photo.id}`);
    const boxes = page.getByTestId('face-box');
    await expect.poll(() => boxes.count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid=photo-stage] circle.landmark').count()).toBe((await boxes.count()) * 5);
    await imagesLoaded('[data-testid=photo-stage] img');
    // The boxes sit on the photo: each inside the displayed image.
    const stage = (await page.getByTestId('photo-stage').boundingBox())!;
    for (const b of await boxes.all()) {
      const r = (await b.boundingBox())!;
      expect(r.x).toBeGreaterThanOrEqual(stage.x - 1);
      expect(r.y).toBeGreaterThanOrEqual(stage.y - 1);
      expect(r.x + r.width).toBeLessThanOrEqual(stage.x + stage.width + 1);
      expect(r.y + r.height).toBeLessThanOrEqual(stage.y + stage.height + 1);
    }
    await shot('08-photo');

    // The face that is not Angelina's: name it.
    const other = page.locator('[data-testid=face-box]:not([aria-label="Face of Angelina Jolie"])').first();
    await other.click();
    await page.getByTestId('face-editor').waitFor();
    await page.getByTestId('face-editor').getByLabel('Name').fill('Brad Pitt');
    await page.getByTestId('face-editor').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Face of Brad Pitt' }).waitFor();
    await shot('09-photo-named');
  });

  it('undoes the last change from the nav', async () => {
    await nav.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('status').filter({ hasText: 'Undid confirming a face.' }).first().waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Face of Brad Pitt' }).count()).toBe(0);
  });

  it('shows the settings with the choices this machine offers', async () => {
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Face detector').waitFor();
    expect(await page.getByLabel('Face detector').locator('option').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByLabel('Run the models on').locator('option', { hasText: 'CPU' }).count()).toBe(1);
    await shot('10-settings');
  });

  it('ran without errors in the browser', () => {
    expect(browserErrors).toEqual([]);
  });
});
