"""Every control of a page is reachable by keyboard: a Tab walk meets each of them.

The page's visible controls (links, buttons, form fields and the ARIA roles of controls)
are listed; then Tab is pressed until the focus comes back to where it started (or a
bound is reached), recording every element that takes the focus. A control is reachable
when it was focused, or when it belongs to a composite widget that takes one Tab stop
and moves inside by arrow keys (a radio group, a tab list, a menu, a list box), some
member or part of which was focused. An open modal dialog traps the focus: then only its
own controls are expected. A number field's step buttons are reached through its field,
whose arrow keys step it (the WAI-ARIA spin button pattern).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

_START = """() => {
  window.__lcFocused = [];
  if (!window.__lcFocusHook) {
    window.__lcFocusHook = true;
    document.addEventListener('focusin', (e) => window.__lcFocused.push(e.target), true);
  }
  if (document.activeElement && document.activeElement !== document.body) {
    document.activeElement.blur();
  }
}"""

_CONTROLS = """
  'a[href], button, input:not([type=hidden]), select, textarea, [role=button], ' +
  '[role=link], [role=checkbox], [role=radio], [role=switch], [role=tab], ' +
  '[role=menuitem], [role=option], [role=slider], [role=combobox], [contenteditable=true]'
"""

_MISSING = (
    """() => {
  const visible = (el) => {
    if (el.closest('[aria-hidden=true], [inert]')) return false;
    if (el.disabled || el.getAttribute('aria-disabled') === 'true') return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const modals = [...document.querySelectorAll('[aria-modal=true], [role=dialog]')].filter(visible);
  const scope = modals.length ? modals[modals.length - 1] : document;
  const controls = [...scope.querySelectorAll("""
    + _CONTROLS
    + """)].filter(visible);
  const focused = new Set(window.__lcFocused);
  const groupOf = (el) => {
    const role = el.getAttribute('role') || '';
    if (el.matches('input[type=radio]') && el.name) {
      return (el.form || document).querySelectorAll(`input[type=radio][name="${el.name}"]`);
    }
    const box = el.closest(
      '[role=radiogroup], [role=tablist], [role=menu], [role=menubar], [role=listbox], ' +
      '[role=tree], [role=grid], [role=toolbar]'
    );
    if (box && ['radio', 'tab', 'menuitem', 'option', 'treeitem', 'gridcell', 'button',
                'checkbox', ''].includes(role)) {
      return [box, ...box.querySelectorAll('*')];
    }
    // a spin button's step buttons stay out of the Tab order: its field's arrow keys step
    const spin = el.closest('.el-input-number, .van-stepper');
    if (spin) return [spin, ...spin.querySelectorAll('*')];
    // a control that hands its focus to a field inside it (a select's combobox input)
    return [el, ...el.querySelectorAll('*')];
  };
  const reached = (el) => {
    if (focused.has(el)) return true;
    for (const f of focused) if (el.contains(f) || f.contains(el)) return true;
    for (const member of groupOf(el)) if (focused.has(member)) return true;
    return false;
  };
  const name = (el) => {
    const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('title') ||
                  el.getAttribute('placeholder') || el.getAttribute('name') || '').trim();
    const id = el.getAttribute('data-testid') || el.id || el.className || '';
    return `${el.tagName.toLowerCase()}[${String(id).slice(0, 40)}] "${text.slice(0, 30)}"`;
  };
  return { total: controls.length, missing: controls.filter((el) => !reached(el)).map(name) };
}"""
)


_BACK_AT_START = """() => {
  const here = document.activeElement;
  if (!here || here === document.body) return false;
  if (!window.__lcFirst) { window.__lcFirst = here; return false; }
  return here === window.__lcFirst;
}"""


def keyboard_reachable(page: Page, name: str, *, most: int = 400) -> None:
    """Tab through ``page``; fail naming each visible control the walk never reached."""
    page.evaluate(_START)
    page.evaluate("() => { window.__lcFirst = null; }")
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(_BACK_AT_START):
            break
    result: dict[str, Any] = page.evaluate(_MISSING)
    assert result["missing"] == [], (
        f"{name}: {len(result['missing'])} of {result['total']} controls not reachable by "
        f"Tab: {result['missing'][:12]}"
    )
