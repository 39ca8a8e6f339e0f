// Render the math of the page with the KaTeX copy served by this site (docs/hooks/offline_math.py):
// \( ... \) inline and \[ ... \] display, as pymdownx.arithmatex (generic) writes them, in the
// content and in the navigation and table of contents. Material's instant loading swaps
// pages without a reload, so render again on each page change when document$ exists.
(function () {
  function render() {
    renderMathInElement(document.body, {
      delimiters: [
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false }
      ],
      throwOnError: false
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(render);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
