/** The ids of a response's output items, made from the routed request's id. */
export const REASONING_ID_PREFIX = "rs_";

export const messageId = (requestId: string): string => `msg_${requestId}`;
export const reasoningId = (requestId: string): string => `${REASONING_ID_PREFIX}${requestId}`;
export const callItemId = (requestId: string, index: number): string => `fc_${requestId}_${index}`;
