// What a developer sees on the Scalar page, in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core, which brings no browser of its own): the operations the sidebar
// lists, a sign-in through the OAuth2 password flow of the page's own auth form, GET
// /v1/accounts sent from its "Test Request" client and the status it shows, every console
// error, and every request that left the service's origin. Used by Api.Tests
// (Hosting/ScalarBrowserTests), which judges the JSON this prints as its last line.
//
// Usage: node scalar-check.mjs <base-url> <username> <password> <screenshot.png>
// Exits 1, with what it was waiting for, when a step does not happen within its deadline.
import { chromium } from 'playwright-core';

const [baseUrl, username, password, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error('Usage: node scalar-check.mjs <base-url> <username> <password> <screenshot.png>');
  process.exit(2);
}

const origin = new URL(baseUrl).origin;
const stepTimeout = 20_000;
const consoleErrors = [];
const foreignRequests = [];
const responses = {};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
let step = 'opening the page';
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(stepTimeout);
  page.on('console', message => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', error => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('request', request => {
    const url = request.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) foreignRequests.push(url);
  });
  page.on('response', response => {
    const url = new URL(response.url());
    if (url.origin === origin && url.pathname.startsWith('/v1/')) responses[`${response.request().method()} ${url.pathname}`] = response.status();
  });

  await page.goto(`${origin}/scalar/`);
  await page.getByRole('heading', { name: 'Strongroom API' }).first().waitFor();

  // Every tag group opened, as a reader would, until none is left closed.
  step = 'opening every group of the sidebar';
  const closedGroup = page.getByRole('button', { name: /^Open Group - / });
  const groupsBy = Date.now() + stepTimeout;
  while (await closedGroup.count() > 0) {
    if (Date.now() > groupsBy) throw new Error('sidebar groups still closed');
    await closedGroup.first().click();
  }
  const operations = (await page.locator('li[data-sidebar-id]').evaluateAll(items => items.map(item => item.getAttribute('data-sidebar-id'))))
    .map(id => /^[^/]+\/tag\/[^/]+\/(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS)\/(.*)$/.exec(id))
    .filter(match => match)
    .map(match => `${match[1]} /${match[2]}`);

  // The password flow from the page's auth form: the username is an editable field, the password an input.
  step = 'signing in with the password flow';
  await page.getByRole('combobox', { name: 'Username' }).first().click();
  await page.keyboard.type(username);
  await page.getByRole('textbox', { name: 'Password' }).first().fill(password);
  const token = page.waitForResponse(response => new URL(response.url()).pathname === '/v1/auth/token');
  await page.getByRole('button', { name: 'Authorize' }).first().click();
  await token;
  await page.getByText('Access Token').first().waitFor();

  step = 'sending GET /v1/accounts from the Test Request client';
  await page.locator('li[data-sidebar-id$="/GET/v1/accounts"] > a').click();
  const operation = page.locator('section[id$="/GET/v1/accounts"]');
  await operation.getByRole('button', { name: 'Test Request' }).click();
  await page.locator('button[data-addressbar-action="send"]:visible').click();
  // The reference lists "200 OK" responses too; the one that counts is in the client's dialog.
  step = 'the client showing 200 OK';
  const shown = page.getByRole('dialog').getByText('200 OK', { exact: true });
  await shown.waitFor();
  const shownStatus = (await shown.textContent()).replace(/\s+/g, ' ').trim();

  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ operations, responses, shownStatus, consoleErrors, foreignRequests, screenshot }));
} catch (error) {
  console.error(`Scalar check failed while ${step}: ${error.message}`);
  console.error(JSON.stringify({ responses, consoleErrors, foreignRequests }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
