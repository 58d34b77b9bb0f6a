// The visitor's rating of a served ticket on its page (CONTRACT 6.4, docs/skm.md): offered
// once the ticket is done, live or on a reload. One face of four and an optional comment,
// then, if the visitor wants, the nine SKM elements one at a time (each may be skipped),
// then POST /api/v1/tickets/{id}/rating once. A failed send (no network, too many tries)
// keeps every answer for another press of Send; a ticket rated before (here or at the desk)
// shows the thanks; one served too long ago says that rating is closed.
//
// config.rating: {api, kept: the rating kept (GET /api/v1/tickets/{id}'s "rating") or null,
// closed: true when the 24 hours to rate it had passed when the page was made}.
//
// The faces' and the survey's own keys are listed in faces.js and survey.js.
// config.strings keys (texts: server/web/strings.py, page "ticket"):
//   rate_question, comment_count, survey_progress, survey_next, survey_send, rate_choose,
//   rate_sending, rate_thanks, rate_rated, rate_closed, rate_failed, rate_busy,
//   rate_refused

import { api } from "loket/api";
import { chosenFace, faceChoices, faceIcon, faceWord } from "loket/faces";
import { h, setText } from "loket/page";
import { surveyElements } from "loket/survey";

export const COMMENT_MAX = 500; // characters, as the API takes (and the textarea's maxlength)

const $ = (id) => document.getElementById(id);

export class TicketRating {
  /** `t`: the page's translator; `settings`: config.rating. */
  constructor(t, settings) {
    this.t = t;
    this.settings = settings || {};
    this.elements = surveyElements(t);
    this.answers = {}; // "U1" → 1..4, the elements answered; skipped ones are absent
    this.step = -1; // -1: the faces; 0..8: the survey's element at that place
    this.sending = false;
    this.state = this.settings.kept ? "rated" : this.settings.closed ? "closed" : "offer";
    this.dom = {
      root: $("rating"),
      title: $("rating-title"),
      form: $("rating-form"),
      faces: $("rating-faces"),
      comment: $("rating-comment"),
      count: $("rating-count"),
      toSurvey: $("rating-survey"),
      survey: $("survey-form"),
      progress: $("survey-progress"),
      question: $("survey-question"),
      back: $("survey-back"),
      skip: $("survey-skip"),
      next: $("survey-next"),
      sendNow: $("survey-send-now"),
      message: $("rating-message"),
      done: $("rating-done"),
      doneFace: $("rating-done-face"),
      doneText: $("rating-done-text"),
    };
    this.build();
    if (this.settings.kept) this.showDone(this.settings.kept.score, false);
    else if (this.settings.closed) this.showClosed();
  }

  build() {
    const { dom, t } = this;
    this.faces = faceChoices("rating-score", t("rate_question"), t, () => this.say(""));
    dom.faces.replaceChildren(this.faces);
    dom.comment.maxLength = COMMENT_MAX;
    dom.comment.addEventListener("input", () => this.count());
    this.count();
    dom.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.scoreChosen()) this.send();
    });
    dom.toSurvey.addEventListener("click", () => {
      if (this.scoreChosen()) this.ask(0);
    });
    dom.survey.addEventListener("submit", (event) => {
      event.preventDefault(); // Next, or Send after the last element
      if (this.step < this.elements.length - 1) this.ask(this.step + 1);
      else this.send();
    });
    dom.skip.addEventListener("click", () => {
      delete this.answers[this.elements[this.step].element];
      if (this.step < this.elements.length - 1) this.ask(this.step + 1);
      else this.send();
    });
    dom.back.addEventListener("click", () => this.ask(this.step - 1));
    dom.sendNow.addEventListener("click", () => this.send());
  }

  /** The ticket's view changed: a done ticket is offered the rating (or shows its state). */
  update(ticket) {
    this.dom.root.hidden = ticket.status !== "done";
  }

  count() {
    const length = this.dom.comment.value.length;
    setText(this.dom.count, this.t("comment_count", { n: length, max: COMMENT_MAX }));
  }

  scoreChosen() {
    if (chosenFace(this.faces) !== null) return true;
    this.say(this.t("rate_choose"));
    this.faces.querySelector("input").focus();
    return false;
  }

  /** Shows the survey's element at `index` (-1: back to the faces). */
  ask(index) {
    const { dom, t } = this;
    this.say("");
    this.step = index;
    dom.form.hidden = index >= 0;
    dom.survey.hidden = index < 0;
    if (index < 0) {
      this.faces.querySelector("input:checked")?.focus();
      return;
    }
    const { element, question, answers } = this.elements[index];
    const last = index === this.elements.length - 1;
    setText(dom.progress, t("survey_progress", { n: index + 1, total: this.elements.length }));
    setText(dom.next, last ? t("survey_send") : t("survey_next"));
    dom.sendNow.hidden = last;
    const name = `survey-${element}`;
    const options = answers.map((text, i) => {
      const score = i + 1;
      const id = `${name}-${score}`;
      const input = h("input", { type: "radio", name, id, value: String(score), class: "survey-input" });
      input.checked = this.answers[element] === score;
      input.addEventListener("change", () => {
        this.answers[element] = score;
      });
      const label = h("label", { for: id, class: "survey-answer" }, faceIcon(score), h("span", {}, text));
      return [input, label];
    });
    const group = h(
      "fieldset",
      { class: "survey-element", dataset: { element } },
      h("legend", { class: "survey-question" }, question),
      h("div", { class: "survey-answers" }, options.flat()),
    );
    dom.question.replaceChildren(group);
    dom.progress.focus(); // "Question 3 of 9" is read first, then the question
  }

  body() {
    const body = { score: chosenFace(this.faces) };
    const comment = this.dom.comment.value.trim();
    if (comment) body.comment = comment;
    if (Object.keys(this.answers).length > 0) body.answers = { ...this.answers };
    return body;
  }

  async send() {
    if (this.sending || this.state !== "offer") return;
    const body = this.body();
    this.sending = true;
    this.busy(true);
    this.say(this.t("rate_sending"), "status");
    try {
      const answer = await api(this.settings.api, { method: "POST", body });
      this.showDone(answer.rating.score, true);
    } catch (error) {
      this.refused(error);
    } finally {
      this.sending = false;
      this.busy(false);
    }
  }

  refused(error) {
    if (error.code === "already_rated") {
      this.showDone(null, true); // rated meanwhile, at the desk or in another tab
    } else if (error.code === "rating_closed") {
      this.showClosed();
    } else if (error.isNetwork || error.status === 429 || error.status >= 500) {
      // everything chosen stays on the page: Send again when the network is back
      this.say(error.status === 429 ? this.t("rate_busy") : this.t("rate_failed"));
    } else {
      this.say(this.t("rate_refused", { message: error.message }));
    }
  }

  busy(on) {
    for (const button of this.dom.root.querySelectorAll("button")) button.disabled = on;
    this.dom.root.setAttribute("aria-busy", String(on));
  }

  /** A message under the current step: an error (role alert), or "Sending…" (status). */
  say(text, role = "alert") {
    const { message } = this.dom;
    message.setAttribute("role", role);
    message.hidden = !text;
    setText(message, text);
  }

  finish(state) {
    this.state = state;
    this.dom.form.hidden = true;
    this.dom.survey.hidden = true;
    this.say("");
    this.dom.done.hidden = false;
    this.dom.root.dataset.state = state;
  }

  /** Thanks: just now (`now`), or from before (a reload). `score` null: not known here. */
  showDone(score, now) {
    this.finish("rated");
    const { t } = this;
    this.dom.doneFace.replaceChildren(...(score ? [faceIcon(score)] : []));
    const text = now || !score ? t("rate_thanks") : t("rate_rated", { face: faceWord(t, score) });
    setText(this.dom.doneText, text);
    if (now) this.dom.title.focus();
  }

  showClosed() {
    const now = this.state === "offer";
    this.finish("closed");
    this.dom.doneFace.replaceChildren();
    setText(this.dom.doneText, this.t("rate_closed"));
    if (now) this.dom.title.focus();
  }
}
