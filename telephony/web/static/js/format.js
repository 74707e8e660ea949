// Times and durations as the page shows them. Times stay in the hotline's time zone
// (the API's ISO strings carry it), whatever the browser's own zone is.

import { t } from "./i18n.js";

/** "2026-11-23T08:00:12.345+08:00" -> "2026-11-23 08:00:12" */
export function dateTime(iso) {
  if (!iso) return t("none");
  return iso.slice(0, 19).replace("T", " ");
}

export function timeOfDay(iso) {
  if (!iso) return t("none");
  return iso.slice(11, 19);
}

/** Whole seconds as m:ss or h:mm:ss (a wallboard timer). */
export function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** Milliseconds for people: "850 ms", "6.8 s", "2:05". */
export function duration(ms) {
  if (ms === null || ms === undefined) return t("none");
  if (ms < 1000) return t("unit.ms", { n: ms });
  if (ms < 60_000) return t("unit.s", { n: (ms / 1000).toFixed(1) });
  return clock(ms / 1000);
}

/** Seconds into a recording: "0:07.5" */
export function offset(seconds) {
  const m = Math.floor(seconds / 60);
  const sec = (seconds - m * 60).toFixed(1).padStart(4, "0");
  return `${m}:${sec}`;
}

export function percent(ratio) {
  return ratio === null || ratio === undefined ? t("none") : `${(ratio * 100).toFixed(1)}%`;
}

/** The UTC offset (ms) of `timeZone` at the instant `utcMs`. */
function zoneOffsetMs(utcMs, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function offsetText(ms) {
  const minutes = Math.round(ms / 60000);
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** A datetime-local value ("2026-11-23T08:00"), read in the hotline's zone, as ISO 8601 with
 *  that zone's offset ("2026-11-23T08:00:00+08:00"), which the API wants. */
export function localInputToIso(value, timeZone) {
  if (!value) return null;
  const [date, time = "00:00"] = value.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [hh, mm, ss = 0] = time.split(":").map(Number);
  const wall = Date.UTC(y, mo - 1, d, hh, mm, ss);
  let offsetMs = zoneOffsetMs(wall, timeZone);
  offsetMs = zoneOffsetMs(wall - offsetMs, timeZone); // settle across a DST change
  return `${date}T${pad(hh)}:${pad(mm)}:${pad(ss)}${offsetText(offsetMs)}`;
}

/** An ISO 8601 instant as a datetime-local value in the hotline's zone. */
export function isoToLocalInput(iso, timeZone) {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const wall = new Date(ms + zoneOffsetMs(ms, timeZone));
  return `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
}

/** Today's date in the hotline's zone, `days` days from now, as "YYYY-MM-DD". */
export function zonedDate(timeZone, days = 0) {
  const ms = Date.now() + days * 86_400_000;
  return isoToLocalInput(new Date(ms).toISOString(), timeZone).slice(0, 10);
}
