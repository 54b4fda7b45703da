// What the API clients' unit tests share: a fetch that records each request and answers
// from a list, and a JSON response.

/** A request the recording fetch was given. */
export interface Sent {
  url: string;
  init: RequestInit;
}

/** A fetch that records every request in `sent` and answers each with the next of `answers`. */
export function recorder(answers: Response[]) {
  const sent: Sent[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ url: String(url), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error("no answer left");
    return next;
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

/** A JSON response of `body` with `status`. */
export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
