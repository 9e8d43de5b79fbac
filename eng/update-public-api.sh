#!/usr/bin/env bash
# Brings src/Runtime/PublicAPI.Unshipped.txt in line with the code after a deliberate public API change: applies
# PublicApiAnalyzers' own fixes for RS0016 (public symbol not in the file: add it) and RS0017 (symbol in the file is
# gone: remove it). Review the diff: every line is a promise to users. At a release, move the lines to Shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet format analyzers src/Runtime/Faustish.csproj --diagnostics RS0016 RS0017 --severity warn
git --no-pager diff --stat -- src/Runtime/PublicAPI.Shipped.txt src/Runtime/PublicAPI.Unshipped.txt
