// Who is logged in: asked of /api/auth/me when the page loads, set by the login page.

import { api } from "./api.js";

let user = null;

export function currentUser() {
  return user;
}

/** The user behind the cookie, or null when there is no valid session. */
export async function loadUser() {
  try {
    const body = await api("/api/auth/me", { quiet401: true });
    user = body?.user ?? (body?.username ? body : null); // {user: {...}} or the user itself
  } catch {
    user = null;
  }
  return user;
}

export async function logIn(username, password) {
  const body = await api("/api/auth/login", { method: "POST", body: { username, password }, quiet401: true });
  user = body.user;
  return user;
}

export async function logOut() {
  try {
    await api("/api/auth/logout", { method: "POST", quiet401: true });
  } finally {
    user = null;
  }
}

export function forgetUser() {
  user = null;
}
