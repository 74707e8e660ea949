// The page's frame: top bar, language switch, and the hash router that shows one page at a time.
//   #/login  #/calls?agent=1001&page=2  #/calls/42  #/dashboard  #/wallboard

import { setUnauthorizedHandler } from "./api.js";
import { clear, h } from "./dom.js";
import { errorText } from "./errors.js";
import { lang, setLang, t } from "./i18n.js";
import { forgetMeta, loadMeta } from "./meta.js";
import { currentUser, forgetUser, loadUser, logOut } from "./session.js";
import * as callDetail from "./pages/call_detail.js";
import * as calls from "./pages/calls.js";
import * as dashboard from "./pages/dashboard.js";
import * as login from "./pages/login.js";
import * as wallboard from "./pages/wallboard.js";

const view = document.getElementById("view");
const DESK = ["admin", "supervisor"];
const NAV = [ // [page, link, label, roles that may open it (the API says the same)]
  ["calls", "#/calls", "nav.calls", null],
  ["dashboard", "#/dashboard", "nav.dashboard", null],
  ["wallboard", "#/wallboard", "nav.wallboard", DESK],
];

let cleanup = null; // what the shown page must stop (timers, the wallboard's event stream)
let renderId = 0;

/** The route in the hash: {name, id, params}. */
function route() {
  const [path, q = ""] = (location.hash.replace(/^#/, "") || "/calls").split("?");
  const parts = path.split("/").filter(Boolean);
  const params = Object.fromEntries(new URLSearchParams(q));
  if (parts[0] === "calls" && parts[1]) return { name: "call", id: parts[1], params };
  return { name: parts[0] || "calls", params };
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function drawFrame(active) {
  document.title = t("app.title");
  document.getElementById("brand").textContent = t("app.brand");
  document.getElementById("lang-label").textContent = t("lang.label");
  document.getElementById("lang").value = lang();
  const user = currentUser();
  const nav = clear(document.getElementById("nav"));
  if (user) {
    for (const [name, href, key, roles] of NAV) {
      if (roles && !roles.includes(user.role)) continue;
      const current = active === name || (name === "calls" && active === "call");
      nav.append(h("a", { href, class: current ? "active" : null, "aria-current": current ? "page" : null }, t(key)));
    }
  }
  document.getElementById("who").textContent = user ? `${user.name || user.username} · ${t(`role.${user.role}`)}` : "";
  const logout = document.getElementById("logout");
  logout.hidden = !user;
  logout.textContent = t("nav.logout");
}

async function render() {
  const id = ++renderId;
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const r = route();
  if (r.name !== "login" && !currentUser()) {
    sessionStorage.setItem("hotline.after_login", location.hash || "#/calls");
    location.hash = "#/login";
    return;
  }
  drawFrame(r.name);
  clear(view).append(h("p", { class: "loading" }, t("loading")));
  try {
    if (r.name !== "login") await loadMeta();
    if (id !== renderId) return; // the user moved on while we loaded
    const page = { login, calls, call: callDetail, dashboard, wallboard }[r.name];
    clear(view);
    if (!page) {
      view.append(h("p", { class: "error" }, t("error.not_found")));
      return;
    }
    const stop = await page.render(view, r, { go, afterLogin, rendered: () => id === renderId });
    if (id === renderId) cleanup = stop || null;
    else if (stop) stop();
  } catch (err) {
    if (id !== renderId) return;
    clear(view).append(h("p", { class: "error", role: "alert" }, errorText(err)));
  }
}

/** After logging in: back where the user wanted to go. */
function afterLogin() {
  forgetMeta();
  const next = sessionStorage.getItem("hotline.after_login");
  sessionStorage.removeItem("hotline.after_login");
  go(next && !next.startsWith("#/login") ? next : "#/calls");
}

setUnauthorizedHandler(() => {
  forgetUser();
  forgetMeta();
  if (!location.hash.startsWith("#/login")) {
    sessionStorage.setItem("hotline.after_login", location.hash || "#/calls");
    location.hash = "#/login";
  }
});

document.getElementById("lang").addEventListener("change", (e) => setLang(e.target.value));
document.getElementById("logout").addEventListener("click", async () => {
  await logOut();
  forgetMeta();
  go("#/login");
});
window.addEventListener("langchange", render);
window.addEventListener("hashchange", render);

await loadUser();
render();
