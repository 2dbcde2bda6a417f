// Drives the router's explorer in headless Chromium (Debian's, through playwright-core).
//
//   node explorer.mjs <router base URL> <screenshot dir> <api key>
//
// Checks, for the team (an administrator signed in through the page, on the full API
// and switched to the partner API), for a partner
// (signed in through the page) and for a partner's API key pasted in:
// - the page loads from the router alone (no request leaves it, no console error,
//   no Content-Security-Policy violation);
// - the documentation lists the types of the API this caller may use (`User` for the
//   team, not for partners);
// - a query runs with the caller's credential and its result appears.
// Prints one line per check; exits 1 on the first failure, naming it.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, shots, apiKey] = process.argv.slice(2);
if (!base || !shots || !apiKey) {
  console.error("usage: node explorer.mjs <router base URL> <screenshot dir> <api key>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

function check(condition, what, seen = "") {
  if (!condition) throw new Error(`FAILED: ${what}${seen ? `\nseen: ${seen}` : ""}`);
  console.log(`ok: ${what}`);
}

async function open() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    // A GraphQL error answered with a 4xx status (as GraphQL over HTTP wants) is logged
    // by Chromium as a failed load; responses are judged below instead.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    const graphql = /\/graphql$/.test(new URL(response.url()).pathname);
    if (response.status() >= (graphql ? 500 : 400)) {
      problems.push(`${response.status()} from ${response.url()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith("data:")) {
      problems.push(`a request left the router: ${url}`);
    }
  });
  // `/` sends a browser to the explorer.
  const response = await page.goto(`${base}/`);
  check(response.ok() && new URL(page.url()).pathname === "/explorer", "/ opens /explorer");
  return { context, page, problems };
}

async function signIn(page, email) {
  await page.click("#open-sign-in");
  await page.fill('#sign-in input[name="email"]', email);
  await page.fill('#sign-in input[name="password"]', "tessera-demo");
  await page.click('#sign-in button[type="submit"]');
  await page.getByTestId("who").getByText(/^signed in as /).waitFor();
}

async function schemaTypes(page) {
  await page.click('button[aria-label="Show Documentation Explorer"]');
  const names = page.locator(".graphiql-doc-explorer a.graphiql-doc-explorer-type-name");
  await names.first().waitFor();
  // "All Schema Types" is filled once introspection has answered.
  await page.getByText("All Schema Types").waitFor();
  return names.allTextContents();
}

// Runs the query in the editor, or `query` (a named operation) written into it first.
async function run(page, query) {
  if (query) {
    await page.evaluate((text) => {
      document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(text);
    }, query);
    // GraphiQL reads the operation's name from the editor a moment later, and then
    // saves its tab state (in the explorer's storage namespace).
    const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)[1];
    await page.waitForFunction(
      (name) => Object.keys(localStorage)
        .filter((key) => key.endsWith("tabState"))
        .some((key) => localStorage.getItem(key).includes(`"operationName":"${name}"`)),
      name,
      { timeout: 5000 },
    );
  }
  const result = page.locator("section.result-window");
  const before = await result.textContent();
  await page.click(".graphiql-execute-button");
  // A new result: a different text holding `data` or `errors`.
  await page.waitForFunction((previous) => {
    const text = document.querySelector("section.result-window")?.textContent ?? "";
    return text !== previous && /"(data|errors)"/.test(text);
  }, before);
  return result.textContent();
}

// Writes `text` into the variables or headers pane and, given `saved`, waits for
// GraphiQL to save it with the tab (headers are not saved: shouldPersistHeaders is off).
async function setTool(page, pane, text, saved) {
  await page.click(`button[data-name="${pane.toLowerCase()}"]`);
  const editor = `section.graphiql-editor-tool[aria-label="${pane}"] .graphiql-editor:not(.hidden) .CodeMirror`;
  await page.locator(editor).waitFor();
  await page.evaluate((editor) => {
    document.querySelector(editor.selector).CodeMirror.setValue(editor.text);
  }, { selector: editor, text });
  if (saved) {
    await page.waitForFunction(
      (saved) => Object.keys(localStorage)
        .filter((key) => key.endsWith("tabState"))
        .some((key) => localStorage.getItem(key).includes(saved)),
      saved,
      { timeout: 5000 },
    );
  }
}

async function done(session, name) {
  const path = join(shots, `${name}.png`);
  await session.page.screenshot({ path });
  console.log(`screenshot: ${path}`);
  check(session.problems.length === 0, `${name}: nothing failed in the page (${session.problems.join("; ")})`);
  await session.context.close();
}

try {
  // The team: an administrator signs in on the page and sees the full API.
  {
    const session = await open();
    const { page } = session;
    await signIn(page, "ada@demo.tessera.dev");
    await page.getByTestId("api").getByText("Full API · /graphql").waitFor();
    check((await page.getByTestId("who").textContent()).includes("admin"), "team: signed in as admin");
    const types = await schemaTypes(page);
    check(types.includes("User") && types.includes("JournalEntry"), "team: the docs list User and JournalEntry", types.join(" "));
    const profile = await run(page, null);
    check(profile.includes('"handle": "alex"') && profile.includes('"displayName"'), "team: the default query's result appears", profile);
    // Validation and completion come from the introspected schema.
    await page.evaluate(() => {
      document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue("query Broken { noSuchField }");
    });
    await page.locator(".graphiql-query-editor .CodeMirror-lint-mark-error").first().waitFor();
    console.log("ok: team: the editor marks a field the schema lacks");
    await page.evaluate(() => {
      const editor = document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror;
      editor.setValue("query Complete { userBy");
      editor.focus();
      editor.setCursor({ line: 0, ch: editor.getLine(0).length });
    });
    await page.keyboard.press("Control+Space");
    await page.locator(".CodeMirror-hints li", { hasText: "userByHandle" }).first().waitFor();
    console.log("ok: team: completion offers userByHandle");
    await page.keyboard.press("Escape");
    const me = await run(page, "query Me { me { handle roles } }");
    check(me.includes('"handle": "ada"') && me.includes("ADMIN"), "team: the query runs with the signed-in token", me);
    // The variables and headers panes feed the next request; history keeps what ran.
    await setTool(page, "Variables", '{"handle": "kim"}', "kim");
    await setTool(page, "Headers", '{"x-explorer-test": "yes"}');
    const sent = page.waitForRequest(
      (request) => request.url().endsWith("/graphql") && request.headers()["x-explorer-test"] === "yes",
    );
    const byHandle = await run(page, "query ByHandle($handle: String!) { userByHandle(handle: $handle) { handle } }");
    check(byHandle.includes('"handle": "kim"'), "team: the variables pane feeds the query", byHandle);
    await sent;
    console.log("ok: team: the headers pane's header is sent");
    await page.click('button[aria-label="Show History"]');
    await page.locator(".graphiql-history-item", { hasText: "ByHandle" }).first().waitFor();
    console.log("ok: team: the history lists the queries run");
    // The team sees what partners see, with its own token, and comes back.
    await page.click("#switch-api");
    await page.getByTestId("api").getByText("Partner API · /partner/graphql").waitFor();
    const partnerTypes = await schemaTypes(page);
    check(partnerTypes.includes("CodexEntry") && !partnerTypes.includes("User"), "team: the partner API's docs list CodexEntry, not User", partnerTypes.join(" "));
    const catalogue = await run(page, "query Catalogue { exercises(first: 2) { nodes { name } } }");
    check(catalogue.includes('"exercises"') && !catalogue.includes('"errors"'), "team: a query runs on the partner API", catalogue);
    const outside = await run(page, "query Outside { me { handle } }");
    check(outside.includes("GRAPHQL_VALIDATION_FAILED"), "team: on the partner API, a field outside it does not validate", outside);
    await page.screenshot({ path: join(shots, "explorer-team-partner.png") });
    await page.click("#switch-api");
    await page.getByTestId("api").getByText("Full API · /graphql").waitFor();
    console.log("ok: team: back to the full API");
    await done(session, "explorer-team");
  }

  // A partner signs in and sees only the partner variant.
  {
    const session = await open();
    const { page } = session;
    await signIn(page, "pat@demo.tessera.dev");
    await page.getByTestId("api").getByText("Partner API · /partner/graphql").waitFor();
    check(await page.locator("#switch-api").isHidden(), "partner: no switch to the full API");
    const types = await schemaTypes(page);
    check(types.includes("Exercise") && types.includes("CodexEntry"), "partner: the docs list Exercise and CodexEntry", types.join(" "));
    check(!types.includes("User") && !types.includes("JournalEntry"), "partner: the docs list neither User nor JournalEntry", types.join(" "));
    const search = await run(page, null);
    check(search.includes('"codexSearch"') && search.includes('"title"'), "partner: the default query's result appears", search);
    const outside = await run(page, "query Outside { me { handle } }");
    check(outside.includes("GRAPHQL_VALIDATION_FAILED"), "partner: a field outside the variant does not validate", outside);
    await done(session, "explorer-partner");
  }

  // A partner's API key, pasted in, reaches the partner variant; nonsense is refused.
  {
    const session = await open();
    const { page } = session;
    await page.click("#open-token");
    await page.fill('#token input[name="token"]', "not a token");
    await page.click('#token button[type="submit"]');
    check(
      (await page.locator("#token .error").textContent()).includes("neither an access token"),
      "paste: nonsense is refused on the page",
    );
    await page.fill('#token input[name="token"]', apiKey);
    await page.click('#token button[type="submit"]');
    await page.getByTestId("api").getByText("Partner API · /partner/graphql").waitFor();
    const exercises = await run(page, "query Catalogue { exercises(first: 2) { nodes { name } } }");
    check(exercises.includes('"exercises"') && !exercises.includes('"errors"'), "api key: a query runs on the partner variant", exercises);
    await done(session, "explorer-api-key");
  }
} catch (error) {
  console.error(error.message);
  await browser.close();
  process.exit(1);
}
await browser.close();
