// A page follows its site's changes without reloading (server/hall.py): a reload of the
// site file, or a new running text. Its socket says so with a "site" control message (seq
// null), also right after connecting when the page shows an older version (the socket's
// ?site= names the version the page was rendered with). The page's own address is then
// fetched in the background and the parts that show the site are taken from it: names,
// counters, services and the running text come out exactly as the server renders them
// (every language, the layout), while the page keeps running: its socket, its state, a
// hall TV's unlocked sound.
//
// Parts are marked data-site-part="name" in the templates; the page's config (its
// <script id="loket-config">) is taken whole.

const SPREAD_MS = 2000; // a hall's screens fetch within this, at random: no stampede

/**
 * The onControl handler for a page's LiveSocket.
 * @param {object} config the page's config, updated in place
 * @param {(doc: Document, config: object) => void} refreshed called once the parts are new
 */
export function followSite(config, refreshed) {
  let timer = 0;
  return (msg) => {
    if (msg.type !== "site" || !msg.data || msg.data.version === config.site_version) return;
    clearTimeout(timer);
    timer = setTimeout(() => refresh(config, refreshed), Math.random() * SPREAD_MS);
  };
}

async function refresh(config, refreshed) {
  let doc;
  try {
    const response = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return; // e.g. this counter is gone: the page stays as it is
    doc = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    return; // offline: on reconnecting, the socket tells again (the page is still older)
  }
  const node = doc.getElementById("loket-config");
  if (!node) return;
  Object.assign(config, JSON.parse(node.textContent));
  for (const part of document.querySelectorAll("[data-site-part]")) {
    const fresh = doc.querySelector(`[data-site-part="${part.dataset.sitePart}"]`);
    if (fresh) part.replaceWith(document.importNode(fresh, true));
  }
  refreshed(doc, config);
}
