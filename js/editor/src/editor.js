// anywidget front-end of goenv.widgets.editor.GoEditor: a CodeMirror 6 editor for Go.
//
// Synced traits (see goenv/widgets/editor.py): value, height, read_only,
// highlight_lines, placeholder.  Custom message sent to Python on Shift-Enter /
// Mod-Enter: {event: "run", value: <the current text>}.
//
// Everything is bundled by build.mjs into goenv/widgets/static/editor.js; nothing
// is fetched at run time.

import { Annotation, Compartment, EditorState, Prec, RangeSet, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  GutterMarker,
  crosshairCursor,
  drawSelection,
  dropCursor,
  gutter,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  placeholder as placeholderExt,
  rectangularSelection,
  runScopeHandlers,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  LanguageSupport,
  bracketMatching,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { goLanguage } from "@codemirror/lang-go";
import { goenvHighlightStyle } from "./highlight.js";

/** Milliseconds of quiet typing before the text is sent to the kernel. */
const SYNC_DELAY_MS = 150;

/** Marks transactions that carry text from the model, so they are not sent back. */
const fromModel = Annotation.define();

// ---------------------------------------------------------------------------
// Highlighted lines (e.g. compile errors): a line decoration plus a gutter marker.
// The marks stay on the line numbers Python gave (they are not mapped through
// edits), so the trait is always the truth; numbers past the end are ignored.

const setHighlightLines = StateEffect.define();

class ErrorMarker extends GutterMarker {
  toDOM() {
    const span = document.createElement("span");
    span.className = "cm-goenv-marker";
    span.textContent = "\u25cf";
    span.setAttribute("aria-hidden", "true");
    return span;
  }
}
const errorMarker = new ErrorMarker();
const errorLine = Decoration.line({ class: "cm-goenv-highlightLine" });

function buildMarks(doc, lines) {
  const wanted = [...new Set(lines)]
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= doc.lines)
    .sort((a, b) => a - b);
  const decos = [];
  const markers = [];
  for (const n of wanted) {
    const from = doc.line(n).from;
    decos.push(errorLine.range(from));
    markers.push(errorMarker.range(from));
  }
  return { lines, decorations: Decoration.set(decos), markers: RangeSet.of(markers) };
}

const highlightField = StateField.define({
  create: (state) => buildMarks(state.doc, []),
  update(value, tr) {
    let lines = value.lines;
    let changed = tr.docChanged;
    for (const e of tr.effects) {
      if (e.is(setHighlightLines)) {
        lines = e.value;
        changed = true;
      }
    }
    return changed ? buildMarks(tr.state.doc, lines) : value;
  },
  provide: (f) => EditorView.decorations.from(f, (v) => v.decorations),
});

const highlightGutter = gutter({
  class: "cm-goenv-markers",
  markers: (view) => view.state.field(highlightField).markers,
  initialSpacer: () => errorMarker,
});

// ---------------------------------------------------------------------------

const MODIFIER_KEYS = new Set(["Shift", "Control", "Alt", "Meta", "AltGraph", "CapsLock"]);

function isRunKey(event) {
  return event.key === "Enter" && !event.altKey && (event.shiftKey || event.ctrlKey || event.metaKey);
}

function applyHeight(el, height) {
  const h = (height || "").trim();
  if (h === "" || h === "auto") {
    el.style.removeProperty("height");
    el.classList.add("goenv-editor--auto");
  } else {
    el.style.height = h;
    el.classList.remove("goenv-editor--auto");
  }
}

function readOnlyExt(ro) {
  return [
    EditorState.readOnly.of(!!ro),
    EditorView.contentAttributes.of({ "aria-readonly": ro ? "true" : "false" }),
  ];
}

function placeholderFor(text) {
  return text ? placeholderExt(text) : [];
}

function render({ model, el }) {
  // Our own root inside anywidget's element: ipywidgets' Layout writes inline styles
  // (height among them) on `el` whenever its layout view starts, which would undo ours.
  const root = document.createElement("div");
  root.className = "goenv-editor";
  root.setAttribute("data-testid", "goenv-editor");
  el.appendChild(root);
  applyHeight(root, model.get("height"));

  const readOnly = new Compartment();
  const placeholderC = new Compartment();

  let timer = null; // pending debounced sync
  let destroyed = false;

  function pushValue() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (destroyed) return;
    const text = view.state.doc.toString();
    if (model.get("value") !== text) {
      model.set("value", text);
      model.save_changes();
    }
  }

  function scheduleSync() {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(pushValue, SYNC_DELAY_MS);
  }

  function runAction() {
    pushValue();
    // The text travels with the request too: ipywidgets holds back a state update
    // while an earlier one is unacknowledged, and custom messages are not held back,
    // so the run request could otherwise reach Python before the latest text.
    model.send({ event: "run", value: view.state.doc.toString() });
  }

  const view = new EditorView({
    parent: root,
    state: EditorState.create({
      doc: model.get("value") || "",
      extensions: [
        Prec.highest(
          EditorView.domEventHandlers({
            blur() {
              if (timer !== null) pushValue();
              return false;
            },
          }),
        ),
        lineNumbers(),
        highlightGutter,
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        dropCursor(),
        EditorState.allowMultipleSelections.of(true),
        indentOnInput(),
        bracketMatching(),
        rectangularSelection(),
        crosshairCursor(),
        highlightActiveLine(),
        new LanguageSupport(goLanguage),
        syntaxHighlighting(goenvHighlightStyle),
        indentUnit.of("\t"),
        EditorState.tabSize.of(4),
        highlightField,
        readOnly.of(readOnlyExt(model.get("read_only"))),
        placeholderC.of(placeholderFor(model.get("placeholder"))),
        EditorView.contentAttributes.of({ "aria-label": "Go source editor" }),
        // Tab indents; Escape then Tab still moves focus out (CodeMirror's tab focus mode).
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          if (update.transactions.every((tr) => tr.annotation(fromModel))) return;
          scheduleSync();
        }),
      ],
    }),
  });

  view.dispatch({ effects: setHighlightLines.of(model.get("highlight_lines") || []) });

  // Keys, seen first, in the capture phase on the window.  Notebook 7 runs its
  // shortcuts from a capture listener on the document (Lumino without
  // bubblingKeydown), before CodeMirror sees the key, and some of its bindings match
  // any element inside a notebook ("[data-jp-code-runner]" Shift-Enter runs the
  // cell, "[data-jp-undoer]" Ctrl-Z undoes a cell action); JupyterLab 4 listens in
  // the bubble phase.  So, for both:
  // * the run keys are handled here and stopped: the cell is not executed as well;
  // * the editor's own keymap runs here; when it takes the key, preventDefault makes
  //   Lumino (and CodeMirror's own listener) leave it alone, and CodeMirror still
  //   does its key bookkeeping;
  // * other keys go on as usual, so Jupyter shortcuts the editor does not use
  //   (Ctrl-S, the command palette) still work from inside it.
  // Escape then Tab is left to CodeMirror, which then moves the focus out.
  const win = root.ownerDocument.defaultView || window;
  let escapedAt = 0;
  function onKeydown(event) {
    if (event.defaultPrevented || event.isComposing || event.keyCode === 229) return;
    if (!view.dom.contains(event.target)) return;
    if (isRunKey(event)) {
      event.preventDefault();
      event.stopPropagation();
      runAction();
      return;
    }
    if (event.key === "Tab" && escapedAt && Date.now() - escapedAt <= 2000) return;
    if (!MODIFIER_KEYS.has(event.key)) escapedAt = 0;
    if (runScopeHandlers(view, event, "editor")) {
      event.preventDefault();
    } else if (event.key === "Escape") {
      escapedAt = Date.now();
    }
  }
  win.addEventListener("keydown", onKeydown, true);

  // --- model -> view --------------------------------------------------------

  function onValue() {
    const next = model.get("value") || "";
    const doc = view.state.doc;
    const current = doc.toString();
    if (next === current) return; // our own echo, or nothing to do: keep the cursor
    if (timer !== null) {
      // Python replaced the text while a local edit was pending: Python wins.
      clearTimeout(timer);
      timer = null;
    }
    // Replace only the part that differs, so the selection outside it survives.
    let start = 0;
    const max = Math.min(current.length, next.length);
    while (start < max && current.charCodeAt(start) === next.charCodeAt(start)) start++;
    let endCur = current.length;
    let endNext = next.length;
    while (endCur > start && endNext > start && current.charCodeAt(endCur - 1) === next.charCodeAt(endNext - 1)) {
      endCur--;
      endNext--;
    }
    view.dispatch({
      changes: { from: start, to: endCur, insert: next.slice(start, endNext) },
      annotations: fromModel.of(true),
    });
  }

  const handlers = {
    "change:value": onValue,
    "change:read_only": () =>
      view.dispatch({ effects: readOnly.reconfigure(readOnlyExt(model.get("read_only"))) }),
    "change:placeholder": () =>
      view.dispatch({ effects: placeholderC.reconfigure(placeholderFor(model.get("placeholder"))) }),
    "change:highlight_lines": () =>
      view.dispatch({ effects: setHighlightLines.of(model.get("highlight_lines") || []) }),
    "change:height": () => {
      applyHeight(root, model.get("height"));
      view.requestMeasure();
    },
  };
  for (const [name, fn] of Object.entries(handlers)) model.on(name, fn);

  // anywidget calls this when the view goes away (cell cleared, re-run, output closed).
  return () => {
    if (timer !== null) pushValue(); // do not lose the last keystrokes
    destroyed = true;
    win.removeEventListener("keydown", onKeydown, true);
    for (const [name, fn] of Object.entries(handlers)) model.off(name, fn);
    view.destroy();
    root.remove();
  };
}

export default { render };
