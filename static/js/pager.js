// A list of the hall display shown page by page when its rows, at their minimum height, do
// not all fit: as many rows as fit, the next page every few seconds, "2 / 3" in an
// indicator. The list's CSS gives the minimum row height as --row-min (in em) and the
// columns (its grid tracks); the class "paged" fixes the rows at it, "off-page" hides a row.

export class Pager {
  /** @param {HTMLElement} list @param {HTMLElement[]} rows @param {HTMLElement} indicator */
  constructor(list, rows, indicator) {
    this.list = list;
    this.rows = rows;
    this.indicator = indicator;
    this.page = 0;
    this.pages = 1;
    this.perPage = Infinity;
  }

  /** How many rows fit on a page, from the list's room: again after every resize. */
  measure() {
    this.list.classList.remove("paged");
    for (const row of this.rows) row.classList.remove("off-page");
    const style = getComputedStyle(this.list);
    const columns = style.gridTemplateColumns.split(" ").filter(Boolean).length || 1;
    const rowHeight = Number.parseFloat(style.getPropertyValue("--row-min")) * Number.parseFloat(style.fontSize);
    const fit = Math.max(1, Math.floor(this.list.clientHeight / rowHeight));
    this.perPage = columns * fit;
    this.pages = Math.ceil(this.rows.length / this.perPage);
    this.page = Math.min(this.page, this.pages - 1);
    this.show();
  }

  show() {
    const paged = this.pages > 1;
    this.list.classList.toggle("paged", paged);
    this.rows.forEach((row, i) => {
      row.classList.toggle("off-page", paged && Math.floor(i / this.perPage) !== this.page);
    });
    this.indicator.hidden = !paged;
    const text = paged ? `${this.page + 1} / ${this.pages}` : "";
    if (this.indicator.textContent !== text) this.indicator.textContent = text;
  }

  next() {
    if (this.pages < 2) return;
    this.page = (this.page + 1) % this.pages;
    this.show();
  }

  /** Turns to the page with row `row` on it (a call there must be seen). */
  showRow(row) {
    const index = this.rows.indexOf(row);
    if (index < 0 || this.pages < 2 || Math.floor(index / this.perPage) === this.page) return;
    this.page = Math.floor(index / this.perPage);
    this.show();
  }
}
