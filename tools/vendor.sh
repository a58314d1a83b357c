#!/usr/bin/env bash
# Vendor the book's JavaScript so the built book works with no internet.
#
#   bash tools/vendor.sh DEST        (the Makefile runs: bash tools/vendor.sh _build/vendor)
#
# By default a Jupyter Book page loads MathJax, require.js and the Jupyter widget manager
# from CDNs: offline, formulas stay raw TeX and ipywidgets show nothing. This script installs
# them from npm into DEST/node_modules and lays out the files Sphinx copies into _static
# (see `sphinx.config` in _config.yml: html_static_path, mathjax_path, nb_ipywidgets_js):
#
#   DEST/static/mathjax/                         MathJax 3's whole es5 folder (tex-chtml.js and the
#                                                fonts, extensions and a11y code it loads at run time
#                                                relative to its own URL)
#   DEST/static/requirejs/require.js             require.js (the widget manager is an AMD bundle)
#   DEST/static/jupyter-widgets/html-manager/    @jupyter-widgets/html-manager's dist: embed-amd.js
#                                                (bundles @jupyter-widgets/base, controls and output)
#                                                and the icon fonts it loads relative to itself
#   DEST/static/jupyter-widgets/setup.js         written here: tells require.js where the bundle
#                                                is, and lets widgets typeset with MathJax 3
#
# html-manager 1.x is the widget manager of ipywidgets 8 (0.20.x is ipywidgets 7): keep its major
# version equal to that of the ipywidgets the book is executed with.
#
# Safe to rerun: npm brings node_modules up to date, and the static folder is rebuilt aside and
# swapped in whole, so an interrupted run never leaves a half-copied one behind.
set -euo pipefail

MATHJAX_SPEC="mathjax@>=3.2.2 <4"
HTML_MANAGER_SPEC="@jupyter-widgets/html-manager@>=1.0.15 <2"
REQUIREJS_SPEC="requirejs@>=2.3.7 <3"

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: bash tools/vendor.sh DEST" >&2
    exit 2
fi
DEST=$1

if ! command -v npm >/dev/null 2>&1; then
    echo "tools/vendor.sh: npm not found: install Node.js with npm (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi

mkdir -p "$DEST"
# Scripts of dependencies are not needed (they only print attributions): skip them.
npm install --prefix "$DEST" --no-audit --no-fund --ignore-scripts --loglevel=error \
    "$MATHJAX_SPEC" "$HTML_MANAGER_SPEC" "$REQUIREJS_SPEC"

MODULES=$DEST/node_modules
MATHJAX_ES5=$MODULES/mathjax/es5
HTML_MANAGER_DIST=$MODULES/@jupyter-widgets/html-manager/dist
REQUIRE_JS=$MODULES/requirejs/require.js
for needed in "$MATHJAX_ES5/tex-chtml.js" "$HTML_MANAGER_DIST/embed-amd.js" "$REQUIRE_JS"; do
    if [ ! -f "$needed" ]; then
        echo "tools/vendor.sh: npm finished but $needed is missing" >&2
        exit 1
    fi
done

STATIC=$DEST/static
NEW=$DEST/static.new
OLD=$DEST/static.old
rm -rf "$NEW" "$OLD"
mkdir -p "$NEW/requirejs" "$NEW/jupyter-widgets"
cp -R "$MATHJAX_ES5" "$NEW/mathjax"
cp "$REQUIRE_JS" "$NEW/requirejs/require.js"
cp -R "$HTML_MANAGER_DIST" "$NEW/jupyter-widgets/html-manager"
# Source maps (6 MB) are only read by developer tools; embed.js is the non-AMD bundle we don't use.
find "$NEW" -name '*.map' -delete
rm -f "$NEW/jupyter-widgets/html-manager/embed.js" "$NEW/jupyter-widgets/html-manager/embed.js.LICENSE.txt"
# Run between require.js and embed-amd.js. embed-amd.js defines named AMD modules
# (@jupyter-widgets/base, controls, html-manager/dist/libembed-amd...); require.js resolves each
# name against the page's folder, and each bundled module loads the icon fonts relative to its
# resolved URL (a 404 in every page's folder). Map the names to where the bundle really is
# (found from this script's own URL, so a page at any depth works).
# ipywidgets typesets widget labels with MathJax 2's MathJax.Hub.Queue: give MathJax 3 that call.
cat > "$NEW/jupyter-widgets/setup.js" <<'JS'
/* Written by tools/vendor.sh: setup for the vendored Jupyter widget manager. */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : "";
  var base = here.replace(/[?#].*$/, "").replace(/[^/]*$/, "");
  if (base && window.require && window.require.config) {
    var dir = base + "html-manager";
    var paths = { "@jupyter-widgets/html-manager/dist": dir };
    ["base", "base7", "controls", "controls7", "output", "html-manager"].forEach(function (name) {
      paths["@jupyter-widgets/" + name] = dir + "/" + name;
    });
    window.require.config({ paths: paths });
  }
  window.__jupyter_widgets_assets_path__ = base + "html-manager/";

  function mathjax2Shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.startup || !mj.typesetPromise) return;
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
            mj.startup.promise = mj.startup.promise
              .then(function () { return mj.typesetPromise([job[2]]); })
              .catch(function (err) { console.warn("MathJax typeset of a widget failed", err); });
          }
        });
      },
    };
  }
  /* MathJax 3 loads deferred: it is there by DOMContentLoaded; widgets render on load. */
  document.addEventListener("DOMContentLoaded", mathjax2Shim);
  window.addEventListener("load", mathjax2Shim);
})();
JS
for pkg in mathjax @jupyter-widgets/html-manager requirejs; do
    version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$MODULES/$pkg/package.json" | head -n 1)
    printf '%s %s\n' "$pkg" "$version"
done > "$DEST/VERSIONS.txt"

if [ -d "$STATIC" ]; then
    mv "$STATIC" "$OLD"
fi
mv "$NEW" "$STATIC"
rm -rf "$OLD"
echo "Vendored into $STATIC: $(paste -sd ' ' "$DEST/VERSIONS.txt")"
