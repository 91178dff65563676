/**
 * Feedback on a request no model answered (every candidate failed) is stored but is no
 * quality signal: the learner skips it, and monitoring must too, or the review-on-drop rule
 * could propose demoting the model the log charges the failure to for answers it never gave.
 */
import { describe, expect, it } from "vitest";
import { feedbackEvent } from "../../../src/server/admin/server-monitoring.js";
import { feedbackInput } from "../../support/feedback-input.js";
import { requestLogRow } from "../../support/request-log-row.js";

describe("feedbackEvent", () => {
  const feedback = feedbackInput("req_failed");

  it("is none for a request that was not answered", () => {
    for (const status of [400, 499, 502, 503]) {
      const failed = requestLogRow("req_failed", { status, errorCode: "upstream_failed" });
      expect(feedbackEvent(feedback, failed), String(status)).toBeNull();
    }
  });

  it("is the model's quality signal for an answered one", () => {
    expect(feedbackEvent(feedback, requestLogRow("req_failed"))).toMatchObject({
      kind: "feedback",
      modelId: "small",
      reward: 0,
    });
  });
});
