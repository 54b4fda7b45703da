// The consoles on a phone: which menu entry a path belongs to, and the narrow-window query.
import { mount } from "@vue/test-utils";
import { describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";

import { activeIndex, PHONE_QUERY, useNarrow } from "@/consoles/narrow";

const pages = [{ index: "/app/officials" }, { index: "/app/officials/inbox" }, { index: "/app/officials/jobs" }];

describe("activeIndex", () => {
  it("picks the longest entry that is the path or its parent", () => {
    expect(activeIndex(pages, "/app/officials")).toBe("/app/officials");
    expect(activeIndex(pages, "/app/officials/inbox")).toBe("/app/officials/inbox");
    expect(activeIndex(pages, "/app/officials/communities/440304001")).toBe("/app/officials");
    expect(activeIndex(pages, "/app/officials/jobsx")).toBe("/app/officials");
    expect(activeIndex(pages, "/app/near")).toBeUndefined();
  });
});

describe("useNarrow", () => {
  it("follows the media query", async () => {
    const listeners: ((e: { matches: boolean }) => void)[] = [];
    const asked: string[] = [];
    vi.stubGlobal("matchMedia", (query: string) => {
      asked.push(query);
      return {
        matches: true,
        addEventListener: (_: string, f: (e: { matches: boolean }) => void) => listeners.push(f),
        removeEventListener: () => undefined,
      };
    });
    let narrow: { value: boolean } = { value: false };
    const wrapper = mount(
      defineComponent({
        setup() {
          narrow = useNarrow();
          return () => h("p", String(narrow.value));
        },
      }),
    );
    expect(asked).toEqual([PHONE_QUERY]);
    expect(wrapper.text()).toBe("true");
    listeners.forEach((f) => f({ matches: false }));
    await wrapper.vm.$nextTick();
    expect(wrapper.text()).toBe("false");
    wrapper.unmount();
    vi.unstubAllGlobals();
  });
});
