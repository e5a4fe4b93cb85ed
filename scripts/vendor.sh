#!/usr/bin/env bash
# Vendor pinned third-party browser assets from the npm registry into static/vendor/,
# with their licences. The running app loads nothing from a CDN. Re-run after changing a pin.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=static/vendor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
declare -A PINS=(
  ["@tabler/core"]="1.6.1"
  ["@tabler/icons-sprite"]="3.48.0"
  ["htmx.org"]="2.0.11"
  # Alpine's CSP build: evaluates x-* expressions without eval()/new Function (the CSP has no 'unsafe-eval')
  ["@alpinejs/csp"]="3.17.4"
  ["swagger-ui-dist"]="5.35.0"
  ["echarts"]="6.1.0"
  ["flatpickr"]="4.6.13"
)
for pkg in "${!PINS[@]}"; do
  ver=${PINS[$pkg]}
  (cd "$TMP" && npm pack --silent "$pkg@$ver" >/dev/null)
done
rm -rf "$DEST" && mkdir -p "$DEST"
unpack() { # tarball-name dest-dir files...
  local tgz=$1 dir=$2; shift 2
  rm -rf "$TMP/x" && mkdir -p "$TMP/x" && tar -xzf "$TMP/$tgz" -C "$TMP/x"
  mkdir -p "$DEST/$dir"
  for f in "$@"; do cp -r "$TMP/x/package/$f" "$DEST/$dir/"; done
  cp "$TMP/x/package/LICENSE"* "$DEST/$dir/" 2>/dev/null || true
}
unpack tabler-core-${PINS["@tabler/core"]}.tgz tabler dist/css/tabler.min.css dist/js/tabler.min.js
unpack tabler-icons-sprite-${PINS["@tabler/icons-sprite"]}.tgz tabler-icons dist/tabler-sprite.svg
unpack htmx.org-${PINS["htmx.org"]}.tgz htmx dist/htmx.min.js
unpack alpinejs-csp-${PINS["@alpinejs/csp"]}.tgz alpine-csp dist/cdn.min.js
unpack swagger-ui-dist-${PINS["swagger-ui-dist"]}.tgz swagger-ui-dist swagger-ui.css swagger-ui-bundle.js \
  swagger-ui-standalone-preset.js favicon-32x32.png
unpack echarts-${PINS["echarts"]}.tgz echarts dist/echarts.min.js
unpack flatpickr-${PINS["flatpickr"]}.tgz flatpickr dist/flatpickr.min.js dist/flatpickr.min.css
mkdir -p "$DEST/flatpickr/l10n" && cp "$TMP/x/package/dist/l10n/zh.js" "$DEST/flatpickr/l10n/"
# Source maps are not vendored: drop the references so collectstatic's manifest finds every file.
grep -rlZ "sourceMappingURL" "$DEST" | xargs -0 -r sed -i -E 's@/\*# sourceMappingURL=[^*]*\*/@@; s@//# sourceMappingURL=.*$@@'
{
  echo "# Vendored browser assets (from the npm registry by scripts/vendor.sh)"
  for pkg in "${!PINS[@]}"; do
    tgz=${pkg#@}; tgz=${tgz//\//-}-${PINS[$pkg]}.tgz
    lic=$(tar -xzOf "$TMP/$tgz" package/package.json | python3 -c 'import json, sys; print(json.load(sys.stdin)["license"])')
    echo "- $pkg ${PINS[$pkg]} ($lic)"
  done | sort
  echo
  echo "## Data (not a browser asset: vendored into the Python package)"
  echo "- @vant/area-data $(python3 -c 'import json; print(json.load(open("kam/core/data/divisions.json"))["source"]["version"])')" \
    "(MIT, © Youzan, https://github.com/vant-ui/vant/tree/main/packages/vant-area-data) →" \
    "kam/core/data/divisions.json: GB/T 2260 provinces, cities and counties for kam/core/divisions.py." \
    "Refresh: \`python scripts/divisions.py --version X.Y.Z\` (npm pack, keeps only GB/T 2260 codes;" \
    "its docstring says what is dropped), then re-run this script and the tests."
} > "$DEST/README.md"
echo "vendored into $DEST"
