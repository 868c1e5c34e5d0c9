// Syntax colours taken from the JupyterLab theme (the same --jp-mirror-editor-*
// variables JupyterLab's own cell editors use), so the widget follows the light
// and dark themes.  The fallbacks are JupyterLab's light-theme values, for hosts
// that do not define the variables.

import { HighlightStyle } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

const v = (name, fallback) => `var(--jp-mirror-editor-${name}-color, ${fallback})`;

export const goenvHighlightStyle = HighlightStyle.define([
  { tag: t.keyword, color: v("keyword", "#008000"), fontWeight: "bold" },
  { tag: [t.atom, t.bool, t.null], color: v("atom", "#88f") },
  { tag: [t.number, t.character], color: v("number", "#080") },
  {
    tag: [t.definition(t.name), t.function(t.definition(t.variableName))],
    color: v("def", "#00f"),
  },
  { tag: [t.typeName, t.definition(t.typeName)], color: v("variable-3", "#085") },
  { tag: t.standard(t.variableName), color: v("builtin", "#008000") },
  { tag: [t.special(t.variableName), t.self], color: v("variable-2", "#05a") },
  { tag: t.punctuation, color: v("punctuation", "#05a") },
  { tag: t.propertyName, color: v("property", "#05a") },
  { tag: t.operator, color: v("operator", "#a2f"), fontWeight: "bold" },
  { tag: t.comment, color: v("comment", "#408080"), fontStyle: "italic" },
  { tag: t.string, color: v("string", "#ba2121") },
  { tag: [t.labelName, t.special(t.string)], color: v("string-2", "#708") },
  { tag: t.modifier, color: v("qualifier", "#555") },
  { tag: t.bracket, color: v("bracket", "#997") },
  { tag: [t.separator, t.derefOperator, t.paren], color: "inherit" },
  { tag: t.invalid, color: v("error", "#f00") },
]);
