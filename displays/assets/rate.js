// The desk's visitor-facing rating tablet (CONTRACT 6.4), beside one counter. Idle, it
// welcomes. When the clerk finishes a ticket as done at this counter (a `ticket.done` on the
// site's display socket), it asks that visitor "How was your service? A015" with four faces
// for config.seconds (the page's ?seconds=, a minute by default), sends the tap to the
// counter's rating endpoint, thanks them for THANKS_MS and goes back to idle. A newer done
// replaces the question. A refusal (rated already, too late, another ticket served since)
// ends the question quietly; a rating the network lost is shown as taken and sent again in
// the background while the server's 5-minute desk window lasts.
//
// It signs in once, as the counter: an enrolled desk device's key (devicekey.js; the admin's
// link /rate/SITE/COUNTER#key=… keeps it), else a staff session of this counter (auth.js).
// It follows the site like a hall TV (socket.js: reconnects, resumes, reports itself on the
// admin's screen list as page "rate" of its counter) and never reloads.
//
// The faces are drawn as on the phone (faces.js); their words are the template's, in every
// site language.
//
// Texts: server/web/strings.py, page "rate" (auth.js and faces.js list their own).
// config.strings keys:
//   signed_in_key, signed_in_staff, key_unchecked, key_invalid, key_other_counter,
//   not_this_counter, session_expired, login_unavailable, confirm_sign_out

import { api } from "loket/api";
import { Login } from "loket/auth";
import { DeviceKey } from "loket/devicekey";
import { faceIcon } from "loket/faces";
import { Labels } from "loket/labels";
import { keepScreenOn, readConfig, restartClass, setText, translator } from "loket/page";
import { followSite } from "loket/sitechange";
import { LiveSocket } from "loket/socket";

const THANKS_MS = 4000;
const SEND_WINDOW_MS = 5 * 60000 - 15000; // the desk's window (server/domain/rating.py), less a margin
const RETRY_MS = [2000, 5000, 10000, 20000]; // a rating the network lost, sent again
const RECHECK_MS = 5 * 60000; // is the key still valid, the session still open?
const ASKED_KEPT = 50; // refs asked about already: a replay after a reconnect asks none twice

const config = readConfig();
const t = translator(config.strings);
const labels = new Labels(config.labels || {});
const deviceKey = new DeviceKey(`loket.desk-key.${config.site}.${config.counter}`);

const dom = {
  app: document.getElementById("rate-app"),
  setup: document.getElementById("rate-setup"),
  panels: {
    idle: document.getElementById("rate-idle"),
    ask: document.getElementById("rate-ask"),
    thanks: document.getElementById("rate-thanks"),
  },
  number: document.getElementById("rate-number"),
  faces: Array.from(document.querySelectorAll(".face[data-score]")),
  bar: document.getElementById("rate-time-bar"),
  staffToggle: document.getElementById("rate-staff-toggle"),
  staffPanel: document.getElementById("rate-staff-panel"),
  signedIn: document.getElementById("rate-signed-in"),
  keyForm: document.getElementById("key-form"),
  setupStatus: document.getElementById("rate-setup-status"),
};

// -- what the visitor sees -----------------------------------------------------------------

let view = "idle";
let question = null; // {ref, number, doneAt (server ms)} while asking or thanking
let viewTimer = 0;
const asked = new Set(); // oldest first

function show(state) {
  view = state;
  dom.app.dataset.state = state;
  for (const [name, panel] of Object.entries(dom.panels)) panel.hidden = name !== state;
}

function goIdle() {
  clearTimeout(viewTimer);
  question = null;
  show("idle");
}

/** True the first time a ticket is asked about; remembers it. */
function firstAsk(ref) {
  if (asked.has(ref)) return false;
  asked.add(ref);
  if (asked.size > ASKED_KEPT) asked.delete(asked.values().next().value);
  return true;
}

/** A ticket done at this counter: ask its visitor while the question's time lasts. A live
 * one from now; one replayed after a network gap from when it was done, by the server's
 * clock (that visitor may have gone). */
function doneHere(msg) {
  const data = msg.data || {};
  if (msg.type !== "ticket.done" || data.counter !== config.counter || !data.ticket) return;
  if (!signedIn || !firstAsk(data.ticket.ref)) return;
  const now = socket.now();
  const at = msg.replayed ? Date.parse(msg.ts) : now;
  if (!Number.isFinite(at)) return;
  const left = at + config.seconds * 1000 - now;
  if (left > 0) ask(data.ticket, at, left);
}

function ask(ticket, doneAt, left) {
  clearTimeout(viewTimer);
  question = { ref: ticket.ref, number: ticket.number, doneAt };
  setText(dom.number, ticket.number);
  for (const face of dom.faces) {
    face.disabled = false;
    face.classList.remove("chosen");
  }
  dom.bar.style.setProperty("--left", `${Math.round(left)}ms`);
  restartClass(dom.bar, "running", left);
  show("ask");
  viewTimer = setTimeout(goIdle, left);
}

async function tap(face) {
  if (view !== "ask" || !question) return;
  const asking = question;
  clearTimeout(viewTimer);
  for (const other of dom.faces) other.disabled = true; // one answer: a second tap is no vote
  face.classList.add("chosen");
  dom.app.dataset.state = "sending";
  const rating = { ref: asking.ref, score: Number(face.dataset.score), until: asking.doneAt + SEND_WINDOW_MS };
  const outcome = await send(rating, 0);
  if (question !== asking) return; // a newer done has the screen now
  // rated already (on the phone): the visitor's opinion is in, so they are thanked too
  if (outcome === "kept" || outcome === "later" || outcome === "rated") thank();
  else goIdle();
}

function thank() {
  clearTimeout(viewTimer);
  show("thanks");
  viewTimer = setTimeout(goIdle, THANKS_MS);
}

// -- sending a rating ----------------------------------------------------------------------

/** One try: "kept", "rated" (before, elsewhere), "refused" (that is that), "later" (sent
 * again in the background) or "signed_out" (the key or the session is no longer good:
 * staff must sign in again). */
async function send(rating, attempt) {
  try {
    await api(config.rating_api, {
      method: "POST",
      headers: signedIn?.by === "key" ? deviceKey.headers() : {},
      body: { ref: rating.ref, score: rating.score },
    });
    return "kept";
  } catch (failure) {
    if (failure.status === 401) return signOut(t("session_expired"));
    if (failure.status === 403) {
      return signOut(failure.code === "invalid_kiosk_key" ? t("key_invalid") : t("not_this_counter"));
    }
    if (failure.isNetwork || failure.status >= 500 || failure.status === 429) {
      sendLater(rating, attempt);
      return "later";
    }
    if (failure.code === "already_rated") return "rated";
    return "refused"; // rating_closed, not_last_served, not_served, ...
  }
}

function sendLater(rating, attempt) {
  const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
  if (socket.now() + wait > rating.until) return; // the server would refuse it by then
  setTimeout(() => {
    if (signedIn) send(rating, attempt + 1);
  }, wait);
}

// -- signing in: a desk device's key, else a staff session of this counter -----------------

let signedIn = null; // {by: "key" | "staff"} once it may take ratings
let unsure = false; // the server could not be asked: ask again once the socket is back

function ready(by, text) {
  signedIn = { by };
  setText(dom.signedIn, text);
  setText(dom.setupStatus, "");
  dom.setup.hidden = true;
  dom.app.hidden = false;
}

/** Staff must sign the tablet in (again); `why` says so on the setup. */
function signOut(why) {
  signedIn = null;
  goIdle();
  login.show();
  setText(dom.setupStatus, why);
  return "signed_out";
}

/** The stored key, asked about: true when it signs this tablet in. Without a connection
 * it is taken on trust (a tablet must come back by itself after a power cut) and asked
 * about again once the socket is back. */
async function checkKey() {
  try {
    const { kiosk } = await api(config.kiosk_api, { headers: deviceKey.headers() });
    if (kiosk.counter === config.counter) {
      ready("key", t("signed_in_key", { name: kiosk.name }));
      return true;
    }
    signOut(t("key_other_counter", { name: kiosk.name }));
  } catch (failure) {
    if (failure.status !== 403) {
      unsure = true;
      if (!signedIn) ready("key", t("key_unchecked"));
      return true;
    }
    signOut(t("key_invalid"));
  }
  return false;
}

/** Who is logged in on this browser; the login form when nobody is (or nobody can tell). */
async function checkSession() {
  try {
    const { user } = await api("/api/v1/auth/me");
    if (!signedIn) login.enter(user);
  } catch (failure) {
    if (failure.status === 401) {
      signOut(signedIn?.by === "staff" ? t("session_expired") : dom.setupStatus.textContent);
    } else {
      unsure = true;
      if (!signedIn) signOut(t("login_unavailable"));
    }
  }
}

/** Signs in with the key if there is one that is good, else with the browser's session. */
async function signIn() {
  unsure = false;
  if (deviceKey.get() && (await checkKey())) return;
  await checkSession();
}

const login = new Login({
  view: dom.setup,
  app: dom.app,
  t,
  onLogin(user) {
    const here = `${config.site}/${config.counter}`;
    if (user.role === "admin" || user.counters === null || user.counters.includes(here)) {
      ready("staff", t("signed_in_staff", { name: user.username }));
    } else {
      signOut(t("not_this_counter"));
    }
  },
});

dom.setup.querySelector("#login-view").hidden = false; // the form shows whenever its setup does
dom.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  deviceKey.set(dom.keyForm.elements.key.value.trim());
  dom.keyForm.reset();
  signIn();
});
dom.staffToggle.addEventListener("click", () => {
  dom.staffPanel.hidden = !dom.staffPanel.hidden;
  dom.staffToggle.setAttribute("aria-expanded", String(!dom.staffPanel.hidden));
});
document.getElementById("rate-sign-out").addEventListener("click", async () => {
  if (!window.confirm(t("confirm_sign_out"))) return;
  const by = signedIn?.by;
  deviceKey.set("");
  dom.staffPanel.hidden = true;
  if (by === "staff") await login.logout();
  signOut("");
});
for (const face of dom.faces) face.addEventListener("click", () => tap(face));
for (const place of document.querySelectorAll("[data-face]")) {
  place.prepend(faceIcon(Number(place.dataset.face)));
}

// -- the site's events ---------------------------------------------------------------------

const socket = new LiveSocket(config.ws, {
  indicator: document.getElementById("conn-status"),
  page: "rate", // the admin's screen list names it: a rating tablet of this counter
  counter: config.counter,
  onSnapshot() {
    if (unsure) signIn(); // the server is back: ask it now
  },
  onEvent: doneHere,
  onReplayed: doneHere, // done while the link was down: asked if that visitor may still be here
  onControl: followSite(config, () => {
    labels.take(config.labels || {});
    socket.path = config.ws; // a reconnect names the version shown now
  }),
});
window.loketSocket = socket; // diagnostic and test hook (browser tests cut the link with it)

deviceKey.takeFromLink();
show("idle");
signIn();
labels.start();
socket.start();
// still signed in? a revoked key or an ended session shows the setup to staff
setInterval(() => (signedIn?.by === "staff" ? checkSession() : signIn()), RECHECK_MS);
keepScreenOn();
