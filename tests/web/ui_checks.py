"""What the browser tests check on any page, measured in the browser itself: what a person
at that screen size would see, not what the HTML source says."""

from __future__ import annotations

from functools import cache

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 768}  # the most common laptop screen in county offices
SIZES = {"phone": PHONE, "desktop": DESKTOP}

# Text a reader meets, with data (names, places, numbers typed by users) left out: the
# project wraps data in translate="no" (docs/ui.md, "One language at a time").
_TEXT_OUTSIDE_DATA = """(pattern) => {
  const found = [];
  const wanted = new RegExp(pattern, "u");
  const skipped = '[translate="no"], script, style, noscript, template';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skipped)) continue;
    if (wanted.test(node.textContent)) found.push(`<${parent.tagName.toLowerCase()}> ${node.textContent.trim()}`);
  }
  const readable = ["placeholder", "title", "aria-label", "alt"];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest(skipped)) continue;
    for (const name of readable) {
      const value = element.getAttribute(name);
      if (value && wanted.test(value)) found.push(`<${element.tagName.toLowerCase()} ${name}> ${value}`);
    }
    if (element.matches("input[type=submit], input[type=button]") && wanted.test(element.value)) {
      found.push(`<input value> ${element.value}`);
    }
  }
  if (wanted.test(document.title)) found.push(`<title> ${document.title}`);
  return found;
}"""

HAN = r"[\p{Script=Han}]"


def han_outside_data(page) -> list[str]:
    """Every text, readable attribute and the title with a Han character outside
    translate="no" elements: on an English page the list must be empty."""
    return page.evaluate(_TEXT_OUTSIDE_DATA, HAN)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def box(locator) -> dict:
    """The element's box in CSS pixels relative to the top of the page (not of the viewport),
    so two boxes compare by their order on the page whatever the scroll position."""
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height,"
        " top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }"
    )


def first_in_main(page):
    """The first visible element in <main> after the skip target and any messages."""
    return page.locator(
        "main > :not(.messages):not([hidden]):not(script):not(template):visible"
    ).first


@cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


SERIOUS = ("serious", "critical")


def serious_violations(page) -> list[str]:
    """axe-core's violations of impact serious or critical, one line each: rule, impact,
    the selectors of the elements concerned, and axe's summary of what is wrong."""
    results = _axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in SERIOUS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets[:8]}"
                     + (f" (+{len(targets) - 8} more)" if len(targets) > 8 else ""))
    return lines
