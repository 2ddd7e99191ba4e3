#!/usr/bin/env bash
# One entry point for newcomers and CI. Idempotent: installs only what is missing, then runs.
#   ./dev.sh demo        start the app with a local province server and a synthetic commune
#   ./dev.sh app [ARGS]  start the app on its embedded default (local SQLite in the user-data folder)
#   ./dev.sh test [ARGS] lint and type-check, then the whole test suite (pytest ARGS)
#   ./dev.sh setup       install only
#   ./dev.sh lock        re-pin requirements.lock from pyproject.toml (pip-compile), after changing a dependency
#   ./dev.sh bundle      build the station client's one-folder bundle into dist/station-client/ (docs/install.md)
set -euo pipefail
cd "$(dirname "$0")"
# Python keeps the project's compiled modules (__pycache__, ignored by git) even where the environment says not to
# (PYTHONDONTWRITEBYTECODE, set on this CI machine): else every process the tests start (servers, CLIs) compiled
# station_client and province_server again, 0.2 s each; the test suite's CPU time was 15 % lower with them kept.
unset PYTHONDONTWRITEBYTECODE

# Debian packages: venv for the project's virtual environment, Qt's runtime libraries (xcb and offscreen platforms),
# a font with full Vietnamese coverage, PostgreSQL for the server tests, poppler and zbar to check printed receipts,
# Xvfb for screenshots, Chromium and its driver for the console's browser tests (Selenium drives /usr/bin/chromium:
# no browser download).
APP_DEBS=(python3-venv libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0
          libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0
          libxcb-shape0 libxcb-xkb1 fonts-noto-core)
TEST_DEBS=(postgresql poppler-utils zbar-tools xvfb faketime chromium chromium-driver binutils)  # binutils: the bundle

ensure_debs() {
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${missing[*]} — run: sudo apt-get install ${missing[*]}" >&2; exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

pip_install() {
  # pip's own exit status decides (set -e): only its WARNING lines about this machine's package folders are hidden.
  .venv/bin/python -m pip install -q "$@" 2> >(grep -v '^WARNING' >&2)
}

ensure_python() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  local stamp=".venv/.installed-$(cat pyproject.toml setup.py requirements.lock | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing Python packages into .venv (requirements.lock)"
    # Every dependency at the version the lock pins (pip and setuptools too), then the project itself on top.
    pip_install -r requirements.lock
    pip_install --no-deps -e .
    .venv/bin/python -c "import PySide6, fastapi, sqlite_utils, filelock"
    rm -f .venv/.installed-*; touch "$stamp"
  fi
}

relock() {
  # The lock is for this platform and Python (Linux, 3.11); Windows installs resolve from pyproject.toml's ranges.
  .venv/bin/pip-compile -q --allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url \
    --no-emit-trusted-host --extra server --extra test -o requirements.lock pyproject.toml
}

build_translations() {
  # .ts sources -> .qm with Qt's lrelease (shipped by PySide6), only when a source is newer.
  local lrelease=.venv/bin/pyside6-lrelease ts qm
  for ts in resources/translations/*.ts; do
    [ -e "$ts" ] || continue
    qm="${ts%.ts}.qm"
    if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then "$lrelease" -silent "$ts" -qm "$qm"; fi
  done
}

# tr_noop and tr_lazy (station_client/ui/i18n.py) mark strings as QT_TRANSLATE_NOOP does; tests read this line.
LUPDATE_ALIASES="QT_TRANSLATE_NOOP+=tr_noop,QT_TRANSLATE_NOOP+=tr_lazy"

update_translations() {
  # The code's marked strings -> the English catalogues, by the standard pyside6-lupdate: new strings come in
  # unfinished (write their English in the .ts, e.g. with pyside6-linguist), strings gone from the code go.
  # No line numbers in the .ts: a layout change elsewhere in a module leaves the catalogue alone.
  local ts sources
  while read -r ts sources; do
    case "$ts" in ''|'#'*) continue ;; esac
    # shellcheck disable=SC2086  # the sources are globs, expanded here
    .venv/bin/pyside6-lupdate -silent -extensions py -no-obsolete -locations none -tr-function-alias "$LUPDATE_ALIASES" \
      -source-language vi_VN -target-language en_GB $sources -ts "resources/translations/$ts"
  done < resources/translations/catalogues.txt
  grep -l 'type="unfinished"' resources/translations/*_en.ts && echo "(those catalogues have strings without English)" || true
  build_translations
}

# UTC instants (Vietnam is UTC+7): just after Vietnam midnight (the office's date is already the next day, the PC's
# UTC date not yet), just before UTC midnight (the run crosses it), during Tết (Đinh Mùi holidays, 2027-02-08: later
# than every fixture date) and just before the office's year-end midnight (the run crosses it, and the year).
# faketime's '@' starts the clock there and lets it run (each run takes about a minute). Two instants once here
# are covered by the crossings: just before Vietnam midnight (2026-12-01 16:59:30) and just after UTC midnight
# (2026-12-02 00:00:30); dropping them kept a fresh clone's CI under 20 minutes.
# FAKETIME_DONT_RESET: the servers a test starts keep the test's clock instead of starting again at the instant, so
# near midnight the province and the test agree on which day it is (without it the server ran seconds behind).
OFFICE_CLOCK_INSTANTS=("2026-12-01 17:00:30" "2026-12-01 23:59:30" "2027-02-08 02:30:00" "2026-12-31 16:59:30")

office_clock_at() {
  echo "== office-clock tests at $1 UTC (PC zone UTC)"
  # shellcheck disable=SC2086  # (OFFICE_CLOCK_FILES: paths without spaces, one argument each)
  TZ=UTC FAKETIME_DONT_RESET=1 faketime -f "@$1" .venv/bin/python -m pytest -q -m office_clock -p no:cacheprovider \
    --no-header -o addopts="--strict-markers --import-mode=importlib" $OFFICE_CLOCK_FILES
}

office_clock_files() {
  # Where office-clock tests live: tests/conftest.py's OFFICE_CLOCK_PATHS, and the files that mark tests
  # themselves. Collecting only those, not the whole tree, saves each run a few seconds.
  .venv/bin/python - <<'PY'
import ast, pathlib
tree = ast.parse(pathlib.Path("tests/conftest.py").read_text())
paths = next(ast.literal_eval(n.value) for n in tree.body
             if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "OFFICE_CLOCK_PATHS")
marked = sorted(str(p) for p in pathlib.Path("tests").rglob("test_*.py") if "mark.office_clock" in p.read_text())
given = [f"tests/{p}" for p in paths]
print(" ".join(given + [m for m in marked if not m.startswith(tuple(given))]))
PY
}

office_clock_runs() {
  # Two lanes at once (each run is one process on one core; the instants are independent), each lane's output
  # printed whole when it ends, so the log reads run by run.
  local dir lane i status=0
  dir=$(mktemp -d)
  OFFICE_CLOCK_FILES=$(office_clock_files)
  for lane in 0 1; do
    (
      for ((i = lane; i < ${#OFFICE_CLOCK_INSTANTS[@]}; i += 2)); do
        office_clock_at "${OFFICE_CLOCK_INSTANTS[$i]}" || exit 1
      done
    ) > "$dir/lane$lane.log" 2>&1 &
  done
  for lane in 0 1; do wait -n || status=1; done
  cat "$dir/lane0.log" "$dir/lane1.log"
  rm -rf "$dir"
  return $status
}

# PyInstaller, one folder (packaging/station-client.spec); build_translations first: the .qm files ship built.
BUNDLE_DIR=dist/station-client
BUNDLE_CMD=(.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller
            packaging/station-client.spec)

bundle_lane_start() {
  # The bundle builds beside pytest (about 40 s of CPU, taken from pytest's two workers); its smoke test runs once
  # both are done (bundle_lane_finish). Output kept aside and printed then, so the logs do not mix.
  BUNDLE_LOG=$(mktemp)
  BUNDLE_START=$SECONDS
  "${BUNDLE_CMD[@]}" > "$BUNDLE_LOG" 2>&1 &  # a simple command: $! is PyInstaller itself
  BUNDLE_PID=$!
  trap 'kill "$BUNDLE_PID" 2>/dev/null || true' EXIT  # pytest failed (set -e): no build left running
}

bundle_lane_finish() {
  local status=0
  wait "$BUNDLE_PID" || status=$?
  trap - EXIT
  echo "== bundle: built in $((SECONDS - BUNDLE_START)) s (beside pytest), $(du -sh "$BUNDLE_DIR" | cut -f1)"
  cat "$BUNDLE_LOG"; rm -f "$BUNDLE_LOG"
  [ "$status" -eq 0 ] || { echo "bundle build failed" >&2; return "$status"; }
  echo "== bundle smoke test: $BUNDLE_DIR run with a clean environment, outside the checkout"
  STATION_CLIENT_BUNDLE="$PWD/$BUNDLE_DIR" .venv/bin/python -m pytest -q -p no:cacheprovider tests/packaging/test_bundle.py
}

cmd="${1:-app}"; shift || true
case "$cmd" in
  setup) ensure_debs "${APP_DEBS[@]}" "${TEST_DEBS[@]}"; ensure_python; build_translations ;;
  lock)  ensure_python; relock ;;
  translations) ensure_python; update_translations ;;
  bundle)
    ensure_debs "${APP_DEBS[@]}" binutils; ensure_python; build_translations  # PyInstaller: objdump, strip
    start=$SECONDS; "${BUNDLE_CMD[@]}"
    echo "$BUNDLE_DIR: $(du -sh "$BUNDLE_DIR" | cut -f1), built in $((SECONDS - start)) s" ;;
  app)   ensure_debs "${APP_DEBS[@]}"; ensure_python; build_translations; exec .venv/bin/station-client "$@" ;;
  demo)  ensure_debs "${APP_DEBS[@]}"; ensure_python; build_translations; exec .venv/bin/station-client demo "$@" ;;
  test)
    ensure_debs "${APP_DEBS[@]}" "${TEST_DEBS[@]}"; ensure_python; build_translations
    .venv/bin/ruff check .
    .venv/bin/python tools/mypy_budget.py  # strict parts at 0, the others under their ceilings (counts printed)
    export QT_QPA_PLATFORM=offscreen
    if [ $# -eq 0 ]; then bundle_lane_start; fi  # (only on a whole run, like the office-clock runs)
    # A whole run uses both cores: each test file stays on one worker (its fixtures — servers, PostgreSQL, Qt —
    # are set up once per file, as in a single process); ARGS pick tests by hand and run in one process.
    if [ $# -eq 0 ]; then .venv/bin/python -m pytest -n 2 --dist loadfile --durations=15; else .venv/bin/python -m pytest "$@"; fi
    if [ $# -eq 0 ]; then bundle_lane_finish; fi
    # Office time everywhere: the date- and time-sensitive tests again with the PC's zone in UTC and the clock at
    # the instants that once broke office logic (only on a whole run: ARGS pick tests by hand).
    if [ $# -eq 0 ]; then office_clock_runs; fi ;;
  *) echo "usage: ./dev.sh demo | app [ARGS] | test [PYTEST ARGS] | setup | lock | translations | bundle" >&2; exit 2 ;;
esac
