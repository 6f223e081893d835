#!/usr/bin/env bash
# Copies the pinned front-end libraries from npm into ../vendor, where the
# binary embeds them. Run after changing a version in package.json.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
mkdir -p ../vendor
cp node_modules/echarts/dist/echarts.min.js ../vendor/echarts.min.js
cp node_modules/echarts/LICENSE ../vendor/echarts.LICENSE
cp node_modules/echarts/NOTICE ../vendor/echarts.NOTICE
cp node_modules/htmx.org/dist/htmx.min.js ../vendor/htmx.min.js
cp node_modules/htmx.org/LICENSE ../vendor/htmx.LICENSE
echo "vendored htmx $(node -p "require('./node_modules/htmx.org/package.json').version")"
echo "vendored echarts $(node -p "require('./node_modules/echarts/package.json').version")"
