// The Tessera API explorer: GraphiQL (completion, validation and documentation from
// introspection; variables, headers and history) with the caller's credentials, pointed
// at the API the caller may use — the partner variant for partners, the full API for
// the team, who may switch to the partner variant to see what partners see. Everything
// it loads is served by the router itself.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("explorer-config").textContent);
  const STORE = "tessera.explorer.credential";
  const VIEW = "tessera.explorer.view";
  const API_KEY_PREFIX = "tsk_";

  // The credential lives for the browser tab only (sessionStorage), never in GraphiQL's
  // persisted headers.
  let credential = sessionStorage.getItem(STORE) || "";
  // The team's choice of API for this tab: "partner" to see what partners see.
  let view = sessionStorage.getItem(VIEW) || "full";

  function claimsOf(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")));
    } catch (_) {
      return null;
    }
  }

  // Who the credential says the caller is. The router checks every request; this only
  // chooses which API to show. An API key is issued to a partner.
  function callerOf(value) {
    if (!value) return { kind: "anonymous", roles: [] };
    if (value.startsWith(API_KEY_PREFIX)) return { kind: "api key", roles: [config.partnerRole] };
    const claims = claimsOf(value);
    if (!claims) return { kind: "token", roles: [] };
    return { kind: "token", subject: claims.sub, roles: claims.roles || [] };
  }

  function isTeam(caller) {
    return config.teamRoles.some((role) => caller.roles.includes(role));
  }

  function endpointFor(caller) {
    const partner = config.partner && (isTeam(caller)
      ? view === "partner"
      : caller.roles.includes(config.partnerRole));
    return partner
      ? { url: config.partner, name: "Partner API", partner: true }
      : { url: config.graphql, name: "Full API", partner: false };
  }

  function authHeaders(value) {
    if (!value) return {};
    return value.startsWith(API_KEY_PREFIX)
      ? { [config.apiKeyHeader]: value }
      : { authorization: "Bearer " + value };
  }

  async function post(url, body, headers) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (_) {
      return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 200)}` }] };
    }
  }

  // GraphiQL's storage, one namespace per API, so the partner's tabs and history never
  // mix with the team's.
  function storageFor(api) {
    const prefix = `tessera.explorer.${api.partner ? "partner" : "full"}:`;
    return {
      getItem: (key) => localStorage.getItem(prefix + key),
      setItem: (key, value) => localStorage.setItem(prefix + key, value),
      removeItem: (key) => localStorage.removeItem(prefix + key),
      clear: () => {
        for (const key of Object.keys(localStorage)) {
          if (key.startsWith(prefix)) localStorage.removeItem(key);
        }
      },
      get length() {
        return Object.keys(localStorage).filter((key) => key.startsWith(prefix)).length;
      },
    };
  }

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));

  function render() {
    const caller = callerOf(credential);
    const api = endpointFor(caller);
    const apiBadge = document.getElementById("api");
    apiBadge.textContent = `${api.name} · ${api.url}`;
    apiBadge.classList.toggle("partner", api.partner);
    document.getElementById("who").textContent =
      caller.kind === "anonymous"
        ? "not signed in"
        : caller.kind === "api key"
          ? "partner API key"
          : `signed in${caller.roles.length ? " as " + caller.roles.join(", ") : ""}`;
    document.getElementById("sign-out").hidden = !credential;
    const switcher = document.getElementById("switch-api");
    switcher.hidden = !(config.partner && isTeam(caller));
    switcher.textContent = api.partner ? "Back to the full API" : "See the partner API";

    const fetcher = (params, options) =>
      post(api.url, params, { ...authHeaders(credential), ...((options && options.headers) || {}) });
    root.render(
      React.createElement(GraphiQL, {
        key: `${api.url} ${credential}`,
        fetcher,
        storage: storageFor(api),
        defaultQuery: api.partner ? config.partnerQuery : config.defaultQuery,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: true,
      }),
    );
  }

  function use(value) {
    credential = value;
    if (value) sessionStorage.setItem(STORE, value);
    else sessionStorage.removeItem(STORE);
    render();
  }

  function panel(id) {
    const form = document.getElementById(id);
    const error = form.querySelector(".error");
    const open = () => {
      for (const other of document.querySelectorAll(".panel")) other.hidden = other !== form;
      error.textContent = "";
      form.querySelector("input").focus();
    };
    form.querySelector(".cancel").addEventListener("click", () => (form.hidden = true));
    return { form, error, open };
  }

  const signIn = panel("sign-in");
  document.getElementById("open-sign-in").addEventListener("click", signIn.open);
  signIn.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(signIn.form);
    signIn.error.textContent = "";
    const result = await post(config.graphql, {
      query: config.signIn,
      operationName: "SignIn",
      variables: { input: { email: data.get("email"), password: data.get("password") } },
    }, {});
    const token = result.data && result.data.signIn && result.data.signIn.accessToken;
    if (!token) {
      signIn.error.textContent = (result.errors && result.errors[0].message) || "sign-in failed";
      return;
    }
    signIn.form.reset();
    signIn.form.hidden = true;
    use(token);
  });

  const paste = panel("token");
  document.getElementById("open-token").addEventListener("click", paste.open);
  paste.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = String(new FormData(paste.form).get("token")).trim().replace(/^Bearer\s+/i, "");
    if (!value.startsWith(API_KEY_PREFIX) && !claimsOf(value)) {
      paste.error.textContent = "this is neither an access token (JWT) nor an API key";
      return;
    }
    paste.form.reset();
    paste.form.hidden = true;
    use(value);
  });

  document.getElementById("sign-out").addEventListener("click", () => use(""));

  document.getElementById("switch-api").addEventListener("click", () => {
    view = view === "partner" ? "full" : "partner";
    sessionStorage.setItem(VIEW, view);
    render();
  });

  render();
})();
