// An API error as a sentence for the user.

import { t } from "./i18n.js";

export function errorText(err) {
  if (err?.status === 403) return t("error.forbidden");
  if (err?.status === 404) return t("error.not_found");
  if (err?.status === 503) return t("error.unavailable");
  return t("error.generic", { message: err?.message || String(err) });
}
