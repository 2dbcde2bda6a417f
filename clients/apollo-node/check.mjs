// Apollo Client (the npm package, in Node) against a running Tessera router.
//
//   node check.mjs apq     <router /graphql URL>
//   node check.mjs enforce <router /graphql URL> <web manifest (Apollo format)>
//   node check.mjs batch   <router /graphql URL>
//   node check.mjs defer   <router /graphql URL>
//
// `apq`: PersistedQueryLink with useGETForHashedQueries: the first request sends only
// the hash (GET) and misses, the link resends with the text (POST), which registers it;
// later requests send only the hash over GET and hit.
// `enforce`: the router runs trusted documents only. Operations of the manifest go by
// id (as @apollo/persisted-query-lists does: the id looked up by operation name);
// a free-form operation is refused with PERSISTED_QUERY_NOT_IN_LIST.
// `batch`: BatchHttpLink sends concurrent operations as one JSON array; each gets its
// own answer, in order, an error in one leaving the others whole.
// `defer`: an operation with `@defer`, with Apollo Client's handler for the router's
// incremental delivery (deferSpec=20220824): the watcher sees the answer without the
// deferred fragment first (still streaming), then the whole one.
//
// Every HTTP exchange is recorded; the script asserts on them and exits non-zero with
// the reason when Apollo Client and the router disagree.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Defer20220824Handler } from "@apollo/client/incremental";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [mode, uri, manifestPath] = process.argv.slice(2);
assert.ok(uri, "usage: node check.mjs apq|enforce <url> [manifest]");

const exchanges = [];
async function recordingFetch(url, init = {}) {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  const parsed = new URL(String(url));
  const sent = init.body ? JSON.parse(init.body) : Object.fromEntries(parsed.searchParams);
  exchanges.push({
    method: init.method ?? "GET",
    sentQuery: typeof sent.query === "string" && sent.query.length > 0,
    sentHash: JSON.stringify(sent.extensions ?? "").includes("sha256Hash"),
    status: response.status,
    codes: (JSON.parse(text).errors ?? []).map((e) => e.extensions?.code),
  });
  return response;
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const http = new HttpLink({ uri, fetch: recordingFetch });
const client = (link) =>
  new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: "no-cache" } } });

const PROFILE = gql`
  query Profile($handle: String!) {
    userByHandle(handle: $handle) {
      handle
      displayName
    }
  }
`;

function take() {
  return exchanges.splice(0, exchanges.length);
}

async function apq() {
  const apollo = client(new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(http));

  const first = await apollo.query({ query: PROFILE, variables: { handle: "alex" } });
  assert.equal(first.data.userByHandle.displayName, "Alex Rivera");
  const [miss, register, ...rest] = take();
  assert.deepEqual(rest, [], "two requests for the first query");
  assert.deepEqual(
    miss,
    { method: "GET", sentQuery: false, sentHash: true, status: 200, codes: ["PERSISTED_QUERY_NOT_FOUND"] },
    "the hash alone misses with 200",
  );
  assert.deepEqual(
    register,
    { method: "POST", sentQuery: true, sentHash: true, status: 200, codes: [] },
    "the text with its hash is answered (and registered)",
  );

  for (const handle of ["alex", "kim"]) {
    const again = await apollo.query({ query: PROFILE, variables: { handle } });
    assert.equal(again.data.userByHandle.handle, handle);
    assert.deepEqual(
      take(),
      [{ method: "GET", sentQuery: false, sentHash: true, status: 200, codes: [] }],
      "later requests: the hash alone, over GET, answered",
    );
  }
  return "apq: miss (GET) → register (POST) → hits (GET)";
}

async function enforce() {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const ids = new Map(manifest.operations.map((op) => [op.name, op.id]));
  // What @apollo/persisted-query-lists' generatePersistedQueryIdsFromManifest does.
  const generateHash = (document) => {
    const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
    const id = ids.get(operation?.name?.value);
    if (!id) throw new Error(`operation ${operation?.name?.value} is not in the manifest`);
    return id;
  };
  const trusted = client(new PersistedQueryLink({ generateHash }).concat(http));
  const profile = await trusted.query({ query: PROFILE, variables: { handle: "alex" } });
  assert.equal(profile.data.userByHandle.handle, "alex");
  assert.deepEqual(take(), [{ method: "POST", sentQuery: false, sentHash: true, status: 200, codes: [] }]);

  // Free-form, without and with APQ: refused, and APQ does not retry with the text.
  const UNLISTED = gql`
    query Unlisted {
      userByHandle(handle: "alex") {
        handle
      }
    }
  `;
  for (const link of [http, new PersistedQueryLink({ sha256 }).concat(http)]) {
    await assert.rejects(client(link).query({ query: UNLISTED }), (error) => {
      assert.match(String(error), /only trusted documents may run here/);
      return true;
    });
    const [refused, ...rest] = take();
    assert.deepEqual(rest, [], "no retry");
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.codes, ["PERSISTED_QUERY_NOT_IN_LIST"]);
  }
  return "enforce: manifest id answered; free-form refused (PERSISTED_QUERY_NOT_IN_LIST)";
}

async function batch() {
  let posts = 0;
  const countingFetch = (url, init) => {
    posts += 1;
    const sent = JSON.parse(init.body);
    assert.ok(Array.isArray(sent) && sent.length === 3, "one array of three operations");
    return fetch(url, init);
  };
  const apollo = client(new BatchHttpLink({ uri, fetch: countingFetch, batchMax: 5, batchInterval: 20 }));
  const BAD = gql`
    query Bad {
      userByHandle(handle: "alex") {
        handle
        subscriptionTier
      }
    }
  `;
  const [alex, kim, bad] = await Promise.all([
    apollo.query({ query: PROFILE, variables: { handle: "alex" } }),
    apollo.query({ query: PROFILE, variables: { handle: "kim" } }),
    apollo.query({ query: BAD, errorPolicy: "all" }),
  ]);
  assert.equal(posts, 1, "three operations, one request");
  assert.equal(alex.data.userByHandle.handle, "alex");
  assert.equal(kim.data.userByHandle.handle, "kim");
  // Anonymous callers may not see the tier: that field is null with its error; the
  // rest of that operation, and the other operations, are whole.
  assert.equal(bad.data.userByHandle.handle, "alex");
  assert.equal(bad.data.userByHandle.subscriptionTier, null);
  assert.ok(bad.error, "the error reaches the caller");
  return "batch: three operations in one request, answered in order";
}

async function defer() {
  const seen = [];
  // Headers only: reading the body here would wait for its last part.
  const headerFetch = async (url, init) => {
    const response = await fetch(url, init);
    seen.push({ accept: init.headers.accept, contentType: response.headers.get("content-type") });
    return response;
  };
  const apollo = new ApolloClient({
    link: new HttpLink({ uri, fetch: headerFetch }),
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
  });
  const KIM = gql`
    query KimDeferred {
      userByHandle(handle: "kim") {
        id
        handle
        ... @defer(label: "entries") {
          codexEntries(first: 2) {
            nodes {
              id
              title
            }
          }
        }
      }
    }
  `;
  const results = await new Promise((resolve, reject) => {
    const all = [];
    const timer = setTimeout(() => reject(new Error(`no complete result: ${JSON.stringify(all)}`)), 20000);
    const subscription = apollo.watchQuery({ query: KIM, fetchPolicy: "network-only" }).subscribe({
      next(result) {
        if (result.loading && !result.data) return;
        all.push(result);
        if (result.dataState === "complete") {
          clearTimeout(timer);
          subscription.unsubscribe();
          resolve(all);
        }
      },
      error: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
  assert.equal(seen.length, 1, "one request");
  assert.match(seen[0].accept, /multipart\/mixed;deferSpec=20220824/);
  assert.equal(seen[0].contentType, 'multipart/mixed;boundary="-";deferSpec=20220824');
  const [first, ...later] = results;
  assert.equal(first.dataState, "streaming", JSON.stringify(first));
  assert.equal(first.data.userByHandle.handle, "kim");
  assert.equal(first.data.userByHandle.codexEntries, undefined, "not in the first part");
  const last = later.at(-1);
  assert.ok(last, "a second result");
  assert.equal(last.dataState, "complete");
  assert.equal(last.data.userByHandle.handle, "kim");
  assert.equal(last.data.userByHandle.codexEntries.nodes.length, 2, JSON.stringify(last.data));
  assert.equal(last.error, undefined);
  return "defer: the handle first (streaming), then the codex entries (complete), in one request";
}

const checks = { apq, enforce, batch, defer };
assert.ok(checks[mode], `unknown mode ${mode}`);
console.log(`ok: ${await checks[mode]()}`);
