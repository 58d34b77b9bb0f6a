// The phone's optional short survey of the nine SKM elements (docs/skm.md, PermenPANRB
// 14/2017): one question per element, each with its four answers for the scores 1 to 4.
// Asked in the order of the regulation's sample questionnaire, which asks the facilities
// (U9) before complaints (U8); the answers are sent by element id, never by position.
//
// config.strings keys (texts: server/web/survey_strings.py):
//   skm_u1, skm_u1_1, skm_u1_2, skm_u1_3, skm_u1_4
//   skm_u2, skm_u2_1, skm_u2_2, skm_u2_3, skm_u2_4
//   skm_u3, skm_u3_1, skm_u3_2, skm_u3_3, skm_u3_4
//   skm_u4, skm_u4_1, skm_u4_2, skm_u4_3, skm_u4_4
//   skm_u5, skm_u5_1, skm_u5_2, skm_u5_3, skm_u5_4
//   skm_u6, skm_u6_1, skm_u6_2, skm_u6_3, skm_u6_4
//   skm_u7, skm_u7_1, skm_u7_2, skm_u7_3, skm_u7_4
//   skm_u8, skm_u8_1, skm_u8_2, skm_u8_3, skm_u8_4
//   skm_u9, skm_u9_1, skm_u9_2, skm_u9_3, skm_u9_4

/** [{element: "U1", question, answers: [text of score 1, …, of score 4]}, …] in asking order. */
export function surveyElements(t) {
  return [
    {
      element: "U1",
      question: t("skm_u1"),
      answers: [t("skm_u1_1"), t("skm_u1_2"), t("skm_u1_3"), t("skm_u1_4")],
    },
    {
      element: "U2",
      question: t("skm_u2"),
      answers: [t("skm_u2_1"), t("skm_u2_2"), t("skm_u2_3"), t("skm_u2_4")],
    },
    {
      element: "U3",
      question: t("skm_u3"),
      answers: [t("skm_u3_1"), t("skm_u3_2"), t("skm_u3_3"), t("skm_u3_4")],
    },
    {
      element: "U4",
      question: t("skm_u4"),
      answers: [t("skm_u4_1"), t("skm_u4_2"), t("skm_u4_3"), t("skm_u4_4")],
    },
    {
      element: "U5",
      question: t("skm_u5"),
      answers: [t("skm_u5_1"), t("skm_u5_2"), t("skm_u5_3"), t("skm_u5_4")],
    },
    {
      element: "U6",
      question: t("skm_u6"),
      answers: [t("skm_u6_1"), t("skm_u6_2"), t("skm_u6_3"), t("skm_u6_4")],
    },
    {
      element: "U7",
      question: t("skm_u7"),
      answers: [t("skm_u7_1"), t("skm_u7_2"), t("skm_u7_3"), t("skm_u7_4")],
    },
    {
      element: "U9",
      question: t("skm_u9"),
      answers: [t("skm_u9_1"), t("skm_u9_2"), t("skm_u9_3"), t("skm_u9_4")],
    },
    {
      element: "U8",
      question: t("skm_u8"),
      answers: [t("skm_u8_1"), t("skm_u8_2"), t("skm_u8_3"), t("skm_u8_4")],
    },
  ];
}
