// The login form: POST /api/auth/login sets the session cookie; then back where the user was.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { logIn } from "../session.js";

export function render(view, _route, { afterLogin }) {
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const username = h("input", { name: "username", id: "login-username", autocomplete: "username", required: true });
  const password = h("input", {
    name: "password", id: "login-password", type: "password", autocomplete: "current-password", required: true,
  });
  const submit = h("button", { type: "submit" }, t("login.submit"));
  const form = h("form", { class: "login card", id: "login-form" },
    h("h1", {}, t("login.title")),
    h("label", { for: "login-username" }, t("login.username")), username,
    h("label", { for: "login-password" }, t("login.password")), password,
    submit, message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = t("login.busy");
    message.hidden = true;
    try {
      await logIn(username.value.trim(), password.value);
      afterLogin();
    } catch (err) {
      message.textContent = err.status === 401 || err.status === 400 || err.status === 422
        ? t("login.failed") : t("error.generic", { message: err.message });
      message.hidden = false;
      submit.disabled = false;
      submit.textContent = t("login.submit");
      password.select();
    }
  });
  view.append(form);
  username.focus();
}
