// A survey's answers in the page: required ones still empty, the body sent (empty optional
// answers left out, options in the survey's order, texts trimmed), complaint kinds.
import { describe, expect, it } from "vitest";

import type { SurveyQuestion } from "@/api/residents-voice-types";
import { answerBody, COMPLAINT_KINDS, emptyAnswers, missingRequired, statusTag } from "@/voice/answers";

const q = (key: string, kind: SurveyQuestion["kind"], required = true, options: string[] = []): SurveyQuestion => ({
  key,
  text: key,
  kind,
  options,
  required,
  satisfaction: key === "satisfaction",
});
const questions = [
  q("satisfaction", "scale5"),
  q("walk", "single", true, ["5分钟", "10分钟", "15分钟以上"]),
  q("wanted", "multiple", false, ["早餐店", "菜市场", "药店"]),
  q("comments", "text", false),
];

describe("survey answers", () => {
  it("starts empty: a list for a multiple choice, null otherwise", () => {
    expect(emptyAnswers(questions)).toEqual({ satisfaction: null, walk: null, wanted: [], comments: null });
  });

  it("names the required questions not answered, in order", () => {
    const answers = emptyAnswers(questions);
    expect(missingRequired(questions, answers)).toEqual(["satisfaction", "walk"]);
    answers.walk = "10分钟";
    expect(missingRequired(questions, answers)).toEqual(["satisfaction"]);
    answers.satisfaction = 4;
    expect(missingRequired(questions, answers)).toEqual([]);
    expect(missingRequired([q("must", "text")], { must: "   " })).toEqual(["must"]); // blank is not an answer
  });

  it("sends what is answered: options in the survey's order, texts trimmed", () => {
    const body = answerBody(questions, {
      satisfaction: 5,
      walk: "5分钟",
      wanted: ["药店", "早餐店"],
      comments: "  希望有早餐店 ",
    });
    expect(body).toEqual({ satisfaction: 5, walk: "5分钟", wanted: ["早餐店", "药店"], comments: "希望有早餐店" });
    expect(answerBody(questions, { satisfaction: 3, walk: "5分钟", wanted: [], comments: "" })).toEqual({
      satisfaction: 3,
      walk: "5分钟",
    });
  });

  it("lists the complaint kinds the API takes and a tag per state", () => {
    expect(COMPLAINT_KINDS).toEqual(["overcharging", "expired_goods", "no_price_tags", "false_advertising", "other"]);
    expect(statusTag("received")).toBe("primary");
    expect(statusTag("assigned")).toBe("warning");
    expect(statusTag("resolved")).toBe("success");
    expect(statusTag("rejected")).toBe("danger");
  });
});
