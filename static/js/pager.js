// A list of the hall display shown page by page when its rows do not all fit: as many rows
// as fit, the next page every few seconds, "2 / 3" in an indicator. The rows are measured
// as they are (the CSS gives each at least --row-min and its content's height, then
// stretches them to fill the list); only when the last one would end below the list's
// bottom does it page. The class "paged" gives every row one height (--page-row: the
// highest one's, or more to fill the list), "off-page" hides a row.

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
    const room = this.list.clientHeight;
    const top = this.list.getBoundingClientRect().top + this.list.clientTop;
    const last = this.rows.at(-1);
    if (!last || last.getBoundingClientRect().bottom - top <= room + 0.5) {
      this.perPage = Infinity;
      this.pages = 1;
    } else {
      // overflowing, each row is at its least height: a page holds rows as high as the highest
      const style = getComputedStyle(this.list);
      const columns = style.gridTemplateColumns.split(" ").filter(Boolean).length || 1;
      const rowHeight = Math.max(...this.rows.map((row) => row.getBoundingClientRect().height));
      const gap = Number.parseFloat(style.rowGap) || 0;
      const perColumn = Math.max(1, Math.floor((room + gap + 0.5) / (rowHeight + gap)));
      // the page's rows share the list's height, as the rows of a list that fits do
      const pageRow = Math.max(rowHeight, (room + gap) / perColumn - gap);
      this.list.style.setProperty("--page-row", `${Math.floor(pageRow * 100) / 100}px`);
      this.perPage = columns * perColumn;
      this.pages = Math.ceil(this.rows.length / this.perPage);
    }
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
