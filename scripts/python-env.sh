# Sourced by scripts/compat.sh and scripts/examples.sh (from the repository root): the
# virtual environment with the pinned SDKs and the edugraph binary they drive.
#
# 1. creates the virtual environment .venv/compat (again when compat/requirements.txt
#    changed) and installs the pinned SDKs from PyPI;
# 2. builds the binary. The debug profile on purpose: `cargo test --workspace` (run just
#    before by scripts/test.sh) has already compiled it, so CI pays no second, much
#    slower optimised build; dependencies are optimised even in debug (Cargo.toml), which
#    is all the suites need. It is built the way `cargo test --workspace` builds it
#    (`--no-run`): a plain `cargo build -p edugraph-server` resolves the dependencies'
#    features without the dev-dependencies and would compile several crates again.
#    EDUGRAPH_COMPAT_PROFILE=release switches.
# Sets `venv` (its folder) and `bin` (the binary).

venv=.venv/compat
requirements=compat/requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== preparing $venv"
  if ! python3 -m venv --help >/dev/null 2>&1; then
    echo "python3 with venv is missing; installing it from Debian's packages"
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
fi

profile=${EDUGRAPH_COMPAT_PROFILE:-debug}
echo "== building edugraph ($profile)"
if [ "$profile" = release ]; then
  cargo build --locked --release -p edugraph-server --bin edugraph
else
  cargo test --locked --workspace --no-run --quiet
fi
target_dir=$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/$profile/edugraph"
