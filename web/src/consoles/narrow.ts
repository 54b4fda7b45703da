// The consoles on a phone: whether the window is narrow (a media query, followed as the
// window turns or resizes). Below it the consoles' menus fold into a drawer.
import { onBeforeUnmount, ref, type Ref } from "vue";

/** Phones (375-430 px wide) and narrow windows; tablets (768 px) keep the full menu. */
export const PHONE_QUERY = "(max-width: 640px)";

export function useNarrow(query: string = PHONE_QUERY): Ref<boolean> {
  const list = typeof window !== "undefined" && typeof window.matchMedia === "function" ? window.matchMedia(query) : null;
  const narrow = ref(list?.matches ?? false);
  const follow = (event: MediaQueryListEvent) => {
    narrow.value = event.matches;
  };
  list?.addEventListener("change", follow);
  onBeforeUnmount(() => list?.removeEventListener("change", follow));
  return narrow;
}

/** The entry of `pages` a path belongs to: the longest index that is the path or its parent. */
export function activeIndex(pages: readonly { index: string }[], path: string): string | undefined {
  const owners = pages.filter((p) => path === p.index || path.startsWith(p.index.replace(/\/$/, "") + "/"));
  return owners.sort((a, b) => b.index.length - a.index.length)[0]?.index;
}
