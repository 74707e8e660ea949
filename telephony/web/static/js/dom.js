// Building elements without markup strings: every value goes in as text, so a hostile
// caller ID or transcript can never become HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el, attrs, children, svg) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (!svg && name in el && typeof value !== "string") {
      el[name] = value; // properties such as hidden, disabled, value
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** h("a", {href: "#/calls", class: "x"}, "text", otherNode, [more]) */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children, false);
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children, true);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}
